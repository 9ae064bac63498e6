"""The Stripe adapter against localstripe: the flow it covers, end to end over HTTP.

Skipped only when localstripe cannot start here (it is a development dependency)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from local.stripe_server import API_KEY, LocalStripe, StripeServerError
from shared.adapters.stripe_payments import StaticKeys, StripePaymentProvider, stripe_client
from shared.adapters.stripe_webhooks import StripeWebhookVerifier
from shared.payments.keys import settle_key, start_key
from shared.ports.payments import (
    AuthenticationRequired,
    InvalidPaymentRequest,
    PaymentDeclined,
    PaymentRequest,
)

WEBHOOK_SECRET = "whsec_local"


@pytest.fixture(scope="module")
def server():
    stripe_server = LocalStripe()
    try:
        stripe_server.start()
    except StripeServerError as exc:
        pytest.skip(f"localstripe cannot start here: {exc}")
    yield stripe_server
    stripe_server.stop()


@pytest.fixture(scope="module")
def provider(server):
    return StripePaymentProvider(StaticKeys(API_KEY), server.api_base)


def saved_card(server, provider, number: str = "4242424242424242") -> tuple[str, str]:
    """A customer with a card saved (what the app's SetupIntent leaves behind)."""
    customer = provider.create_customer("driver-1", "d@example.com", idempotency_key="c")
    raw = stripe_client(API_KEY, server.api_base)
    card = {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"}
    method = raw.v1.payment_methods.create(params={"type": "card", "card": card})
    raw.v1.payment_methods.attach(method.id, params={"customer": customer})
    return customer, str(method.id)


def test_hold_then_partial_capture_then_refund(server, provider) -> None:
    customer, card = saved_card(server, provider)
    hold = provider.authorise(
        PaymentRequest(5000, "EUR", customer, card, metadata={"sessionRef": "CP-1/7"}),
        idempotency_key=start_key("CP-1", 1, "r1", "authorise"),
    )
    assert (hold.status, hold.amount_minor, hold.currency) == ("requires_capture", 5000, "EUR")
    captured = provider.capture(
        hold.payment_intent_id, 3210, idempotency_key=settle_key("CP-1", 7, "capture")
    )
    assert (captured.status, captured.captured_minor) == ("succeeded", 3210)
    refund = provider.refund(hold.payment_intent_id, 1000, idempotency_key="refund:1")
    assert (refund.amount_minor, refund.currency, refund.status) == (1000, "EUR", "succeeded")


def test_hold_then_release(server, provider) -> None:
    customer, card = saved_card(server, provider)
    hold = provider.authorise(PaymentRequest(2000, "EUR", customer, card), idempotency_key="h")
    released = provider.cancel(hold.payment_intent_id, idempotency_key="x")
    assert released.status == "canceled"
    assert provider.get_payment_intent(hold.payment_intent_id).status == "canceled"


def test_a_capture_above_the_hold_is_refused(server, provider) -> None:
    customer, card = saved_card(server, provider)
    hold = provider.authorise(PaymentRequest(1000, "EUR", customer, card), idempotency_key="h")
    with pytest.raises(InvalidPaymentRequest):
        provider.capture(hold.payment_intent_id, 1001, idempotency_key="c")


def test_a_declined_card_and_a_3ds_card(server, provider) -> None:
    # 4000000000000341 attaches and is declined when charged (4000000000000002 is declined
    # already when attached, by localstripe as by Stripe).
    customer, declined = saved_card(server, provider, "4000000000000341")
    with pytest.raises(PaymentDeclined):
        provider.authorise(PaymentRequest(1000, "EUR", customer, declined), idempotency_key="d")
    customer, three_ds = saved_card(server, provider, "4000002760003184")
    with pytest.raises(AuthenticationRequired):
        provider.authorise(PaymentRequest(1000, "EUR", customer, three_ds), idempotency_key="t")


def test_setup_intents_and_saved_cards(server, provider) -> None:
    customer, card = saved_card(server, provider)
    setup = provider.create_setup_intent(customer, idempotency_key="s")
    assert setup.client_secret
    assert [m.payment_method_id for m in provider.list_payment_methods(customer)] == [card]
    provider.detach_payment_method(card, idempotency_key="d")
    assert provider.list_payment_methods(customer) == []


def test_its_signed_webhooks_pass_our_verification(server, provider) -> None:
    received: list[tuple[bytes, str | None]] = []
    arrived = threading.Condition()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with arrived:
                received.append((body, self.headers.get("Stripe-Signature")))
                arrived.notify_all()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        server.send_webhooks_to(
            f"http://127.0.0.1:{hook.server_port}/", WEBHOOK_SECRET, ["payment_intent.succeeded"]
        )
        customer, card = saved_card(server, provider)
        paid = provider.charge(PaymentRequest(700, "EUR", customer, card), idempotency_key="p")

        def ours() -> list[tuple[bytes, str | None]]:
            # Events of the other tests' payments may arrive too (localstripe sends after 1 s).
            return [r for r in received if paid.payment_intent_id.encode() in r[0]]

        with arrived:
            assert arrived.wait_for(ours, timeout=10), "localstripe sent no webhook"
    finally:
        hook.shutdown()
    body, header = ours()[0]
    event = StripeWebhookVerifier(lambda: WEBHOOK_SECRET).verify(body, header)
    assert event.type == "payment_intent.succeeded"
    assert event.data["id"] == paid.payment_intent_id
    assert json.loads(body)["id"] == event.event_id
