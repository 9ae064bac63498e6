"""The Payments table over moto: records written once, events applied once and never backwards,
refunds recorded only on the state the caller saw."""

from __future__ import annotations

from dataclasses import replace

from shared.adapters.dynamodb.payments import DynamoPaymentRecords
from shared.models.payment import PaymentRecord, ProviderUpdate, RefundEntry

HELD = PaymentRecord(
    payment_id="pi_1",
    kind="payment",
    status="held",
    currency="EUR",
    amount_minor=5000,
    customer_id="cus_1",
    driver_id="driver-1",
    session_ref="CP-1/7",
    payment_method_id="pm_1",
    created_at="2030-01-01T12:00:00.000Z",
)


def update(event_id: str, **changes) -> ProviderUpdate:
    return ProviderUpdate(
        payment_id="pi_1",
        event_id=event_id,
        kind="payment",
        at="2030-01-01T13:00:00.000Z",
        **changes,
    )


def refund(key: str, amount: int) -> RefundEntry:
    return RefundEntry(key, f"re_{key}", amount, "why", "op-1", "2030-01-02T10:00:00.000Z")


def test_a_record_is_created_once_and_read_back_whole(aws_env, dynamodb):
    records = DynamoPaymentRecords(dynamodb, aws_env.payments_table)
    assert records.create(HELD)
    assert not records.create(replace(HELD, amount_minor=1))
    assert records.get("pi_1") == HELD
    assert records.get("pi_nope") is None


def test_an_event_applies_once_and_a_late_one_changes_nothing(aws_env, dynamodb):
    records = DynamoPaymentRecords(dynamodb, aws_env.payments_table)
    records.create(HELD)
    captured = update("evt_2", status="captured", captured_minor=4200)
    assert records.apply_update(captured)
    assert not records.apply_update(captured)  # replayed
    assert not records.apply_update(update("evt_1", status="held", amount_minor=5000))  # late
    stored = records.get("pi_1")
    assert stored is not None
    assert (stored.status, stored.captured_minor, stored.seen_events) == (
        "captured",
        4200,
        frozenset({"evt_2"}),
    )
    assert (stored.driver_id, stored.created_at) == ("driver-1", HELD.created_at)


def test_events_create_the_record_they_find_missing(aws_env, dynamodb):
    records = DynamoPaymentRecords(dynamodb, aws_env.payments_table)
    assert records.apply_update(update("evt_r", currency="EUR", provider_refunded_minor=700))
    pending = records.get("pi_1")
    assert pending is not None
    assert (pending.status, pending.provider_refunded_minor, pending.refunds) == (
        "pending",
        700,
        (),
    )
    assert not records.apply_update(update("evt_r2", provider_refunded_minor=500))  # lower
    assert records.apply_update(
        update("evt_s", status="captured", amount_minor=5000, captured_minor=5000, currency="EUR")
    )
    paid = records.get("pi_1")
    assert paid is not None and (paid.status, paid.refundable_minor) == ("captured", 4300)
    # The record a webhook created takes refunds like any other.
    assert records.add_refund("pi_1", refund("k1", 300), 0)


def test_refunds_are_recorded_on_the_state_the_caller_saw_and_once_per_key(aws_env, dynamodb):
    records = DynamoPaymentRecords(dynamodb, aws_env.payments_table)
    records.create(replace(HELD, status="captured", captured_minor=5000))
    assert records.add_refund("pi_1", refund("k1", 1000), 0)
    assert not records.add_refund("pi_1", refund("k1", 1000), 1)  # the same key again
    assert not records.add_refund("pi_1", refund("k2", 500), 0)  # someone refunded meanwhile
    assert records.add_refund("pi_1", refund("k2", 500), 1)
    assert not records.add_refund("pi_nope", refund("k3", 1), 0)
    stored = records.get("pi_1")
    assert stored is not None
    assert [r.idempotency_key for r in stored.refunds] == ["k1", "k2"]
    assert (stored.refunded_minor, stored.refundable_minor) == (1500, 3500)
    assert stored.refund("k2") == refund("k2", 500)
