"""The outbox relay over moto: an event whose live publish failed, and whose message the charger
never sends again (it was answered), is published by the relay's next run, once; a fault at
any call of the relay leaves the marker for the run after."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters.dynamodb.outbox import OUTBOX_INDEX
from shared.ports import relay_outbox
from shared.ports.publishing import OutboxRelayError
from tests.fault_injection import Fault, NthCall, injected, nth_call_fails
from tests.faults.conftest import Platform
from tests.faults.test_session_faults import START_16, clients, sessions, stop_16

OUTBOX_ATTRIBUTES = {"unpublished", "outboxShard", "outboxSince"}


def started_while_the_bus_is_down(platform: Platform) -> int:
    """A start the charger got its transaction id for, whose TransactionStarted did not go
    out (EventBridge failing through every retry)."""
    with injected(platform.client("events"), Fault("PutEvents", "InternalException", times=9)):
        frame = platform.send("StartTransaction", START_16)
    assert frame[0] == 3, frame
    assert not platform.published.ids("TransactionStarted")
    return int(frame[2]["transactionId"])


def outbox_index(platform: Platform, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = platform.client("dynamodb").scan(
        TableName=table, IndexName=OUTBOX_INDEX
    )["Items"]
    return items


def test_an_event_the_live_path_could_not_publish_is_published_by_the_relay(platform: Platform):
    started_while_the_bus_is_down(platform)
    (session,) = sessions(platform)
    assert session["unpublished"] == frozenset({"TransactionStarted"})
    table = platform.services.settings.transactions_table
    assert len(outbox_index(platform, table)) == 1

    # A marker younger than the relay's grace period belongs to a live publish still running.
    young = relay_outbox(platform.services.outbox_sources(), datetime.now(UTC))
    assert young == {"sessions": 0, "commands": 0, "connectors": 0, "chargers": 0}
    assert not platform.published.ids("TransactionStarted")

    assert platform.relay()["sessions"] == 1
    (event,) = platform.published.of_type("TransactionStarted")
    assert event["transactionId"] == session["transactionId"]
    (session,) = sessions(platform)
    assert not OUTBOX_ATTRIBUTES & set(session)
    assert outbox_index(platform, table) == []

    assert platform.relay()["sessions"] == 0  # nothing waits any more
    assert len(platform.published.of_type("TransactionStarted")) == 1


def test_the_relay_publishes_the_same_event_the_live_path_would_have(platform: Platform):
    """Same detail, same id: a consumer that saw the live copy recognises the relay's."""
    tx = started_while_the_bus_is_down(platform)
    platform.relay()
    relayed = platform.published.of_type("TransactionStarted")
    platform.send("StartTransaction", START_16)  # a replay publishes nothing new
    assert platform.published.of_type("TransactionStarted") == relayed
    assert relayed[0]["transactionId"] == str(tx)


def test_a_relay_run_while_the_bus_is_still_down_keeps_the_marker(platform: Platform):
    started_while_the_bus_is_down(platform)
    with injected(platform.client("events"), Fault("PutEvents", "InternalException", times=9)):
        assert platform.relay()["sessions"] == 1
    (session,) = sessions(platform)
    assert session["unpublished"] == frozenset({"TransactionStarted"})
    platform.relay()
    assert len(platform.published.ids("TransactionStarted")) == 1
    assert not OUTBOX_ATTRIBUTES & set(sessions(platform)[0])


def test_several_waiting_events_of_one_session_are_all_published(platform: Platform):
    tx = started_while_the_bus_is_down(platform)
    with injected(platform.client("events"), Fault("PutEvents", "InternalException", times=9)):
        assert platform.send("StopTransaction", stop_16(tx))[0] == 3
    (session,) = sessions(platform)
    assert session["unpublished"] == frozenset({"TransactionStarted", "TransactionStopped"})
    platform.relay()
    assert len(platform.published.ids("TransactionStarted")) == 1
    assert len(platform.published.ids("TransactionStopped")) == 1
    assert not OUTBOX_ATTRIBUTES & set(sessions(platform)[0])


# One index scan per table with an outbox; the session's read, its publish, its clear.
RELAY_CALLS = range(1, 8)  # one Scan per table, the session's read, publish and clear


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", RELAY_CALLS)
def test_a_fault_at_any_call_of_the_relay_is_made_good_by_its_next_run(
    platform: Platform, n: int, after: bool
):
    started_while_the_bus_is_down(platform)
    fault = NthCall(n=n, after=after)
    # A failed publish is counted and left marked; any other failure fails the run.
    with nth_call_fails(clients(platform), fault), contextlib.suppress(OutboxRelayError):
        platform.relay()
    assert fault.failed is not None
    platform.relay()
    assert len(platform.published.ids("TransactionStarted")) == 1
    assert not OUTBOX_ATTRIBUTES & set(sessions(platform)[0])


def test_the_relay_calls_are_the_ones_the_fault_positions_cover(platform: Platform):
    started_while_the_bus_is_down(platform)
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        platform.relay()
    sessions_calls = [c for c in probe.calls if not c.startswith("dynamodb:Scan")]
    assert sessions_calls == ["dynamodb:GetItem", "events:PutEvents", "dynamodb:UpdateItem"]
    # Each table's sparse index is scanned once.
    scans = len(probe.calls) - len(sessions_calls)
    assert scans == len(platform.services.outbox_sources())
    assert len(probe.calls) == max(RELAY_CALLS)


def test_an_index_entry_left_without_events_is_cleaned_up(platform: Platform):
    """Two clears that raced can each see the other's type still there: the last one's
    conditional write fails and leaves the shard attributes behind."""
    started_while_the_bus_is_down(platform)
    (session,) = sessions(platform)
    table = platform.services.settings.transactions_table
    key = {"chargePointId": {"S": "CP1"}, "transactionId": {"S": session["transactionId"]}}
    platform.client("dynamodb").update_item(
        TableName=table, Key=key, UpdateExpression="REMOVE unpublished"
    )
    assert len(outbox_index(platform, table)) == 1
    assert platform.relay()["sessions"] == 0
    assert outbox_index(platform, table) == []


def test_a_marker_keeps_the_time_of_its_oldest_event(platform: Platform):
    tx = started_while_the_bus_is_down(platform)
    since = sessions(platform)[0]["outboxSince"]
    with injected(platform.client("events"), Fault("PutEvents", "InternalException", times=9)):
        platform.send("StopTransaction", stop_16(tx))
    assert sessions(platform)[0]["outboxSince"] == since
    # ... so the relay does not wait for the youngest before publishing the oldest.
    assert since <= (datetime.now(UTC) + timedelta(seconds=1)).timestamp() * 1000
