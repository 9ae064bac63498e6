"""The Stripe adapter's error mapping and retries, against a tiny local HTTP stub of the API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.adapters.stripe_payments import StaticKeys, StripePaymentProvider
from shared.ports.payments import (
    AuthenticationRequired,
    CaptureFailed,
    IdempotencyConflict,
    InvalidPaymentRequest,
    PaymentConfigurationError,
    PaymentDeclined,
    PaymentNotFound,
    PaymentProviderUnavailable,
    PaymentRequest,
)

INTENT = {
    "id": "pi_1",
    "object": "payment_intent",
    "status": "requires_capture",
    "amount": 5000,
    "amount_received": 0,
    "currency": "eur",
    "customer": "cus_1",
    "metadata": {"sessionRef": "CP-1/7"},
}


class Stub:
    """Answers every request with the next (status, body, headers) and records requests."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            state.requests.append((self.path, body, dict(self.headers)))
            status, answer, headers = state.answers.pop(0) if state.answers else (200, INTENT, {})
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def provider(base: str) -> StripePaymentProvider:
    return StripePaymentProvider(StaticKeys("sk_test_stub"), base)


REQUEST = PaymentRequest(5000, "EUR", "cus_1", "pm_1", metadata={"sessionRef": "CP-1/7"})
NO_RETRY = {"Stripe-Should-Retry": "false"}


def error(kind: str, code: str | None = None, **more: Any) -> dict[str, Any]:
    return {"error": {"type": kind, "message": f"{kind} {code}", "code": code, **more}}


def test_a_hold_sends_manual_capture_off_session_with_the_key(stub) -> None:
    state, base = stub
    intent = provider(base).authorise(REQUEST, idempotency_key="start:CP-1:1:r:authorise")
    assert (intent.payment_intent_id, intent.status, intent.currency) == (
        "pi_1",
        "requires_capture",
        "EUR",
    )
    path, body, headers = state.requests[0]
    assert path == "/v1/payment_intents"
    for part in ("capture_method=manual", "off_session=true", "confirm=true", "currency=eur"):
        assert part in body
    assert headers["Idempotency-Key"] == "start:CP-1:1:r:authorise"


@pytest.mark.parametrize(
    ("status", "body", "expected", "code"),
    [
        (
            402,
            error("card_error", "card_declined", decline_code="insufficient_funds"),
            PaymentDeclined,
            "insufficient_funds",
        ),
        (402, error("card_error", "expired_card"), PaymentDeclined, "expired_card"),
        (
            402,
            error("card_error", "authentication_required", payment_intent=INTENT),
            AuthenticationRequired,
            "authentication_required",
        ),
        (400, error("idempotency_error"), IdempotencyConflict, "idempotency_error"),
        (404, error("invalid_request_error", "resource_missing"), PaymentNotFound, None),
        (400, error("invalid_request_error", "amount_too_large"), InvalidPaymentRequest, None),
        (401, error("invalid_request_error"), PaymentConfigurationError, None),
        (429, error("invalid_request_error", "rate_limit"), PaymentProviderUnavailable, None),
        (500, error("api_error"), PaymentProviderUnavailable, None),
    ],
)
def test_stripe_errors_become_the_ports(stub, status, body, expected, code) -> None:
    state, base = stub
    state.answers.append((status, body, NO_RETRY))
    with pytest.raises(expected) as caught:
        provider(base).authorise(REQUEST, idempotency_key="k")
    if code is not None:
        assert caught.value.code == code
    if expected is AuthenticationRequired:
        assert caught.value.payment_intent_id == "pi_1"


def test_a_capture_of_a_hold_no_longer_there_is_a_capture_failure(stub) -> None:
    state, base = stub
    state.answers.append(
        (400, error("invalid_request_error", "payment_intent_unexpected_state"), NO_RETRY)
    )
    with pytest.raises(CaptureFailed):
        provider(base).capture("pi_1", 100, idempotency_key="settle:CP-1:7:capture")
    assert state.requests[0][0] == "/v1/payment_intents/pi_1/capture"
    assert "amount_to_capture=100" in state.requests[0][1]


def test_an_intent_waiting_for_3ds_is_authentication_required(stub) -> None:
    state, base = stub
    state.answers.append((200, {**INTENT, "status": "requires_action"}, {}))
    with pytest.raises(AuthenticationRequired):
        provider(base).charge(REQUEST, idempotency_key="k")


def test_server_errors_are_retried_a_bounded_number_of_times_with_the_same_key(stub) -> None:
    state, base = stub
    retry = {"Stripe-Should-Retry": "true"}
    state.answers += [(503, error("api_error"), retry)] * 5
    with pytest.raises(PaymentProviderUnavailable):
        provider(base).capture("pi_1", 100, idempotency_key="settle:CP-1:7:capture")
    assert len(state.requests) == 3  # the call and two retries
    assert {r[2]["Idempotency-Key"] for r in state.requests} == {"settle:CP-1:7:capture"}


def test_a_retry_that_succeeds_returns_the_result(stub) -> None:
    state, base = stub
    state.answers.append((503, error("api_error"), {"Stripe-Should-Retry": "true"}))
    state.answers.append((200, {**INTENT, "status": "succeeded", "amount_received": 100}, {}))
    captured = provider(base).capture("pi_1", 100, idempotency_key="c")
    assert (captured.status, captured.captured_minor) == ("succeeded", 100)


def test_nothing_listens_is_unavailable() -> None:
    with pytest.raises(PaymentProviderUnavailable):
        provider("http://127.0.0.1:9").get_payment_intent("pi_1")


class CountingKeys:
    def __init__(self) -> None:
        self.reads = 0
        self.forgotten = 0

    def field(self, name: str) -> str:
        self.reads += 1
        return f"sk_test_{self.reads}"

    def forget(self) -> None:
        self.forgotten += 1


def test_a_refused_key_is_read_again_on_the_next_call(stub) -> None:
    state, base = stub
    keys = CountingKeys()
    payments = StripePaymentProvider(keys, base)
    state.answers.append((401, error("invalid_request_error"), NO_RETRY))
    with pytest.raises(PaymentConfigurationError):
        payments.get_payment_intent("pi_1")
    assert payments.get_payment_intent("pi_1").payment_intent_id == "pi_1"
    assert (keys.reads, keys.forgotten) == (2, 1)
    assert state.requests[-1][2]["Authorization"] == "Bearer sk_test_2"
    payments.get_payment_intent("pi_1")
    assert keys.reads == 2  # the client keeps the key between calls
