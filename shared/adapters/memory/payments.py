"""An in-memory payment provider that behaves like Stripe where the platform depends on it,
and the in-memory Payments table.

The fake honours idempotency keys as Stripe does (the same key and parameters give the first
result again, declines included; the same key with other parameters is refused), and covers
what localstripe does not (docs/adr/0021-payments.md): decline codes, 3-D Secure required,
capture failures, captures above the hold and refunds above the capture refused. Payment
method ids follow Stripe's test ids (`pm_card_visa`, `pm_card_chargeDeclined`, ...).

`fail_next` makes the next call of an operation fail before it takes effect or after (the
effect happened and is remembered under the key, the caller saw an error: a lost response).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

from shared.models.payment import STATUS_RANK, PaymentRecord, ProviderUpdate, RefundEntry
from shared.ports.payments import (
    AuthenticationRequired,
    CaptureFailed,
    IdempotencyConflict,
    InvalidPaymentRequest,
    PaymentDeclined,
    PaymentError,
    PaymentIntent,
    PaymentMethod,
    PaymentNotFound,
    PaymentProviderUnavailable,
    PaymentRequest,
    Refund,
    SetupIntent,
)

T = TypeVar("T")

# Stripe's test payment methods -> the decline code a payment with them gets.
DECLINES = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_chargeDeclinedLostCard": "lost_card",
    "pm_card_chargeDeclinedStolenCard": "stolen_card",
    "pm_card_chargeDeclinedExpiredCard": "expired_card",
    "pm_card_chargeDeclinedIncorrectCvc": "incorrect_cvc",
    "pm_card_chargeCustomerFail": "generic_decline",
}
AUTHENTICATION_REQUIRED = frozenset(
    {"pm_card_authenticationRequired", "pm_card_threeDSecure2Required"}
)


@dataclass
class _Intent:
    intent: PaymentIntent
    refunded_minor: int = 0


@dataclass
class _Failure:
    error: PaymentError
    after: bool


@dataclass
class FakePaymentProvider:
    customers: dict[str, dict[str, str]] = field(default_factory=dict)
    payment_methods: dict[str, str] = field(default_factory=dict)  # id -> customer
    intents: dict[str, _Intent] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    # Every call: (operation, idempotency key or None), for tests to count.
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    _keys: dict[str, tuple[str, Any, Any]] = field(default_factory=dict)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def fail_next(
        self, operation: str, error: PaymentError | None = None, after: bool = False
    ) -> None:
        """The next call of `operation` (a method name) raises `error` (default: the provider is
        unavailable), before its effect or, with `after`, once the effect happened."""
        failure = _Failure(error or PaymentProviderUnavailable("injected outage"), after)
        self._failures.setdefault(operation, []).append(failure)

    def expire_hold(self, payment_intent_id: str) -> None:
        """The bank dropped the hold (7 days passed): a capture now fails, as on Stripe."""
        self._intent(payment_intent_id).intent = replace(
            self._intent(payment_intent_id).intent, status="canceled"
        )

    def add_payment_method(self, customer_id: str, payment_method_id: str = "pm_card_visa") -> str:
        """A card saved by the driver (what a succeeded SetupIntent leaves behind)."""
        self.payment_methods[payment_method_id] = customer_id
        return payment_method_id

    # -- the port -------------------------------------------------------------------------

    def create_customer(self, driver_id: str, email: str, *, idempotency_key: str) -> str:
        def run() -> str:
            customer_id = self._id("cus")
            self.customers[customer_id] = {"driverId": driver_id, "email": email}
            return customer_id

        return self._once("create_customer", idempotency_key, (driver_id, email), run)

    def create_setup_intent(self, customer_id: str, *, idempotency_key: str) -> SetupIntent:
        def run() -> SetupIntent:
            self._customer(customer_id)
            setup_id = self._id("seti")
            return SetupIntent(setup_id, f"{setup_id}_secret_fake", "requires_payment_method")

        return self._once("create_setup_intent", idempotency_key, (customer_id,), run)

    def list_payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        self._customer(customer_id)
        return [
            PaymentMethod(pm, brand="visa", last4="4242")
            for pm, owner in self.payment_methods.items()
            if owner == customer_id
        ]

    def detach_payment_method(self, payment_method_id: str, *, idempotency_key: str) -> None:
        def run() -> None:
            if self.payment_methods.pop(payment_method_id, None) is None:
                raise InvalidPaymentRequest(f"{payment_method_id} is not attached")

        self._once("detach_payment_method", idempotency_key, (payment_method_id,), run)

    def authorise(self, request: PaymentRequest, *, idempotency_key: str) -> PaymentIntent:
        return self._once(
            "authorise", idempotency_key, request, lambda: self._pay(request, "requires_capture")
        )

    def charge(self, request: PaymentRequest, *, idempotency_key: str) -> PaymentIntent:
        return self._once(
            "charge", idempotency_key, request, lambda: self._pay(request, "succeeded")
        )

    def capture(
        self, payment_intent_id: str, amount_minor: int, *, idempotency_key: str
    ) -> PaymentIntent:
        def run() -> PaymentIntent:
            held = self._intent(payment_intent_id)
            if held.intent.status != "requires_capture":
                raise CaptureFailed(
                    f"{payment_intent_id} is {held.intent.status}: nothing to capture",
                    "payment_intent_unexpected_state",
                )
            if not 0 < amount_minor <= held.intent.amount_minor:
                raise InvalidPaymentRequest(
                    f"cannot capture {amount_minor} of a {held.intent.amount_minor} hold",
                    "amount_too_large",
                )
            held.intent = replace(held.intent, status="succeeded", captured_minor=amount_minor)
            return held.intent

        return self._once("capture", idempotency_key, (payment_intent_id, amount_minor), run)

    def cancel(self, payment_intent_id: str, *, idempotency_key: str) -> PaymentIntent:
        def run() -> PaymentIntent:
            held = self._intent(payment_intent_id)
            if held.intent.status == "succeeded":
                raise InvalidPaymentRequest(
                    f"{payment_intent_id} was captured: refund it instead",
                    "payment_intent_unexpected_state",
                )
            held.intent = replace(held.intent, status="canceled")
            return held.intent

        return self._once("cancel", idempotency_key, (payment_intent_id,), run)

    def refund(
        self, payment_intent_id: str, amount_minor: int | None, *, idempotency_key: str
    ) -> Refund:
        def run() -> Refund:
            paid = self._intent(payment_intent_id)
            left = paid.intent.captured_minor - paid.refunded_minor
            amount = left if amount_minor is None else amount_minor
            if paid.intent.status != "succeeded" or left <= 0:
                raise InvalidPaymentRequest(f"{payment_intent_id} has nothing to refund")
            if not 0 < amount <= left:
                raise InvalidPaymentRequest(
                    f"cannot refund {amount}: {left} is left", "amount_too_large"
                )
            paid.refunded_minor += amount
            refund = Refund(
                self._id("re"), payment_intent_id, amount, paid.intent.currency, "succeeded"
            )
            self.refunds[refund.refund_id] = refund
            return refund

        return self._once("refund", idempotency_key, (payment_intent_id, amount_minor), run)

    def get_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        with self._lock:
            self.calls.append(("get_payment_intent", None))
            return self._intent(payment_intent_id).intent

    # -- Stripe's semantics ---------------------------------------------------------------

    def _once(self, operation: str, key: str, params: object, run: Callable[[], T]) -> T:
        """Run `run` once per idempotency key; replay its result (or its error) after."""
        with self._lock:
            self.calls.append((operation, key))
            failure = self._next_failure(operation)
            if failure is not None and not failure.after:
                raise failure.error
            if key in self._keys:
                seen_operation, seen_params, outcome = self._keys[key]
                if (seen_operation, seen_params) != (operation, params):
                    raise IdempotencyConflict(
                        f"idempotency key {key!r} was used for another request",
                        "idempotency_key_in_use",
                    )
            else:
                try:
                    outcome = run()
                except (PaymentDeclined, AuthenticationRequired, InvalidPaymentRequest) as exc:
                    outcome = exc  # Stripe answers a retry with the same error
                except PaymentError:
                    raise  # not stored: a retry tries again
                self._keys[key] = (operation, params, outcome)
            if failure is not None:
                raise failure.error
            if isinstance(outcome, PaymentError):
                raise outcome
            return cast(T, outcome)

    def _next_failure(self, operation: str) -> _Failure | None:
        pending = self._failures.get(operation)
        return pending.pop(0) if pending else None

    def _pay(self, request: PaymentRequest, status: str) -> PaymentIntent:
        self._customer(request.customer_id)
        if self.payment_methods.get(request.payment_method_id) != request.customer_id:
            raise InvalidPaymentRequest(
                f"{request.payment_method_id} is not attached to {request.customer_id}",
                "resource_missing",
            )
        intent_id = self._id("pi")
        if request.payment_method_id in DECLINES:
            self._store(intent_id, request, "requires_payment_method")
            raise PaymentDeclined("Your card was declined.", DECLINES[request.payment_method_id])
        if request.payment_method_id in AUTHENTICATION_REQUIRED:
            self._store(intent_id, request, "requires_action")
            raise AuthenticationRequired("This payment requires authentication.", intent_id)
        captured = request.amount_minor if status == "succeeded" else 0
        return self._store(intent_id, request, status, captured)

    def _store(
        self, intent_id: str, request: PaymentRequest, status: Any, captured: int = 0
    ) -> PaymentIntent:
        intent = PaymentIntent(
            intent_id,
            status,
            request.amount_minor,
            request.currency,
            captured,
            request.customer_id,
            dict(request.metadata),
        )
        self.intents[intent_id] = _Intent(intent)
        return intent

    def _intent(self, payment_intent_id: str) -> _Intent:
        found = self.intents.get(payment_intent_id)
        if found is None:
            raise PaymentNotFound(
                f"no such payment intent: {payment_intent_id}", "resource_missing"
            )
        return found

    def _customer(self, customer_id: str) -> None:
        if customer_id not in self.customers:
            raise InvalidPaymentRequest(f"no such customer: {customer_id}", "resource_missing")

    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"


class MemoryPaymentRecords:
    """The Payments table in memory, with the DynamoDB adapter's conditions."""

    def __init__(self) -> None:
        self.records: dict[str, PaymentRecord] = {}
        self._lock = threading.Lock()

    def create(self, record: PaymentRecord) -> bool:
        with self._lock:
            if record.payment_id in self.records:
                return False
            self.records[record.payment_id] = record
            return True

    def get(self, payment_id: str) -> PaymentRecord | None:
        return self.records.get(payment_id)

    def apply_update(self, update: ProviderUpdate) -> bool:
        with self._lock:
            current = self.records.get(update.payment_id)
            if current is None:
                current = PaymentRecord(
                    payment_id=update.payment_id,
                    kind=update.kind,
                    status="pending",
                    currency=update.currency or "",
                    amount_minor=update.amount_minor or 0,
                    created_at=update.at,
                )
            if update.event_id in current.seen_events:
                return False
            rank = update.rank
            if rank is not None and STATUS_RANK[current.status] > rank:
                return False
            if (
                update.provider_refunded_minor is not None
                and update.provider_refunded_minor <= current.provider_refunded_minor
            ):
                return False
            changes = {
                name: value
                for name in (
                    "status",
                    "currency",
                    "amount_minor",
                    "captured_minor",
                    "provider_refunded_minor",
                    "customer_id",
                    "driver_id",
                    "session_ref",
                    "payment_method_id",
                    "failure_code",
                )
                if (value := getattr(update, name)) is not None
            }
            self.records[update.payment_id] = replace(
                current,
                **changes,
                updated_at=update.at,
                seen_events=current.seen_events | {update.event_id},
            )
            return True

    def add_refund(self, payment_id: str, entry: RefundEntry, refunds_before: int) -> bool:
        with self._lock:
            current = self.records.get(payment_id)
            if (
                current is None
                or len(current.refunds) != refunds_before
                or current.refund(entry.idempotency_key) is not None
            ):
                return False
            self.records[payment_id] = replace(
                current,
                refunds=(*current.refunds, entry),
                refunded_minor=current.refunded_minor + entry.amount_minor,
                updated_at=entry.at,
            )
            return True
