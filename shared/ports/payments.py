"""The payment provider's port (docs/adr/0021-payments.md) and the store of payment records.

Money is integer minor units with an ISO 4217 currency, never floats. Every call that changes
something at the provider takes the caller's idempotency key: the same key always means the
same request, so a retried call (an at-least-once Express execution, a lost response) returns
the first call's result instead of doing it again; the same key with other parameters is an
`IdempotencyConflict`, never a second effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from shared.models.payment import PaymentRecord, ProviderUpdate, RefundEntry

IntentStatus = Literal[
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "processing",
    "requires_capture",
    "canceled",
    "succeeded",
]


class PaymentError(Exception):
    """Something the provider refused or could not do; subclasses say what."""

    retryable = False

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class PaymentDeclined(PaymentError):
    """The card was declined. `code` is the provider's decline code (generic_decline,
    insufficient_funds, expired_card, ...): shown to the driver, never retried as is."""


class AuthenticationRequired(PaymentError):
    """The bank wants the cardholder (3-D Secure): an off-session payment cannot go on; the
    driver has to confirm in the app. `payment_intent_id` names the intent waiting for it."""

    def __init__(self, message: str, payment_intent_id: str | None = None) -> None:
        super().__init__(message, "authentication_required")
        self.payment_intent_id = payment_intent_id


class CaptureFailed(PaymentError):
    """The hold could not be captured (expired, already released): the session's price has
    to be charged another way (`charge`) or handed to an operator."""


class InvalidPaymentRequest(PaymentError):
    """A request no retry can make valid: above the hold, above what was captured, a wrong
    state."""


class PaymentNotFound(PaymentError):
    pass


class IdempotencyConflict(PaymentError):
    """The key was used before with other parameters: a caller bug, never a second effect."""


class PaymentProviderUnavailable(PaymentError):
    """Timeouts, 5xx, rate limits, network: the same call with the same key may be retried."""

    retryable = True


class PaymentConfigurationError(PaymentError):
    """A wrong or missing API key or account setting: nothing to retry until someone fixes it."""


@dataclass(frozen=True)
class SetupIntent:
    setup_intent_id: str
    client_secret: str  # handed to the app, which collects the card with it
    status: str


@dataclass(frozen=True)
class PaymentMethod:
    payment_method_id: str
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True)
class PaymentRequest:
    """An off-session payment with a saved card: a hold (manual capture) or a charge."""

    amount_minor: int
    currency: str  # ISO 4217, upper case
    customer_id: str
    payment_method_id: str
    description: str = ""
    # Plain strings the provider keeps with the payment (driver id, session key): the
    # webhooks find the platform's context in them.
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or self.amount_minor < 1:
            raise InvalidPaymentRequest("an amount is a positive number of minor units")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise InvalidPaymentRequest(f"not an ISO 4217 currency: {self.currency!r}")


@dataclass(frozen=True)
class PaymentIntent:
    payment_intent_id: str
    status: IntentStatus
    amount_minor: int  # authorised (held) or charged
    currency: str
    captured_minor: int = 0
    customer_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refund:
    refund_id: str
    payment_intent_id: str
    amount_minor: int
    currency: str
    status: str  # succeeded, pending, failed, canceled


class PaymentProvider(Protocol):
    def create_customer(self, driver_id: str, email: str, *, idempotency_key: str) -> str:
        """The provider's customer id for a driver."""
        ...

    def create_setup_intent(self, customer_id: str, *, idempotency_key: str) -> SetupIntent:
        """A SetupIntent for saving a card for off-session use."""
        ...

    def list_payment_methods(self, customer_id: str) -> list[PaymentMethod]: ...

    def detach_payment_method(self, payment_method_id: str, *, idempotency_key: str) -> None: ...

    def authorise(self, request: PaymentRequest, *, idempotency_key: str) -> PaymentIntent:
        """Hold the amount (manual capture, off session). Raises PaymentDeclined or
        AuthenticationRequired when no hold was placed."""
        ...

    def capture(
        self, payment_intent_id: str, amount_minor: int, *, idempotency_key: str
    ) -> PaymentIntent:
        """Capture `amount_minor` (at most the hold); the rest of the hold is released."""
        ...

    def cancel(self, payment_intent_id: str, *, idempotency_key: str) -> PaymentIntent:
        """Release a hold that will not be captured."""
        ...

    def charge(self, request: PaymentRequest, *, idempotency_key: str) -> PaymentIntent:
        """Charge at once (off session): what a session cost above its hold, card sessions."""
        ...

    def refund(
        self, payment_intent_id: str, amount_minor: int | None, *, idempotency_key: str
    ) -> Refund:
        """Refund `amount_minor` (None: whatever is left) of what was captured."""
        ...

    def get_payment_intent(self, payment_intent_id: str) -> PaymentIntent: ...


class InvalidWebhook(ValueError):
    """A webhook call that is not the provider's: bad or missing signature, stale timestamp,
    unreadable body. Answered 400, never processed."""


@dataclass(frozen=True)
class ProviderEvent:
    """A verified provider event: its id (the dedupe key), type, creation time (epoch
    seconds) and the object it is about, as plain JSON values."""

    event_id: str
    type: str
    created: int
    data: dict[str, Any]


class WebhookVerifier(Protocol):
    def verify(self, payload: bytes, signature_header: str | None) -> ProviderEvent:
        """The event, if the signature is the provider's and recent; InvalidWebhook otherwise."""
        ...


class PaymentRecordRepository(Protocol):
    """The Payments table: one record per PaymentIntent (or SetupIntent), keyed by its id."""

    def create(self, record: PaymentRecord) -> bool:
        """Store a new record; False (nothing written) if it exists."""
        ...

    def get(self, payment_id: str) -> PaymentRecord | None: ...

    def apply_update(self, update: ProviderUpdate) -> bool:
        """Reflect a provider event, in one conditional write that also marks the event seen.
        False (nothing changed) for an event already applied or older than the stored state."""
        ...

    def add_refund(self, payment_id: str, entry: RefundEntry, refunds_before: int) -> bool:
        """Record a refund, only if the record still holds `refunds_before` refunds and none
        with the entry's key; False (nothing written) otherwise."""
        ...
