"""In-memory stand-ins for e-mailing receipts: the claim log beside the memory receipts, a user
directory and a mail service that keeps what it was given."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from shared.adapters.memory.receipts import MemoryReceiptStore
from shared.ports.receipt_mail import DriverContact, EmailClaim, EmailStatus, OutgoingMail


@dataclass
class EmailState:
    status: EmailStatus
    claim_id: str | None = None
    claimed_at_ms: int = 0
    message_id: str | None = None
    reason: str | None = None


class MemoryReceiptEmailLog:
    def __init__(self, receipts: MemoryReceiptStore) -> None:
        self._receipts = receipts
        self.states: dict[tuple[str, str], EmailState] = {}
        self._lock = threading.Lock()

    def claim(
        self,
        charge_point_id: str,
        transaction_id: str,
        claim_id: str,
        now_ms: int,
        stale_before_ms: int,
    ) -> EmailClaim:
        key = (charge_point_id, transaction_id)
        with self._lock:
            if key not in self._receipts.records:
                return EmailClaim("missing")
            state = self.states.get(key)
            if state is not None and state.status != "sending":
                return EmailClaim(state.status)
            if state is not None and state.claimed_at_ms >= stale_before_ms:
                return EmailClaim("busy")
            self.states[key] = EmailState("sending", claim_id, now_ms)
            return EmailClaim("claimed", claim_id)

    def _held(self, key: tuple[str, str], claim_id: str) -> bool:
        state = self.states.get(key)
        return state is not None and state.claim_id == claim_id

    def mark_sent(
        self, charge_point_id: str, transaction_id: str, claim_id: str, message_id: str, now_ms: int
    ) -> None:
        key = (charge_point_id, transaction_id)
        with self._lock:
            if not self._held(key, claim_id):
                raise RuntimeError(f"{key}: the e-mail claim is no longer this attempt's")
            self.states[key] = EmailState("sent", message_id=message_id)

    def mark_skipped(
        self, charge_point_id: str, transaction_id: str, claim_id: str, reason: str
    ) -> None:
        key = (charge_point_id, transaction_id)
        with self._lock:
            if self._held(key, claim_id):
                self.states[key] = EmailState("skipped", reason=reason)

    def release(self, charge_point_id: str, transaction_id: str, claim_id: str) -> None:
        key = (charge_point_id, transaction_id)
        with self._lock:
            if self._held(key, claim_id):
                del self.states[key]


@dataclass
class MemoryDriverDirectory:
    """Driver id (the user's `sub`) -> contact."""

    contacts: dict[str, DriverContact] = field(default_factory=dict)

    def contact(self, driver_id: str) -> DriverContact | None:
        return self.contacts.get(driver_id)


@dataclass
class MemoryMailSender:
    sent: list[OutgoingMail] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, mail: OutgoingMail) -> str:
        self.sent.append(mail)
        return f"message-{next(self._ids)}"
