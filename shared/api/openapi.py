"""The OpenAPI documents of the HTTP APIs, generated from the routes and their models.

Powertools documents its own validation answers (422 HTTPValidationError, 500
ResponseValidationError); the API answers 400/500 in its one error shape instead, so the
document is adjusted to say what the API really does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from shared.api.models.common import ErrorResponse


@dataclass(frozen=True)
class ApiDescription:
    title: str
    description: str
    security_scheme: str
    credentials: str  # what the bearer token is
    forbidden: str  # what a 403 means


VERSION = "1.0"
OPERATOR_API = ApiDescription(
    title="CSMS operator API",
    description=(
        "Charger registry, id tags, sessions, energy and commands to chargers. Every route "
        "except /api/health and /api/openapi.json needs `Authorization: Bearer <token>`: a "
        "Cognito JWT of a user in the `operators` group on AWS, the development token locally. "
        'Errors always have the shape {"error": {"code", "message", "details"?}}.'
    ),
    security_scheme="operatorToken",
    credentials="Cognito JWT (group operators) or the local development token",
    forbidden="Not an operator",
)
DRIVER_API = ApiDescription(
    title="CSMS driver API",
    description=(
        "What the drivers' mobile app uses: find chargers, start, watch and stop sessions, "
        "payment methods, RFID cards, receipts. Every route except /driver/health and "
        "/driver/openapi.json needs `Authorization: Bearer <access token>` of a user in the "
        "`drivers` group (Cognito on AWS, the development identity provider locally). A driver "
        'sees only their own data. Errors always have the shape {"error": {"code", "message", '
        '"details"?}}.'
    ),
    security_scheme="driverToken",
    credentials="Access token of a user in the drivers group",
    forbidden="Not a driver",
)
_POWERTOOLS_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def _powertools_422(responses: dict[str, Any]) -> bool:
    """Drop Powertools' own 422 (validation answers 400 here); keep a route's documented 422."""
    documented = responses.get("422")
    if documented is None or "HTTPValidationError" not in str(documented):
        return False
    del responses["422"]
    return True


def openapi_document(
    app: APIGatewayHttpResolver,
    public_paths: frozenset[str],
    api: ApiDescription,
    hooks: Iterable[Callable[[dict[str, Any]], None]] = (),
) -> dict[str, Any]:
    schema = app.get_openapi_schema(
        title=api.title,
        version=VERSION,
        description=api.description,
        security_schemes={api.security_scheme: HTTPBearer(description=api.credentials)},
        security=[{api.security_scheme: []}],
    )
    document: dict[str, Any] = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if _powertools_422(responses) or "requestBody" in operation:
                responses.setdefault("400", _error("Invalid request (details name the fields)"))
            responses["500"] = _error("Internal error")
            if path in public_paths:
                operation["security"] = []
            else:
                responses.setdefault("401", _error("No or invalid token"))
                responses.setdefault("403", _error(api.forbidden))
            for status, response in responses.items():
                if status == "204":
                    response.pop("content", None)
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _POWERTOOLS_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(
        ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}").pop(
            "$defs", {}
        )
    )
    schemas["ErrorResponse"] = {
        k: v
        for k, v in ErrorResponse.model_json_schema(
            ref_template="#/components/schemas/{model}"
        ).items()
        if k != "$defs"
    }
    for hook in hooks:
        hook(document)
    return document
