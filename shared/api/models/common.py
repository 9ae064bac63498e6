"""Shared pieces: the error shape, identifiers, pages."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

# The identities chargers may connect with (see shared.access.admission): OCPP 2.0.1
# identifierString, at most 48 characters.
CHARGE_POINT_ID_PATTERN = r"^[A-Za-z0-9*\-_=:+|@.]{1,48}$"
# Id tags created through the API: 1.6 idTag is CiString20, 2.0.1 idToken up to 36; only
# characters that need no escaping in a URL path segment.
ID_TAG_PATTERN = r"^[A-Za-z0-9*\-_=:+|@.~]{1,36}$"

ChargePointId = Annotated[
    str, Field(pattern=CHARGE_POINT_ID_PATTERN, description="Charge point identity")
]
IdTag = Annotated[str, Field(pattern=ID_TAG_PATTERN, description="Id tag / idToken")]

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(ApiModel):
    code: str = Field(description="Stable, machine-readable error code")
    message: str
    details: Any = Field(
        default=None,
        description="Validation errors as [{field, message}], or facts about the error",
    )


class ErrorResponse(ApiModel):
    """Every error of the API has this shape."""

    error: ErrorDetail
