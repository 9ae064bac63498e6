"""OpenAPI `responses` entries for the error answers a route can give."""

from __future__ import annotations

from typing import Any

from shared.api.models.common import ErrorResponse

_DESCRIPTIONS = {
    400: "Invalid request; details name the fields",
    404: "Unknown resource",
    409: "Conflict",
    422: "A well-formed request the API cannot act on (the message says why)",
    503: "Charger offline, or the payment provider unavailable",
}


def errors(*statuses: int) -> dict[int, Any]:
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {"application/json": {"model": ErrorResponse}},
        }
        for status in statuses
    }


def body(description: str, model: type[Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"model": model}}}
