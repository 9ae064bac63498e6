"""The operator API: a Powertools HTTP API resolver with validation and OpenAPI, behind the
operator check.

The operator check runs before routing and validation: an anonymous caller learns nothing,
not even whether a body would have been valid (on AWS the JWT authorizer has already
refused anonymous callers; the group check and the local development token are ours).
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import cached_property
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from shared.api.context import ApiContext, Routes
from shared.api.errors import MethodTable, error_body, register_error_handlers
from shared.api.openapi import openapi_document
from shared.api.operator_auth import AccessDenied, require_operator
from shared.api.routes import chargers, commands, id_tags, locations, meta, sessions, tariffs
from shared.bootstrap import Services
from shared.gateway.requests import header
from shared.ocpp.framing import without_lone_surrogates

PUBLIC_PATHS = frozenset({"/api/health", "/api/openapi.json"})


class OperatorApi:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.app = APIGatewayHttpResolver(
            enable_validation=True,
            # A response that breaks its own model is our bug: 500, never a 4xx.
            response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
        )
        methods = MethodTable()
        register_error_handlers(self.app, methods, lambda: self.app.current_event.path)
        ctx = ApiContext(
            app=self.app,
            routes=Routes(self.app, methods),
            services=services,
            now=services.now,
            openapi=lambda: self.openapi,
        )
        for module in (meta, chargers, id_tags, sessions, commands, tariffs, locations):
            module.register(ctx)

    @cached_property
    def openapi(self) -> dict[str, Any]:
        return openapi_document(self.app, PUBLIC_PATHS)

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        path = APIGatewayProxyEventV2(event).path
        operator: str | None = None
        if path not in PUBLIC_PATHS:
            try:
                operator = require_operator(event, self.services.settings.operator_dev_token)
            except AccessDenied as exc:
                return _denied(exc)
        if not _json_or_no_body(event):
            return _json_response(
                415,
                error_body("UnsupportedMediaType", "send the body as application/json"),
            )
        text_event = _with_text_body(event)
        if text_event is None:
            message = "the body is not UTF-8 text"
            details = [{"field": "body", "message": message}]
            return _json_response(400, error_body("ValidationError", message, details))
        event = text_event
        if _holds_lone_surrogates(event.get("body")):
            message = "the body holds an unpaired UTF-16 surrogate (\\uD800-\\uDFFF escape)"
            details = [{"field": "body", "message": message}]
            return _json_response(400, error_body("ValidationError", message, details))
        self.app.append_context(operator=operator)  # type: ignore[no-untyped-call]
        return self.app.resolve(event, context)


def _json_or_no_body(event: dict[str, Any]) -> bool:
    """Bodies are JSON only (Powertools would also parse forms and multipart: not ours)."""
    if not event.get("body"):
        return True
    media_type = (header(event, "Content-Type") or "").split(";", 1)[0].strip().lower()
    return media_type in ("", "application/json") or media_type.endswith("+json")


def _holds_lone_surrogates(body: Any) -> bool:
    """Whether JSON text decodes to a string no UTF-8 encoder takes (DynamoDB, a charger's
    WebSocket): refused here rather than failing deep in a write with 500."""
    if not isinstance(body, str) or ("\\ud" not in body and "\\uD" not in body):
        return False
    try:
        value = json.loads(body)
    except ValueError:
        return False  # not JSON: the resolver answers that
    return bool(without_lone_surrogates(value) != value)


def _with_text_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """The event with its body as text (API Gateway base64-encodes bodies it does not take
    for text); None when the body is not UTF-8."""
    body = event.get("body")
    if not body or not event.get("isBase64Encoded"):
        return event
    try:
        text = base64.b64decode(str(body), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return {**event, "body": text, "isBase64Encoded": False}


def _json_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _denied(exc: AccessDenied) -> dict[str, Any]:
    code = "Unauthorized" if exc.status == 401 else "Forbidden"
    headers = {"WWW-Authenticate": 'Bearer realm="csms-operator"'} if exc.status == 401 else {}
    return _json_response(exc.status, error_body(code, exc.message), headers)
