"""A driver's RFID cards: id tags owned by the driver.

A card is registered only if no tag with its UID exists: claiming a tag someone else holds
(another driver's card, or an operator's) would bill their sessions to the claimant and show
them another person's history, so that is a 409, and an operator assigns such cards instead.
Removing is conditional on ownership; another driver's card is "not found", like a missing
one, so that guessing UIDs tells nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.admin.errors import Conflict, InvalidRequest, NotFound
from shared.drivers.sessions import APP_TOKEN_PREFIX, CENTRAL
from shared.models.transaction import IdTagRecord
from shared.ports import IdTagRepository

# What card readers send: hexadecimal UIDs, or printed card numbers with hyphens; an OCPP 1.6
# idTag holds 20 characters at most.
CARD_UID = re.compile(r"^[A-Za-z0-9-]{4,20}$")
MAX_CARDS = 10
RFID = "ISO14443"  # OCPP 2.0.1 IdTokenEnumType of RFID cards


@dataclass
class DriverCards:
    id_tags: IdTagRepository

    def register(self, driver_id: str, uid: str) -> IdTagRecord:
        if not CARD_UID.match(uid):
            message = "4 to 20 letters, digits or hyphens"
            raise InvalidRequest(
                f"not a card UID: {message}", [{"field": "uid", "message": message}]
            )
        owned = self.cards(driver_id)
        existing = next((card for card in owned if card.id_tag == uid), None)
        if existing is not None:
            return existing  # registering one's own card again changes nothing
        if len(owned) >= MAX_CARDS:
            raise Conflict(f"a driver may register {MAX_CARDS} cards at most")
        record = IdTagRecord(uid, "Accepted", owner_id=driver_id, token_type=RFID)
        if not self.id_tags.create(record):
            raise Conflict(f"card {uid!r} is already registered")
        return record

    def cards(self, driver_id: str) -> list[IdTagRecord]:
        """The driver's cards (their app token is an id tag they own, but no card)."""
        return [r for r in self.id_tags.list_owned(driver_id) if r.token_type != CENTRAL]

    def remove(self, driver_id: str, uid: str) -> None:
        if uid.startswith(APP_TOKEN_PREFIX) or not self.id_tags.delete_owned(uid, driver_id):
            raise NotFound(f"no card {uid!r}")
