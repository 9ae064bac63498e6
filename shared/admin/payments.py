"""Payments for operators: read a payment, refund it in full or in part, with an audit trail.

A refund is never above what was captured less what was refunded (the platform's refunds and
the provider's reported total alike). Its provider call carries a key that names this refund:
the client's Idempotency-Key, or else "the payment's n-th refund", so a retry after a lost
answer (the refund happened, the record was not written yet) gets the same refund back from
the provider and records it once. Without a client key, a retry after a complete success is a
new refund: clients that retry blindly send Idempotency-Key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shared.admin.errors import Conflict, NotFound, Unavailable
from shared.models.payment import PaymentRecord, RefundEntry
from shared.payments.keys import refund_key
from shared.ports.payments import (
    IdempotencyConflict,
    InvalidPaymentRequest,
    PaymentError,
    PaymentNotFound,
    PaymentProvider,
    PaymentRecordRepository,
)
from shared.timeutil import iso_utc

# Record writes that lose to concurrent refunds before giving up (the refund itself is done
# and the key kept: a retry of the request records it).
RECORD_ATTEMPTS = 3


@dataclass(frozen=True)
class RefundResult:
    refund: RefundEntry
    payment: PaymentRecord
    created: bool  # False: the request was a replay of one already recorded


@dataclass
class PaymentAdmin:
    provider: PaymentProvider
    records: PaymentRecordRepository
    now: Callable[[], datetime]

    def get(self, payment_id: str) -> PaymentRecord:
        record = self.records.get(payment_id)
        if record is None:
            raise NotFound(f"payment {payment_id!r} not found")
        return record

    def refund(
        self,
        payment_id: str,
        amount_minor: int | None,
        reason: str,
        operator: str,
        request_key: str | None = None,
    ) -> RefundResult:
        """Refund `amount_minor` (None: all that is left) of a captured payment."""
        record = self.get(payment_id)
        key = refund_key(payment_id, request_key or f"n{len(record.refunds) + 1}")
        done = record.refund(key)
        if done is not None:
            if amount_minor is not None and amount_minor != done.amount_minor:
                raise Conflict("this Idempotency-Key was used for another refund amount")
            return RefundResult(done, record, created=False)
        if record.kind != "payment" or record.status != "captured":
            raise Conflict(f"payment {payment_id!r} is {record.status}: nothing was captured")
        left = record.refundable_minor
        amount = left if amount_minor is None else amount_minor
        if left <= 0:
            raise Conflict(f"payment {payment_id!r} is refunded in full")
        if amount > left:
            raise Conflict(f"at most {left} {record.currency} minor units can be refunded")
        try:
            refund = self.provider.refund(payment_id, amount, idempotency_key=key)
        except (InvalidPaymentRequest, IdempotencyConflict, PaymentNotFound) as exc:
            raise Conflict(f"the provider refused the refund: {exc.message}") from None
        except PaymentError as exc:
            raise Unavailable(f"the provider did not refund: {exc.message}; retry") from None
        entry = RefundEntry(
            idempotency_key=key,
            refund_id=refund.refund_id,
            amount_minor=refund.amount_minor,
            reason=reason,
            operator=operator,
            at=iso_utc(self.now()),
            status=refund.status,
        )
        return RefundResult(entry, self._record(payment_id, entry, record), created=True)

    def _record(self, payment_id: str, entry: RefundEntry, seen: PaymentRecord) -> PaymentRecord:
        for _ in range(RECORD_ATTEMPTS):
            if self.records.add_refund(payment_id, entry, len(seen.refunds)):
                break
            seen = self.get(payment_id)
            if seen.refund(entry.idempotency_key) is not None:
                break  # the same request, recorded by its twin
        else:
            raise Unavailable("the refund was made but not yet recorded; retry the request")
        return self.get(payment_id)
