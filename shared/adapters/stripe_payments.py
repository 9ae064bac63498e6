"""The payment provider over Stripe (the `stripe` package's StripeClient, API v1).

Each call has a connect and read timeout and at most `MAX_NETWORK_RETRIES` network retries
(the client resends the same idempotency key, so a retry never pays twice); what is still
failing becomes a port error: declines, 3-D Secure, capture failures, unavailability. The API
key comes from Secrets Manager on first use; `api_base` points the client at a local server
(localstripe) in local runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

from shared.ports.payments import (
    AuthenticationRequired,
    CaptureFailed,
    IdempotencyConflict,
    InvalidPaymentRequest,
    PaymentConfigurationError,
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

CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 10  # a capture may take seconds at the bank; inside SettleSession's budget
MAX_NETWORK_RETRIES = 2
# The InvalidRequestError codes of a hold that can no longer be captured.
CAPTURE_STATE_CODES = frozenset(
    {"payment_intent_unexpected_state", "charge_expired_for_capture", "charge_already_captured"}
)


def stripe_client(api_key: str, api_base: str | None = None) -> Any:
    """A StripeClient with this module's timeouts and retries."""
    import stripe  # deferred: only functions that pay import it

    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)),
    )


def payment_error(exc: Exception, operation: str) -> PaymentError:
    """The port's error for a stripe error."""
    import stripe

    message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
    code = getattr(exc, "code", None)
    if isinstance(exc, stripe.CardError):
        error = getattr(exc, "error", None)
        if code == "authentication_required":
            intent = getattr(getattr(error, "payment_intent", None), "id", None)
            return AuthenticationRequired(message, intent)
        decline = getattr(error, "decline_code", None) or code or "card_declined"
        return PaymentDeclined(message, decline)
    if isinstance(exc, stripe.IdempotencyError):
        return IdempotencyConflict(message, code or "idempotency_error")
    if isinstance(exc, stripe.RateLimitError | stripe.APIConnectionError):
        return PaymentProviderUnavailable(message, code)
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return PaymentConfigurationError(message, code)
    if isinstance(exc, stripe.InvalidRequestError):
        if getattr(exc, "http_status", None) == 404 or code == "resource_missing":
            return PaymentNotFound(message, code or "resource_missing")
        if operation == "capture" and code in CAPTURE_STATE_CODES:
            return CaptureFailed(message, code)
        return InvalidPaymentRequest(message, code)
    if isinstance(exc, stripe.APIError):
        status = getattr(exc, "http_status", None)
        if status is None or status >= 500:
            return PaymentProviderUnavailable(message, code)
        return InvalidPaymentRequest(message, code)
    if isinstance(exc, stripe.StripeError):
        return PaymentProviderUnavailable(message, code)
    raise exc


def _intent(value: Any) -> PaymentIntent:
    data = value.to_dict() if hasattr(value, "to_dict") else dict(value)
    status = data["status"]
    captured = data.get("amount_received")
    if captured is None:
        # localstripe leaves amount_received out and books a partial capture as a capture of
        # the hold plus a refund of the rest: its charge's amount less refunds is the capture
        # (until the first real refund, which it would count too).
        charge = data.get("latest_charge")
        captured = (
            int(charge.get("amount", 0)) - int(charge.get("amount_refunded", 0))
            if status == "succeeded" and isinstance(charge, dict)
            else 0
        )
    return PaymentIntent(
        payment_intent_id=data["id"],
        status=status,
        amount_minor=int(data["amount"]),
        currency=str(data["currency"]).upper(),
        captured_minor=int(captured),
        customer_id=data.get("customer") if isinstance(data.get("customer"), str) else None,
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )


def _refused_unless_authenticated(intent: PaymentIntent) -> PaymentIntent:
    """Stripe answers an off-session payment that needs 3-D Secure with a CardError;
    localstripe leaves the intent in requires_action instead. Both mean the same here."""
    if intent.status == "requires_action":
        raise AuthenticationRequired(
            "This payment requires authentication.", intent.payment_intent_id
        )
    if intent.status == "requires_payment_method":
        raise PaymentDeclined("Your card was declined.", "card_declined")
    return intent


class ApiKeys(Protocol):
    """Where the API key is (shared.adapters.secrets.CachedSecret): read on first use."""

    def field(self, name: str) -> str: ...

    def forget(self) -> None: ...


class StaticKeys:
    """A key given as is (tests, a local server)."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def field(self, name: str) -> str:
        return self._api_key

    def forget(self) -> None:
        pass


class StripePaymentProvider:
    def __init__(self, keys: ApiKeys, api_base: str | None = None) -> None:
        self._keys = keys
        self._api_base = api_base
        self._client: Any = None

    @property
    def _stripe(self) -> Any:
        if self._client is None:
            self._client = stripe_client(self._keys.field("apiKey"), self._api_base)
        return self._client

    def _call(self, operation: str, call: Callable[[Any], Any]) -> Any:
        import stripe

        try:
            return call(self._stripe.v1)
        except stripe.StripeError as exc:
            if isinstance(exc, stripe.AuthenticationError):
                # The key was rolled: read the secret again on the next call.
                self._keys.forget()
                self._client = None
            raise payment_error(exc, operation) from exc

    def create_customer(self, driver_id: str, email: str, *, idempotency_key: str) -> str:
        customer = self._call(
            "create_customer",
            lambda v1: v1.customers.create(
                params={"metadata": {"driverId": driver_id}, **({"email": email} if email else {})},
                options={"idempotency_key": idempotency_key},
            ),
        )
        return str(customer.id)

    def create_setup_intent(self, customer_id: str, *, idempotency_key: str) -> SetupIntent:
        intent = self._call(
            "create_setup_intent",
            lambda v1: v1.setup_intents.create(
                params={
                    "customer": customer_id,
                    "usage": "off_session",
                    "payment_method_types": ["card"],
                },
                options={"idempotency_key": idempotency_key},
            ),
        )
        return SetupIntent(str(intent.id), str(intent.client_secret), str(intent.status))

    def list_payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        listed = self._call(
            "list_payment_methods",
            lambda v1: v1.payment_methods.list(params={"customer": customer_id, "type": "card"}),
        )
        methods = []
        for method in listed.data:
            card = method.to_dict().get("card") or {}
            methods.append(
                PaymentMethod(
                    str(method.id),
                    card.get("brand"),
                    card.get("last4"),
                    card.get("exp_month"),
                    card.get("exp_year"),
                )
            )
        return methods

    def detach_payment_method(self, payment_method_id: str, *, idempotency_key: str) -> None:
        self._call(
            "detach_payment_method",
            lambda v1: v1.payment_methods.detach(
                payment_method_id, options={"idempotency_key": idempotency_key}
            ),
        )

    def authorise(self, request: PaymentRequest, *, idempotency_key: str) -> PaymentIntent:
        return _refused_unless_authenticated(self._pay(request, "manual", idempotency_key))

    def charge(self, request: PaymentRequest, *, idempotency_key: str) -> PaymentIntent:
        return _refused_unless_authenticated(self._pay(request, "automatic", idempotency_key))

    def _pay(self, request: PaymentRequest, capture: str, key: str) -> PaymentIntent:
        params = {
            "amount": request.amount_minor,
            "currency": request.currency.lower(),
            "customer": request.customer_id,
            "payment_method": request.payment_method_id,
            "capture_method": capture,
            "confirm": True,
            "off_session": True,
            "metadata": dict(request.metadata),
        }
        if request.description:
            params["description"] = request.description
        return _intent(
            self._call(
                "authorise" if capture == "manual" else "charge",
                lambda v1: v1.payment_intents.create(
                    params=cast(Any, params), options={"idempotency_key": key}
                ),
            )
        )

    def capture(
        self, payment_intent_id: str, amount_minor: int, *, idempotency_key: str
    ) -> PaymentIntent:
        return _intent(
            self._call(
                "capture",
                lambda v1: v1.payment_intents.capture(
                    payment_intent_id,
                    params={"amount_to_capture": amount_minor},
                    options={"idempotency_key": idempotency_key},
                ),
            )
        )

    def cancel(self, payment_intent_id: str, *, idempotency_key: str) -> PaymentIntent:
        return _intent(
            self._call(
                "cancel",
                lambda v1: v1.payment_intents.cancel(
                    payment_intent_id, options={"idempotency_key": idempotency_key}
                ),
            )
        )

    def refund(
        self, payment_intent_id: str, amount_minor: int | None, *, idempotency_key: str
    ) -> Refund:
        params: dict[str, Any] = {"payment_intent": payment_intent_id}
        if amount_minor is not None:
            params["amount"] = amount_minor
        refund = self._call(
            "refund",
            lambda v1: v1.refunds.create(
                params=cast(Any, params), options={"idempotency_key": idempotency_key}
            ),
        )
        data = refund.to_dict()
        return Refund(
            refund_id=str(data["id"]),
            payment_intent_id=str(data.get("payment_intent") or payment_intent_id),
            amount_minor=int(data["amount"]),
            currency=str(data["currency"]).upper(),
            status=str(data.get("status") or "succeeded"),
        )

    def get_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        return _intent(
            self._call(
                "get_payment_intent", lambda v1: v1.payment_intents.retrieve(payment_intent_id)
            )
        )
