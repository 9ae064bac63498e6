"""Payment bodies: a payment record as operators see it, and a refund request."""

from __future__ import annotations

from pydantic import Field

from shared.api.models.common import ApiModel
from shared.models.payment import PaymentRecord, RefundEntry

PAYMENT_ID_PATTERN = r"^[A-Za-z0-9_]{1,255}$"
IDEMPOTENCY_KEY_MAX = 200


class RefundBody(ApiModel):
    amountMinor: int | None = Field(
        default=None,
        ge=1,
        le=10**12,
        description="Minor units to refund; absent: everything captured and not yet refunded",
    )
    reason: str = Field(min_length=1, max_length=500, description="Why (kept in the audit)")


class RefundView(ApiModel):
    refundId: str
    amountMinor: int
    reason: str
    operator: str
    at: str
    status: str

    @classmethod
    def of(cls, entry: RefundEntry) -> RefundView:
        return cls(
            refundId=entry.refund_id,
            amountMinor=entry.amount_minor,
            reason=entry.reason,
            operator=entry.operator,
            at=entry.at,
            status=entry.status,
        )


class PaymentView(ApiModel):
    paymentId: str
    kind: str
    status: str
    currency: str
    amountMinor: int = Field(description="Held (a pre-authorisation) or charged")
    capturedMinor: int
    refundedMinor: int = Field(description="The larger of the platform's and the provider's")
    refundableMinor: int
    driverId: str | None = None
    sessionRef: str | None = None
    failureCode: str | None = None
    createdAt: str | None = None
    updatedAt: str | None = None
    refunds: list[RefundView]

    @classmethod
    def of(cls, record: PaymentRecord) -> PaymentView:
        return cls(
            paymentId=record.payment_id,
            kind=record.kind,
            status=record.status,
            currency=record.currency,
            amountMinor=record.amount_minor,
            capturedMinor=record.captured_minor,
            refundedMinor=max(record.refunded_minor, record.provider_refunded_minor),
            refundableMinor=record.refundable_minor,
            driverId=record.driver_id,
            sessionRef=record.session_ref,
            failureCode=record.failure_code,
            createdAt=record.created_at,
            updatedAt=record.updated_at,
            refunds=[RefundView.of(r) for r in record.refunds],
        )


class RefundResultView(ApiModel):
    refund: RefundView
    payment: PaymentView
