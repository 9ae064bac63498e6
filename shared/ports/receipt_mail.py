"""What e-mailing a receipt talks to: the receipt's e-mail claim (the Receipts table), the
user directory that knows the driver's address (Cognito), and the mail service (SES)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

# The receipt's e-mail state: none yet (absent), claimed by an attempt that is sending it,
# sent (with the mail service's message id), or skipped for good (no verified address).
EmailStatus = Literal["sending", "sent", "skipped"]
ClaimOutcome = Literal["claimed", "sent", "skipped", "busy", "missing"]


@dataclass(frozen=True)
class EmailClaim:
    outcome: ClaimOutcome
    # The claim's own id: only the attempt holding it may mark or release it.
    claim_id: str | None = None


class ReceiptEmailLog(Protocol):
    def claim(
        self,
        charge_point_id: str,
        transaction_id: str,
        claim_id: str,
        now_ms: int,
        stale_before_ms: int,
    ) -> EmailClaim:
        """Claim the receipt's e-mail for one attempt: granted when no attempt has claimed it,
        or when the last claim is older than `stale_before_ms` (its attempt died); otherwise
        the outcome says why not ("sent", "skipped", "busy", or "missing": no receipt)."""
        ...

    def mark_sent(
        self, charge_point_id: str, transaction_id: str, claim_id: str, message_id: str, now_ms: int
    ) -> None:
        """Record the mail service's message id; only under the attempt's own claim."""
        ...

    def mark_skipped(
        self, charge_point_id: str, transaction_id: str, claim_id: str, reason: str
    ) -> None:
        """Record that the receipt is not e-mailed (and why): a replay does nothing."""
        ...

    def release(self, charge_point_id: str, transaction_id: str, claim_id: str) -> None:
        """Give the claim up (the attempt failed before the mail went out): the next attempt
        claims it at once. Nothing happens if another attempt holds the claim by now."""
        ...


@dataclass(frozen=True)
class DriverContact:
    email: str
    email_verified: bool


class DriverDirectory(Protocol):
    def contact(self, driver_id: str) -> DriverContact | None:
        """The driver's e-mail address as the user directory has it now; None when no user
        has this id (deleted since the session). Raises when the directory cannot answer."""
        ...


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str


class MailSender(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Hand the mail to the mail service; its message id. Raises when it refused it."""
        ...
