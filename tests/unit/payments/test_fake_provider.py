"""The in-memory provider keeps Stripe's promises the platform relies on."""

from __future__ import annotations

import pytest

from shared.adapters.memory.payments import FakePaymentProvider
from shared.payments.keys import idempotency_key, refund_key, settle_key, start_key
from shared.ports.payments import (
    AuthenticationRequired,
    CaptureFailed,
    IdempotencyConflict,
    InvalidPaymentRequest,
    PaymentDeclined,
    PaymentProviderUnavailable,
    PaymentRequest,
)


@pytest.fixture
def provider() -> FakePaymentProvider:
    return FakePaymentProvider()


def hold_request(provider: FakePaymentProvider, card: str = "pm_card_visa", amount: int = 5000):
    customer = provider.create_customer("driver-1", "d@example.com", idempotency_key="c1")
    provider.add_payment_method(customer, card)
    return PaymentRequest(amount, "EUR", customer, card, metadata={"driverId": "driver-1"})


def test_the_same_key_and_parameters_give_the_first_hold_again(provider) -> None:
    request = hold_request(provider)
    first = provider.authorise(request, idempotency_key="start:CP-1:1:r1:authorise")
    again = provider.authorise(request, idempotency_key="start:CP-1:1:r1:authorise")
    assert again == first
    assert len(provider.intents) == 1
    assert first.status == "requires_capture" and first.amount_minor == 5000


def test_the_same_key_with_other_parameters_is_refused_and_does_nothing(provider) -> None:
    request = hold_request(provider)
    provider.authorise(request, idempotency_key="k")
    other = PaymentRequest(6000, "EUR", request.customer_id, request.payment_method_id)
    with pytest.raises(IdempotencyConflict):
        provider.authorise(other, idempotency_key="k")
    with pytest.raises(IdempotencyConflict):
        provider.charge(request, idempotency_key="k")  # another operation, same key
    assert len(provider.intents) == 1


def test_a_capture_retried_with_its_key_captures_once(provider) -> None:
    hold = provider.authorise(hold_request(provider), idempotency_key="a")
    key = settle_key("CP-1", 7, "capture")
    captured = provider.capture(hold.payment_intent_id, 3210, idempotency_key=key)
    assert provider.capture(hold.payment_intent_id, 3210, idempotency_key=key) == captured
    assert captured.status == "succeeded" and captured.captured_minor == 3210
    # Another capture of the same hold under a new key: Stripe refuses it too.
    with pytest.raises(CaptureFailed):
        provider.capture(hold.payment_intent_id, 100, idempotency_key="other")


def test_a_capture_above_the_hold_is_refused_and_the_hold_stays(provider) -> None:
    hold = provider.authorise(hold_request(provider), idempotency_key="a")
    with pytest.raises(InvalidPaymentRequest):
        provider.capture(hold.payment_intent_id, 5001, idempotency_key="c")
    assert provider.get_payment_intent(hold.payment_intent_id).status == "requires_capture"


def test_an_expired_hold_cannot_be_captured(provider) -> None:
    hold = provider.authorise(hold_request(provider), idempotency_key="a")
    provider.expire_hold(hold.payment_intent_id)
    with pytest.raises(CaptureFailed) as caught:
        provider.capture(hold.payment_intent_id, 100, idempotency_key="c")
    assert caught.value.code == "payment_intent_unexpected_state"


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card"),
    ],
)
def test_declines_carry_the_decline_code_and_a_retry_gets_the_same_answer(
    provider, card, code
) -> None:
    request = hold_request(provider, card)
    for _ in range(2):
        with pytest.raises(PaymentDeclined) as caught:
            provider.authorise(request, idempotency_key="a")
        assert caught.value.code == code
    assert len(provider.intents) == 1  # one attempt, not two


def test_three_d_secure_required_names_the_waiting_intent(provider) -> None:
    request = hold_request(provider, "pm_card_authenticationRequired")
    with pytest.raises(AuthenticationRequired) as caught:
        provider.charge(request, idempotency_key="a")
    intent = provider.get_payment_intent(str(caught.value.payment_intent_id))
    assert intent.status == "requires_action"


def test_cancel_releases_a_hold_and_a_captured_payment_cannot_be_cancelled(provider) -> None:
    hold = provider.authorise(hold_request(provider), idempotency_key="a")
    assert provider.cancel(hold.payment_intent_id, idempotency_key="x").status == "canceled"
    assert provider.cancel(hold.payment_intent_id, idempotency_key="x").status == "canceled"
    paid = provider.charge(hold_request(provider), idempotency_key="b")
    with pytest.raises(InvalidPaymentRequest):
        provider.cancel(paid.payment_intent_id, idempotency_key="y")


def test_refunds_never_exceed_what_was_captured(provider) -> None:
    hold = provider.authorise(hold_request(provider), idempotency_key="a")
    provider.capture(hold.payment_intent_id, 3000, idempotency_key="c")
    pi = hold.payment_intent_id
    assert provider.refund(pi, 1000, idempotency_key="r1").amount_minor == 1000
    with pytest.raises(InvalidPaymentRequest):
        provider.refund(pi, 2001, idempotency_key="r2")
    assert provider.refund(pi, None, idempotency_key="r3").amount_minor == 2000  # the rest
    with pytest.raises(InvalidPaymentRequest):
        provider.refund(pi, None, idempotency_key="r4")


def test_a_fault_after_the_effect_is_a_lost_answer_that_the_same_key_recovers(provider) -> None:
    hold = provider.authorise(hold_request(provider), idempotency_key="a")
    provider.fail_next("capture", after=True)
    with pytest.raises(PaymentProviderUnavailable):
        provider.capture(hold.payment_intent_id, 4000, idempotency_key="c")
    assert provider.get_payment_intent(hold.payment_intent_id).captured_minor == 4000
    retried = provider.capture(hold.payment_intent_id, 4000, idempotency_key="c")
    assert retried.captured_minor == 4000


def test_a_fault_before_the_effect_changes_nothing(provider) -> None:
    request = hold_request(provider)
    provider.fail_next("authorise")
    with pytest.raises(PaymentProviderUnavailable):
        provider.authorise(request, idempotency_key="a")
    assert provider.intents == {}
    assert provider.authorise(request, idempotency_key="a").status == "requires_capture"


def test_setup_intents_and_payment_methods(provider) -> None:
    customer = provider.create_customer("driver-1", "d@example.com", idempotency_key="c")
    assert provider.create_customer("driver-1", "d@example.com", idempotency_key="c") == customer
    setup = provider.create_setup_intent(customer, idempotency_key="s")
    assert setup.client_secret.startswith(setup.setup_intent_id)
    provider.add_payment_method(customer, "pm_card_visa")
    assert [m.payment_method_id for m in provider.list_payment_methods(customer)] == [
        "pm_card_visa"
    ]
    provider.detach_payment_method("pm_card_visa", idempotency_key="d")
    assert provider.list_payment_methods(customer) == []


def test_keys_name_one_effect_and_never_collide() -> None:
    assert settle_key("CP-1", 42, "capture") == "settle:CP-1:42:capture"
    assert start_key("CP-1", 2, "req-9", "authorise") == "start:CP-1:2:req-9:authorise"
    # A ':' inside a part cannot make two different sessions share a key.
    assert settle_key("A:1", 2, "capture") != settle_key("A", "1:2", "capture")
    assert refund_key("pi_1", "n1") == "refund:pi_1:n1"
    long = idempotency_key("refund", "x" * 400)
    assert len(long) == 255 and long != idempotency_key("refund", "x" * 401)
