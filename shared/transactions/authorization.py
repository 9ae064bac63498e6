"""Answers about id tags (1.6 idTagInfo, 2.0.1 idTokenInfo) from the id-tag store.

Unknown tags are Invalid (2.0.1: Unknown); an Accepted tag past its expiry date is Expired.
The expiry date is handed to the charger so its authorization cache knows how long the answer
holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.models.transaction import IdTagInfo
from shared.ports import IdTagRepository
from shared.timeutil import iso_utc, parse_timestamp

# idTag is CiString20 in 1.6; 2.0.1 idToken is up to 36 characters.
MAX_ID_TAG_LENGTH = 36


@dataclass
class Authorizer:
    id_tags: IdTagRepository

    def id_tag_info(self, id_tag: str | None, now: datetime) -> IdTagInfo:
        if not id_tag or len(id_tag) > MAX_ID_TAG_LENGTH:
            return IdTagInfo("Invalid", known=False)
        record = self.id_tags.get(id_tag)
        if record is None:
            return IdTagInfo("Invalid", known=False)
        status = record.status
        expiry = parse_timestamp(record.expiry_date) if record.expiry_date else None
        if status == "Accepted" and expiry is not None and expiry <= now:
            status = "Expired"
        return IdTagInfo(
            status=status,
            expiry_date=iso_utc(expiry) if expiry else None,
            parent_id_tag=record.parent_id_tag,
            owner_id=record.owner_id,
        )


def id_tag_info_v16(info: IdTagInfo) -> dict[str, Any]:
    payload: dict[str, Any] = {"status": info.status}
    if info.expiry_date:
        payload["expiryDate"] = info.expiry_date
    if info.parent_id_tag:
        payload["parentIdTag"] = info.parent_id_tag
    return payload


def id_token_info_v201(info: IdTagInfo) -> dict[str, Any]:
    payload: dict[str, Any] = {"status": info.status if info.known else "Unknown"}
    if info.expiry_date:
        payload["cacheExpiryDateTime"] = info.expiry_date
    if info.parent_id_tag:
        payload["groupIdToken"] = {"idToken": info.parent_id_tag, "type": "Central"}
    return payload
