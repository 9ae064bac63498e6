"""Operator refunds: full or partial, never above what is left, audited, idempotent."""

from __future__ import annotations

import pytest

from shared.models.payment import PaymentRecord
from shared.ports.payments import PaymentRequest
from tests.unit.api.apiclient import BEARER
from tests.unit.api.test_auth_and_errors import assert_error


def captured_payment(world, captured: int = 3000, hold: int = 5000) -> str:
    provider = world.deps.payments
    customer = provider.create_customer("driver-1", "d@example.com", idempotency_key="c")
    provider.add_payment_method(customer, "pm_card_visa")
    intent = provider.authorise(
        PaymentRequest(hold, "EUR", customer, "pm_card_visa"), idempotency_key="start"
    )
    provider.capture(intent.payment_intent_id, captured, idempotency_key="settle")
    world.deps.payment_records.create(
        PaymentRecord(
            payment_id=intent.payment_intent_id,
            kind="payment",
            status="captured",
            currency="EUR",
            amount_minor=hold,
            captured_minor=captured,
            driver_id="driver-1",
            session_ref="CP-1/7",
        )
    )
    return str(intent.payment_intent_id)


def refund(world, payment_id: str, body, key: str | None = None):
    headers = {**BEARER, **({"idempotency-key": key} if key else {})}
    return world.client.post(f"/api/payments/{payment_id}/refunds", body, headers=headers)


def test_a_payment_is_read_with_its_amounts(world) -> None:
    payment_id = captured_payment(world)
    reply = world.client.get(f"/api/payments/{payment_id}")
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "captured"
    assert (reply.body["capturedMinor"], reply.body["refundableMinor"]) == (3000, 3000)
    assert reply.body["refunds"] == []


def test_a_partial_refund_then_the_rest(world) -> None:
    payment_id = captured_payment(world)
    partial = refund(world, payment_id, {"amountMinor": 1200, "reason": "slow charging"})
    assert partial.status == 201, partial.body
    assert partial.body["refund"]["amountMinor"] == 1200
    assert partial.body["refund"]["operator"] == "local-operator"
    assert partial.body["refund"]["reason"] == "slow charging"
    assert partial.body["payment"]["refundableMinor"] == 1800
    rest = refund(world, payment_id, {"reason": "charger fault"})
    assert rest.status == 201, rest.body
    assert rest.body["refund"]["amountMinor"] == 1800
    read = world.client.get(f"/api/payments/{payment_id}").body
    assert (read["refundedMinor"], read["refundableMinor"]) == (3000, 0)
    assert [r["reason"] for r in read["refunds"]] == ["slow charging", "charger fault"]
    assert sum(r.amount_minor for r in world.deps.payments.refunds.values()) == 3000


def test_a_full_refund_when_no_amount_is_given(world) -> None:
    payment_id = captured_payment(world, captured=2500)
    reply = refund(world, payment_id, {"reason": "goodwill"})
    assert reply.status == 201 and reply.body["refund"]["amountMinor"] == 2500


@pytest.mark.parametrize("amount", [3001, 10_000])
def test_a_refund_above_what_was_captured_is_a_conflict(world, amount) -> None:
    payment_id = captured_payment(world)
    reply = refund(world, payment_id, {"amountMinor": amount, "reason": "too much"})
    assert_error(reply, 409, "Conflict")
    assert world.deps.payments.refunds == {}


def test_a_refund_above_what_is_left_is_a_conflict(world) -> None:
    payment_id = captured_payment(world)
    refund(world, payment_id, {"amountMinor": 2000, "reason": "first"})
    assert_error(refund(world, payment_id, {"amountMinor": 1001, "reason": "x"}), 409, "Conflict")
    assert_error(
        refund(world, payment_id, {"amountMinor": 0, "reason": "x"}), 400, "ValidationError"
    )


def test_a_refund_of_a_hold_not_captured_is_a_conflict(world) -> None:
    world.deps.payment_records.create(PaymentRecord("pi_held", "payment", "held", "EUR", 5000))
    assert_error(refund(world, "pi_held", {"reason": "x"}), 409, "Conflict")


def test_the_same_idempotency_key_gives_the_same_refund(world) -> None:
    payment_id = captured_payment(world)
    body = {"amountMinor": 500, "reason": "retry me"}
    first = refund(world, payment_id, body, key="op-req-1")
    again = refund(world, payment_id, body, key="op-req-1")
    assert (first.status, again.status) == (201, 200)
    assert again.body["refund"] == first.body["refund"]
    assert len(world.deps.payments.refunds) == 1
    other_amount = refund(world, payment_id, {"amountMinor": 600, "reason": "x"}, key="op-req-1")
    assert_error(other_amount, 409, "Conflict")


def test_a_refund_whose_record_write_was_lost_is_recorded_once_on_retry(world) -> None:
    payment_id = captured_payment(world)
    records = world.deps.payment_records
    add_refund = records.add_refund
    records.add_refund = lambda *args: False  # the write is lost, every attempt
    assert_error(refund(world, payment_id, {"amountMinor": 700, "reason": "x"}), 503, "Unavailable")
    records.add_refund = add_refund
    # The same request again (no client key: "the payment's first refund" again).
    reply = refund(world, payment_id, {"amountMinor": 700, "reason": "x"})
    assert reply.status == 201, reply.body
    assert len(world.deps.payments.refunds) == 1  # the provider refunded once
    assert reply.body["payment"]["refundedMinor"] == 700


def test_the_provider_unavailable_is_503_and_nothing_is_recorded(world) -> None:
    payment_id = captured_payment(world)
    world.deps.payments.fail_next("refund")
    assert_error(refund(world, payment_id, {"reason": "x"}), 503, "Unavailable")
    assert world.client.get(f"/api/payments/{payment_id}").body["refunds"] == []


def test_an_unknown_payment_is_404(world) -> None:
    assert_error(world.client.get("/api/payments/pi_nope"), 404, "NotFound")
    assert_error(refund(world, "pi_nope", {"reason": "x"}), 404, "NotFound")


def test_without_an_operator_a_refund_is_401(world) -> None:
    payment_id = captured_payment(world)
    reply = world.client.post(f"/api/payments/{payment_id}/refunds", {"reason": "x"}, headers={})
    assert reply.status == 401
    assert world.deps.payments.refunds == {}


def test_a_refund_needs_a_reason(world) -> None:
    payment_id = captured_payment(world)
    assert_error(refund(world, payment_id, {"amountMinor": 100}), 400, "ValidationError")
