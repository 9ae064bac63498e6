"""The operator API's routes. Later changes add registry, commands and sessions."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from shared.operator_auth import AccessDenied, require_operator
from shared.timeutil import iso_utc, utc_now
from shared.wiring import Dependencies

PUBLIC_PATHS = frozenset({"/api/health"})


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one error shape of every HTTP API."""
    return {"error": {"code": code, "message": message}}


def build_app(deps: Dependencies) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()

    def authenticate(app: APIGatewayHttpResolver, next_middleware: Any) -> Response[Any]:
        if app.current_event.path not in PUBLIC_PATHS:
            require_operator(app.current_event.raw_event, deps.settings.operator_dev_token)
        return next_middleware(app)  # type: ignore[no-any-return]

    app.use(middlewares=[authenticate])

    @app.exception_handler(AccessDenied)  # type: ignore[untyped-decorator]
    def denied(exc: AccessDenied) -> Response[Any]:
        code = "Unauthorized" if exc.status == 401 else "Forbidden"
        return Response(
            status_code=exc.status,
            content_type="application/json",
            body=error_body(code, exc.message),
        )

    @app.not_found
    def not_found(exc: NotFoundError) -> Response[Any]:
        return Response(
            status_code=404,
            content_type="application/json",
            body=error_body("NotFound", f"no route for {app.current_event.path}"),
        )

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "time": iso_utc(utc_now())}

    @app.get("/api/chargers/<charge_point_id>")
    def get_charger(charge_point_id: str) -> Response[Any] | dict[str, Any]:
        record = deps.chargers.get(charge_point_id)
        if record is None:
            return Response(
                status_code=404,
                content_type="application/json",
                body=error_body("NotFound", f"charger {charge_point_id!r} is not registered"),
            )
        return {
            "chargePointId": record.charge_point_id,
            "registrationStatus": record.registration_status,
            "validationMode": record.validation_mode,
            "autoRegistered": record.auto_registered,
            "hasPassword": record.password_hash is not None,
            "createdAt": record.created_at,
            "vendor": record.vendor,
            "model": record.model,
            "serialNumber": record.serial_number,
            "firmwareVersion": record.firmware_version,
            "lastBootAt": record.last_boot_at,
            "online": record.online,
            "protocol": record.protocol,
            "connectionId": record.connection_id,
            "connectedAt": record.connected_at,
            "disconnectedAt": record.disconnected_at,
            "connectors": [
                {
                    "evseId": s.evse_id,
                    "connectorId": s.connector_id,
                    "status": s.status,
                    "errorCode": s.error_code,
                    "info": s.info,
                    "vendorErrorCode": s.vendor_error_code,
                    "timestamp": s.timestamp,
                }
                for s in deps.connectors.list_for(charge_point_id)
            ],
        }

    return app
