"""The pending-call store and reservations against DynamoDB (moto)."""

from __future__ import annotations

import time

import pytest

from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.adapters.dynamodb.commands import DynamoCommandStore
from shared.adapters.dynamodb.reservations import DynamoReservationStore
from shared.models.charger import ChargerRecord
from shared.models.command import CommandRecord
from shared.models.reservation import ReservationRecord


@pytest.fixture
def store(aws_env, dynamodb):
    DynamoChargerRepository(dynamodb, aws_env.chargers_table).create(ChargerRecord("CP1"))
    return DynamoCommandStore(dynamodb, aws_env.commands_table, aws_env.chargers_table)


def pending(message_id="m1"):
    return CommandRecord(
        charge_point_id="CP1",
        message_id=message_id,
        action="ChangeConfiguration",
        protocol="ocpp1.6",
        status="pending",
        created_at="2026-07-01T00:00:00.000Z",
        deadline_ms=2_000,
        expires_at=int(time.time()) + 3600,
        payload={"key": "HeartbeatInterval", "value": "300", "nested": [1, 2.5, None]},
        task_token="tok",
        requested_by="ops",
    )


def test_round_trip_keeps_json_payloads(store):
    record = pending()  # once: its expiry is read off the clock
    store.create(record)
    assert store.get("CP1", "m1") == record
    assert store.get("CP1", "other") is None


def test_complete_is_conditional_on_pending(store):
    store.create(pending())
    done = store.complete(
        "CP1",
        "m1",
        "answered",
        "2026-07-01T00:00:01.000Z",
        result={"status": "Accepted", "list": [1.5]},
    )
    assert (done.status, done.result, done.completed_at) == (
        "answered",
        {"status": "Accepted", "list": [1.5]},
        "2026-07-01T00:00:01.000Z",
    )
    assert store.complete("CP1", "m1", "timeout", "later", error={"code": "Timeout"}) is None
    assert store.get("CP1", "m1").status == "answered"


def test_single_slot_per_charger_with_deadline(store):
    assert store.acquire_slot("CP1", "m1", deadline_ms=1_000, now_ms=500)
    assert not store.acquire_slot("CP1", "m2", deadline_ms=2_000, now_ms=900)
    assert store.slot_holder("CP1") == ("m1", 1_000)
    assert store.acquire_slot("CP1", "m3", deadline_ms=3_000, now_ms=1_001)  # m1 expired
    store.release_slot("CP1", "m1")  # not the holder any more: no effect
    assert store.slot_holder("CP1") == ("m3", 3_000)
    store.release_slot("CP1", "m3")
    assert store.slot_holder("CP1") is None
    assert not store.acquire_slot("NOBODY", "m", 1, 0)


def test_reservations(aws_env, dynamodb):
    reservations = DynamoReservationStore(dynamodb, aws_env.reservations_table)
    record = ReservationRecord(
        "CP1", 77, 1, "TAG", "2026-07-01T01:00:00.000Z", "requested", "2026-07-01T00:00:00.000Z"
    )
    assert reservations.create(record)
    assert not reservations.create(record)
    assert reservations.update("CP1", 77, "accepted", ("requested",), charger_status="Accepted")
    assert not reservations.update("CP1", 77, "rejected", ("requested",))
    assert reservations.update("CP1", 77, "used", ("accepted",), transaction_id="123")
    stored = reservations.get("CP1", 77)
    assert (stored.status, stored.charger_status, stored.transaction_id) == (
        "used",
        "Accepted",
        "123",
    )
    assert [r.reservation_id for r in reservations.list_for("CP1")] == [77]


def test_attaching_a_connection_sees_the_held_slot_in_the_same_write(store, aws_env, dynamodb):
    chargers = DynamoChargerRepository(dynamodb, aws_env.chargers_table)
    assert chargers.attach_connection("CP1", "a=", "ocpp2.0.1", 1_000).held_command is None
    assert store.acquire_slot("CP1", "m1", deadline_ms=60_000, now_ms=1_500)
    assert chargers.attach_connection("CP1", "b=", "ocpp2.0.1", 2_000).held_command == "m1"
    store.release_slot("CP1", "m1")
    assert chargers.attach_connection("CP1", "c=", "ocpp2.0.1", 3_000).held_command is None
