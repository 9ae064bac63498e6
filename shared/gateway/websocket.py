"""The WebSocket routes as plain functions of (event, services) -> response.

The Lambda entrypoints in functions/ws_* only add logging/metrics setup and call these, so the
whole request path is testable with in-memory adapters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from shared.access.admission import UNAUTHORIZED, Admission, admit
from shared.bootstrap import Services
from shared.gateway.requests import (
    ConnectionIdentity,
    authorizer_policy,
    header,
    identity_from_authorizer,
    message_body,
    query_parameter,
    request_time_ms,
)
from shared.ocpp.errors import ErrorKind, wire_code
from shared.ocpp.framing import UNKNOWN_MESSAGE_ID, encode_call_error
from shared.ocpp.router import MessageContext, Outcome, Router
from shared.ocpp.versions import OcppVersion
from shared.timeutil import from_epoch_ms, utc_now

logger = logging.getLogger("csms.gateway.websocket")

Event = Mapping[str, Any]


class Unauthorized(Exception):
    """Raised by the authorizer to make API Gateway answer 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _admit(event: Event, services: Services) -> Admission:
    return admit(
        query_parameter(event, "chargePointId"),
        header(event, "Authorization"),
        header(event, "Sec-WebSocket-Protocol"),
        services.settings.unknown_chargers,
        services.deps.chargers,
        utc_now(),
        services.deps.admission_key,
    )


def authorize(event: Event, services: Services) -> dict[str, Any]:
    """$connect REQUEST authorizer."""
    admission = _admit(event, services)
    method_arn = str(event.get("methodArn", ""))
    if not admission.allowed:
        logger.warning(
            "connection refused",
            extra={"chargePointId": admission.charge_point_id, "reason": admission.reason},
        )
        if admission.status_code == UNAUTHORIZED:
            raise Unauthorized
        return authorizer_policy(admission.charge_point_id, method_arn, allow=False)
    return authorizer_policy(
        admission.charge_point_id, method_arn, allow=True, context=admission.context()
    )


def connect(event: Event, services: Services) -> dict[str, Any]:
    """$connect: pick the subprotocol and record the connection."""
    context = event.get("requestContext") or {}
    authorized = bool((context.get("authorizer") or {}).get("chargePointId"))
    if authorized:
        identity = identity_from_authorizer(event)
        if identity is None:  # admitted, but no subprotocol we speak was offered
            return _no_subprotocol(event, str(context["authorizer"]["chargePointId"]))
    else:
        # No authorizer in front of $connect: admit here.
        admission = _admit(event, services)
        if not admission.allowed:
            return {"statusCode": admission.status_code}
        if admission.protocol is None:
            return _no_subprotocol(event, admission.charge_point_id)
        identity = ConnectionIdentity(
            admission.charge_point_id,
            admission.protocol,
            admission.validation_mode == "lenient",
            admission.registration_status == "Accepted",
        )

    current = services.connections.open(
        connection_id=str(context.get("connectionId")),
        charge_point_id=identity.charge_point_id,
        protocol=identity.version.value,
        validation_mode="lenient" if identity.lenient else "strict",
        registration_status="Accepted" if identity.admitted else "Pending",
        connected_at_ms=request_time_ms(event),
        source_ip=(context.get("identity") or {}).get("sourceIp"),
        # Later routes carry the authorizer's context too: no record to fall back to needed.
        keep_record=not authorized,
    )
    if not current:  # a newer connection of the charger is already attached: refused
        return {"statusCode": 409}
    return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": identity.version.value}}


def _no_subprotocol(event: Event, charge_point_id: str) -> dict[str, Any]:
    logger.warning(
        "connection refused: no supported OCPP subprotocol offered",
        extra={
            "chargePointId": charge_point_id,
            "offered": header(event, "Sec-WebSocket-Protocol"),
        },
    )
    return {"statusCode": 400}


def resolve_identity(event: Event, services: Services) -> ConnectionIdentity | None:
    identity = identity_from_authorizer(event)
    if identity is not None:
        return identity
    connection_id = str((event.get("requestContext") or {}).get("connectionId", ""))
    record = services.deps.connections.get(connection_id)
    if record is None:
        return None
    try:
        version = OcppVersion(record.protocol)
    except ValueError:
        return None
    return ConnectionIdentity(
        record.charge_point_id,
        version,
        record.validation_mode == "lenient",
        record.registration_status == "Accepted",
    )


def message(
    event: Event, services: Services, router: Router, outcome: Outcome | None = None
) -> dict[str, Any]:
    """$default: one OCPP-J frame in, the route response (if any) out."""
    context = event.get("requestContext") or {}
    identity = resolve_identity(event, services)
    if identity is None:
        logger.warning(
            "frame on an unknown connection", extra={"connectionId": context.get("connectionId")}
        )
        return {
            "statusCode": 200,
            "body": encode_call_error(
                UNKNOWN_MESSAGE_ID,
                wire_code(ErrorKind.SECURITY_ERROR, OcppVersion.V16),
                "connection is not registered; reconnect",
            ),
        }
    received_ms = request_time_ms(event)
    ctx = MessageContext(
        charge_point_id=identity.charge_point_id,
        connection_id=str(context.get("connectionId", "")),
        version=identity.version,
        received_at=from_epoch_ms(received_ms) if received_ms else utc_now(),
        lenient=identity.lenient,
        admitted=identity.admitted,
    )
    reply = router.handle(ctx, message_body(event), outcome)
    if reply is None:
        return {"statusCode": 200}
    return {"statusCode": 200, "body": reply}


def disconnect(event: Event, services: Services) -> dict[str, Any]:
    """$disconnect: take the charger offline if this was its current connection."""
    context = event.get("requestContext") or {}
    identity = identity_from_authorizer(event)
    services.connections.close(
        connection_id=str(context.get("connectionId", "")),
        charge_point_id=identity.charge_point_id if identity else None,
        disconnected_at_ms=request_time_ms(event) or int(utc_now().timestamp() * 1000),
        reason=context.get("disconnectReason"),
    )
    return {"statusCode": 200}
