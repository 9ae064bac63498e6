"""A driver's charging sessions: those started with one of their id tags.

A driver's tags are their cards and their app token: the id tag the platform sends in the
remote starts the driver asks for (`app_token`), owned by the driver like a card. A session
is the driver's when its id tag is one of them; any other session, existing or not, is "not
found", so that guessed session ids tell nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shared.admin.errors import NotFound
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.ports import IdTagRepository, InvalidCursor, Page, SessionFilter, TransactionRepository

APP_TOKEN_PREFIX = "APP-"  # noqa: S105 - an id tag prefix, not a secret
# OCPP 2.0.1 IdTokenEnumType of a token the CSMS generated (not a card).
CENTRAL = "Central"
# Extra sessions read per tag beyond a page: sessions of one driver that started in the same
# second on several chargers would otherwise be able to push one out of a page.
_SLACK = 5


def app_token(driver_id: str) -> str:
    """The driver's id tag for app starts: 20 characters (a 1.6 idTag's limit), derived from
    the driver id so that it needs no lookup; 80 bits of a hash, unique in practice and
    checked on creation."""
    digest = base64.b32encode(hashlib.sha256(driver_id.encode()).digest()).decode()
    return APP_TOKEN_PREFIX + digest[:16]


def opaque_id(charge_point_id: str, key: str) -> str:
    """An id the driver API names a charger's record by (a session, a start request)."""
    raw = f"{charge_point_id}/{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def opaque_key(value: str) -> tuple[str, str] | None:
    """(charger, key) of an opaque id, or None for anything that is not one."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    charge_point_id, slash, key = raw.partition("/")  # charger ids hold no "/"
    return (charge_point_id, key) if slash and charge_point_id and key else None


def session_id(record: TransactionRecord) -> str:
    """The opaque id the driver API names a session by (charger and transaction)."""
    return opaque_id(record.charge_point_id, record.transaction_id)


def session_key(session_id_: str) -> tuple[str, str] | None:
    return opaque_key(session_id_)


def _order(record: TransactionRecord) -> tuple[str, str, str]:
    return (record.started_at or "", record.charge_point_id, record.transaction_id)


@dataclass
class DriverSessions:
    id_tags: IdTagRepository
    transactions: TransactionRepository
    now: Callable[[], datetime]

    def ensure_app_token(self, driver_id: str) -> str:
        """The driver's app token, created on first use (owned by the driver)."""
        token = app_token(driver_id)
        existing = self.id_tags.get(token)
        if existing is None:
            created = IdTagRecord(token, "Accepted", owner_id=driver_id, token_type=CENTRAL)
            if self.id_tags.create(created):
                return token
            existing = self.id_tags.get(token)
        if existing is None or existing.owner_id != driver_id:
            # Another owner: a hash collision or an operator's tag. Never share it.
            raise RuntimeError(f"app token {token} belongs to someone else")
        return token

    def tags(self, driver_id: str) -> list[str]:
        """Every id tag of the driver (app token and cards)."""
        return [record.id_tag for record in self.id_tags.list_owned(driver_id)]

    def get(self, driver_id: str, session_id_: str) -> TransactionRecord:
        key = session_key(session_id_)
        record = self.transactions.get(*key) if key else None
        if record is None or record.id_tag is None:
            raise NotFound("no such session")
        owner = self.id_tags.get(record.id_tag)
        if owner is None or owner.owner_id != driver_id:
            raise NotFound("no such session")
        return record

    def history(self, driver_id: str, limit: int, cursor: str | None) -> Page[TransactionRecord]:
        """The driver's sessions, newest first, across all their tags."""
        after = _decode_cursor(cursor)
        where = SessionFilter(started_to=after[0] if after else None)
        found: list[TransactionRecord] = []
        for tag in self.tags(driver_id):
            found.extend(self.transactions.by_id_tag(tag, where, limit + _SLACK, None).items)
        ordered = sorted(
            (r for r in found if after is None or _order(r) < after), key=_order, reverse=True
        )
        page = ordered[:limit]
        more = len(ordered) > limit
        return Page(page, _encode_cursor(_order(page[-1])) if more and page else None)

    def active(self, driver_id: str) -> list[TransactionRecord]:
        where = SessionFilter(status="active")
        return [
            record
            for tag in self.tags(driver_id)
            for record in self.transactions.by_id_tag(tag, where, _SLACK, None).items
        ]


def _encode_cursor(key: tuple[str, str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[str, str, str] | None:
    if cursor is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor("not a cursor of this listing") from exc
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise InvalidCursor("not a cursor of this listing")
    return (value[0], value[1], value[2])
