"""Id tag bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.api.models.common import ApiModel, IdTag
from shared.models.transaction import IdTagRecord
from shared.timeutil import iso_utc

IdTagStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]
TokenType = Literal[
    "Central",
    "eMAID",
    "ISO14443",
    "ISO15693",
    "KeyCode",
    "Local",
    "MacAddress",
    "NoAuthorization",
]


class IdTagFields(ApiModel):
    status: IdTagStatus = "Accepted"
    expiryDate: AwareDatetime | None = Field(default=None, description="RFC 3339 date-time")
    parentIdTag: IdTag | None = None
    ownerId: str | None = Field(default=None, min_length=1, max_length=128)
    tokenType: TokenType | None = Field(default=None, description="OCPP 2.0.1 IdTokenEnumType")

    def record(self, id_tag: str) -> IdTagRecord:
        return IdTagRecord(
            id_tag=id_tag,
            status=self.status,
            expiry_date=iso_utc(self.expiryDate) if self.expiryDate else None,
            parent_id_tag=self.parentIdTag,
            owner_id=self.ownerId,
            token_type=self.tokenType,
        )


class IdTagCreate(IdTagFields):
    idTag: IdTag


class IdTagView(ApiModel):
    idTag: str
    status: str
    expiryDate: str | None
    parentIdTag: str | None
    ownerId: str | None
    tokenType: str | None

    @classmethod
    def of(cls, r: IdTagRecord) -> IdTagView:
        return cls(
            idTag=r.id_tag,
            status=r.status,
            expiryDate=r.expiry_date,
            parentIdTag=r.parent_id_tag,
            ownerId=r.owner_id,
            tokenType=r.token_type,
        )


class IdTagPage(ApiModel):
    items: list[IdTagView]
    nextCursor: str | None
