"""What every HTTP API function shares: a Powertools resolver with validation and OpenAPI,
one error shape, and the checks that run before routing.

The caller check runs before routing and validation: an anonymous caller learns nothing,
not even whether a body would have been valid (on AWS the JWT authorizer has already
refused anonymous callers; the group check is ours). Bodies are JSON text only.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus
from typing import Any, Protocol

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from shared.api.context import ApiContext, Routes
from shared.api.errors import MethodTable, error_body, register_error_handlers
from shared.api.openapi import ApiDescription, openapi_document
from shared.bootstrap import Services
from shared.gateway.requests import header
from shared.ocpp.framing import without_lone_surrogates


class AccessDenied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class RouteModule(Protocol):
    def register(self, ctx: ApiContext) -> None: ...


# The caller's identity from the event, or AccessDenied(401/403).
Authenticate = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class HttpAppSpec:
    description: ApiDescription
    public_paths: frozenset[str]
    realm: str
    route_modules: Iterable[RouteModule]


class HttpApp:
    """One HTTP API function: `resolve(event, context)` answers an API Gateway 2.0 event."""

    def __init__(self, services: Services, spec: HttpAppSpec, authenticate: Authenticate) -> None:
        self.services = services
        self.spec = spec
        self._authenticate = authenticate
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
        for module in spec.route_modules:
            module.register(ctx)
        self._document_hooks = ctx.document_hooks

    @cached_property
    def openapi(self) -> dict[str, Any]:
        return openapi_document(
            self.app, self.spec.public_paths, self.spec.description, self._document_hooks
        )

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        path = APIGatewayProxyEventV2(event).path
        caller: str | None = None
        if path not in self.spec.public_paths:
            try:
                caller = self._authenticate(event)
            except AccessDenied as exc:
                return _denied(exc, self.spec.realm)
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
        self.app.append_context(caller=caller)  # type: ignore[no-untyped-call]
        return self.app.resolve(event, context)


def jwt_claims(event: dict[str, Any]) -> dict[str, Any] | None:
    """The claims API Gateway's JWT authorizer verified (None: no authorizer ran)."""
    claims = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}).get(
        "claims"
    )
    return claims if isinstance(claims, dict) else None


def claim_groups(claims: dict[str, Any]) -> list[str]:
    groups = claims.get("cognito:groups", "")
    if isinstance(groups, list):
        return [str(g) for g in groups]
    # HTTP API passes array claims as "[a b]" strings.
    return str(groups).strip("[]").replace(",", " ").split()


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


def _denied(exc: AccessDenied, realm: str) -> dict[str, Any]:
    code = "Unauthorized" if exc.status == 401 else "Forbidden"
    headers = {"WWW-Authenticate": f'Bearer realm="{realm}"'} if exc.status == 401 else {}
    return _json_response(exc.status, error_body(code, exc.message), headers)


def per_thread(factory: Callable[[], HttpApp]) -> Callable[[], HttpApp]:
    """One app per thread. The resolver keeps the current request on itself: Lambda runs one
    request per instance at a time, the local platform runs concurrent requests in threads."""
    local = threading.local()

    def app() -> HttpApp:
        found: HttpApp | None = getattr(local, "app", None)
        if found is None:
            found = local.app = factory()
        return found

    return app
