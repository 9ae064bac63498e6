"""Payment records: the platform's view of one provider payment (docs/adr/0021-payments.md).

Amounts are integer minor units of `currency`. `refunded_minor` sums the refunds the platform
made (each an entry with who, when and why); `provider_refunded_minor` is what the provider
reports refunded in total (charge.refunded), which also counts refunds made in its dashboard.
What may still be refunded is the captured amount less the larger of the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PaymentKind = Literal["payment", "setup"]
PaymentStatus = Literal[
    "pending", "requires_action", "failed", "held", "captured", "canceled", "succeeded"
]

# A status never goes back to a lower rank: an event delivered late (the provider does not
# keep order) cannot undo a newer state. A failed attempt may still become a hold (the driver
# fixes the card); a captured or released hold is final.
STATUS_RANK: dict[PaymentStatus, int] = {
    "pending": 0,
    "requires_action": 1,
    "failed": 1,
    "held": 2,
    "captured": 3,
    "canceled": 3,
    "succeeded": 3,  # a SetupIntent that saved a card
}


@dataclass(frozen=True)
class RefundEntry:
    """One refund the platform made: the provider's refund id and the operator's reason."""

    idempotency_key: str
    refund_id: str
    amount_minor: int
    reason: str
    operator: str
    at: str  # ISO 8601 UTC
    status: str = "succeeded"


@dataclass(frozen=True)
class PaymentRecord:
    payment_id: str  # the provider's PaymentIntent (or SetupIntent) id
    kind: PaymentKind
    status: PaymentStatus
    currency: str
    amount_minor: int  # held, or charged
    captured_minor: int = 0
    refunded_minor: int = 0
    provider_refunded_minor: int = 0
    customer_id: str | None = None
    driver_id: str | None = None
    # What the payment belongs to: the session key "chargePointId/transactionId" or the
    # start request's key (from the provider's metadata when a webhook creates the record).
    session_ref: str | None = None
    payment_method_id: str | None = None
    failure_code: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    refunds: tuple[RefundEntry, ...] = ()
    # Provider event ids applied to this record: a replayed event finds its id here.
    seen_events: frozenset[str] = field(default_factory=frozenset)

    @property
    def refundable_minor(self) -> int:
        return max(0, self.captured_minor - max(self.refunded_minor, self.provider_refunded_minor))

    def refund(self, idempotency_key: str) -> RefundEntry | None:
        return next((r for r in self.refunds if r.idempotency_key == idempotency_key), None)


@dataclass(frozen=True)
class ProviderUpdate:
    """What one provider event changes on a record. None fields are left as they are; a new
    record takes what is given."""

    payment_id: str
    event_id: str
    kind: PaymentKind
    at: str  # ISO 8601 UTC
    status: PaymentStatus | None = None
    currency: str | None = None
    amount_minor: int | None = None
    captured_minor: int | None = None
    provider_refunded_minor: int | None = None
    customer_id: str | None = None
    driver_id: str | None = None
    session_ref: str | None = None
    payment_method_id: str | None = None
    failure_code: str | None = None

    @property
    def rank(self) -> int | None:
        return STATUS_RANK[self.status] if self.status is not None else None
