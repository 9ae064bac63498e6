"""The one error shape of the operator API and the mapping of every failure onto it.

{"error": {"code", "message", "details"?}} with the status that fits: 400 validation (details
[{field, message}]), 401/403 auth, 404 unknown resource or route, 405 known route with another
method, 409 conflict, 503 charger offline or payment provider unavailable, 504 charger did not
answer. Anything unexpected is a logged 500 in the same shape; bad input never is.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ResponseValidationError,
)

from shared.admin.errors import AdminError, Conflict, InvalidRequest, NotFound, Unavailable
from shared.commands.engine import CommandError
from shared.models.command import CommandRecord
from shared.ports import InvalidCursor

logger = logging.getLogger("csms.api")

_ADMIN_STATUS: dict[type[AdminError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidRequest: 400,
    Unavailable: 503,
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class CommandNotAnswered(Exception):
    """A command without a final answer when the API stopped waiting (504), or that found
    the charger gone (503). The body carries the command so the caller can poll it."""

    def __init__(self, command: CommandRecord, extra: dict[str, Any] | None = None) -> None:
        super().__init__(command.message_id)
        self.command = command
        self.extra = extra or {}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error_body(code, message, details)),
        headers=headers,
    )


def _field(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def validation_details(errors: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's errors as [{field, message}] (no input values echoed back)."""
    return [
        {"field": _field(e.get("loc", ())), "message": str(e.get("msg", e.get("type", "")))}
        for e in errors
    ]


def _command_error_details(exc: CommandError) -> Any:
    if exc.code == "InvalidCommand" and "path" in exc.details:
        path = str(exc.details.get("path") or "")
        return [
            {
                "field": f"body.{path}" if path else "body",
                "message": exc.message,
                "constraint": exc.details.get("constraint"),
            }
        ]
    return exc.details or None


def _route_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"<\w+>", "[^/]+", path) + "$")


class MethodTable:
    """Which methods each registered path template accepts, to tell 405 from 404."""

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], str]] = []

    def add(self, path: str, method: str) -> None:
        self._routes.append((_route_pattern(path), method.upper()))

    def allowed(self, path: str) -> list[str]:
        return sorted({method for pattern, method in self._routes if pattern.match(path)})


def register_error_handlers(
    app: APIGatewayHttpResolver, methods: MethodTable, path: Callable[[], str]
) -> None:
    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def invalid_request(exc: RequestValidationError) -> Response[Any]:
        return error_response(
            400, "ValidationError", "the request is not valid", validation_details(exc.errors())
        )

    @app.exception_handler(RequestUnsupportedContentType)  # type: ignore[untyped-decorator]
    def unsupported_body(exc: RequestUnsupportedContentType) -> Response[Any]:
        return error_response(415, "UnsupportedMediaType", "send the body as application/json")

    @app.exception_handler(ResponseValidationError)  # type: ignore[untyped-decorator]
    def invalid_response(exc: ResponseValidationError) -> Response[Any]:
        logger.error("response failed its own schema", extra={"errors": str(exc.errors())})
        return error_response(500, "InternalError", "internal error")

    @app.exception_handler(ApiError)  # type: ignore[untyped-decorator]
    def api_error(exc: ApiError) -> Response[Any]:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(AdminError)  # type: ignore[untyped-decorator]
    def admin_error(exc: AdminError) -> Response[Any]:
        status = _ADMIN_STATUS.get(type(exc), 400)
        return error_response(status, exc.code, exc.message, exc.details)

    @app.exception_handler(InvalidCursor)  # type: ignore[untyped-decorator]
    def invalid_cursor(exc: InvalidCursor) -> Response[Any]:
        details = [{"field": "query.cursor", "message": str(exc)}]
        return error_response(400, "InvalidCursor", str(exc), details)

    @app.exception_handler(CommandError)  # type: ignore[untyped-decorator]
    def command_error(exc: CommandError) -> Response[Any]:
        return error_response(exc.status, exc.code, exc.message, _command_error_details(exc))

    @app.exception_handler(CommandNotAnswered)  # type: ignore[untyped-decorator]
    def not_answered(exc: CommandNotAnswered) -> Response[Any]:
        command = exc.command
        if command.status == "offline" and (command.error or {}).get("code") == "ConnectionLost":
            status, code = 503, "ConnectionLost"
            message = "the charger reconnected before answering; send the command again"
        elif command.status == "offline":
            status, code, message = 503, "ChargerOffline", "the charger is offline"
        else:
            status, code = 504, "ChargerTimeout"
            message = (
                "the charger did not answer in time"
                if command.status == "timeout"
                else "no answer yet; poll the command for its outcome"
            )
        body = {**error_body(code, message), "command": command.summary(), **exc.extra}
        return Response(
            status_code=status,
            content_type=content_types.APPLICATION_JSON,
            body=json.dumps(body),
            headers={"Location": command_location(command)},
        )

    @app.not_found
    def no_route(exc: NotFoundError) -> Response[Any]:
        allowed = methods.allowed(path())
        if allowed:
            return error_response(
                405,
                "MethodNotAllowed",
                f"{app.current_event.http_method} is not allowed here",
                {"allowed": allowed},
                headers={"Allow": ", ".join(allowed)},
            )
        return error_response(404, "NotFound", f"no route for {path()}")

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def unexpected(exc: Exception) -> Response[Any]:
        logger.exception("unhandled error", exc_info=exc)
        return error_response(500, "InternalError", "internal error")


def command_location(command: CommandRecord) -> str:
    from urllib.parse import quote

    return (
        f"/api/chargers/{quote(command.charge_point_id, safe='')}"
        f"/commands/{quote(command.message_id, safe='')}"
    )
