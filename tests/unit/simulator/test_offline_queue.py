"""Transaction messages while offline: queued in order, replayed on reconnect, duplicated."""

import asyncio
import contextlib
from typing import Any

import pytest

from simulator import Backoff, SimulatedCharger
from tests.unit.simulator.schemas import assert_valid_request
from tests.unit.simulator.scripted_csms import (
    NO_REPLY,
    Received,
    Reply,
    ScriptedCsms,
    TransactionResponder,
    async_test,
)

TRANSACTION_ACTIONS = ("StartTransaction", "MeterValues", "StopTransaction", "TransactionEvent")
LIFECYCLE: dict[str, Any] = {
    "heartbeat_interval_s": 5,
    "backoff": Backoff(initial_s=0.01, max_s=0.02),
    "time_scale": 3600,
}


@contextlib.asynccontextmanager
async def running(charger: SimulatedCharger):
    stop = asyncio.Event()
    task = asyncio.create_task(charger.run(stop))
    try:
        await asyncio.wait_for(charger.ever_online.wait(), 5)
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


def transaction_calls(csms: ScriptedCsms) -> list[Received]:
    return [c for c in csms.calls() if c.action in TRANSACTION_ACTIONS]


def without_repeats(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A message lost in flight by the drop is sent again: count it once."""
    kept: list[dict[str, Any]] = []
    for payload in payloads:
        if not kept or kept[-1] != payload:
            kept.append(payload)
    return kept


def assert_all_valid(protocol: str, calls: list[Received]) -> None:
    for call in calls:
        assert call.action is not None
        assert_valid_request(protocol, call.action, call.payload)


@async_test
async def test_a_session_run_offline_is_queued_and_replayed_with_the_assigned_id():
    async with ScriptedCsms(responder=TransactionResponder(next_id=77)) as csms:
        cp = SimulatedCharger(csms.url, "CP-1", time_scale=3600)
        await cp.connect()
        await cp.boot()
        await cp.drop_connection()
        assert not cp.is_online

        result = await cp.run_session(1, "TAG-1", duration_s=0.2, meter_interval_s=0.05)

        queued = list(cp.offline_queue)
        assert [m.action for m in queued] == ["StartTransaction"] + ["MeterValues"] * (
            len(queued) - 2
        ) + ["StopTransaction"]
        assert len(queued) >= 4
        assert all(m.offline for m in queued)
        placeholder = result.transaction_id
        assert isinstance(placeholder, int)
        assert placeholder < 0
        assert {m.payload["transactionId"] for m in queued[1:]} == {placeholder}
        assert result.authorized_offline
        assert transaction_calls(csms) == []

        await cp.connect()
        await cp.boot()
        await cp.flush_offline_queue()
        await cp.close()

    delivered = transaction_calls(csms)
    assert_all_valid("ocpp1.6", delivered)
    # Same messages, same order, as created offline (timestamps included), real id swapped in.
    assert [c.action for c in delivered] == [m.action for m in queued]
    assert delivered[0].payload == queued[0].payload
    assert [c.payload for c in delivered[1:]] == [
        {**m.payload, "transactionId": 77} for m in queued[1:]
    ]
    assert [c.payload for c in delivered] == [m.sent_payload for m in queued]
    assert cp.resolve_transaction_id(placeholder) == 77
    assert len(cp.offline_queue) == 0
    totals = cp.stats.session_totals()
    assert totals.queued_offline == totals.replayed == len(queued)
    assert (totals.transactions_started, totals.transactions_stopped) == (1, 1)
    assert totals.drops == 1
    assert cp.stats.errors == {}


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
@async_test
async def test_a_drop_mid_session_loses_nothing_and_keeps_the_order(protocol):
    async with ScriptedCsms(responder=TransactionResponder(next_id=500)) as csms:
        cp = SimulatedCharger(csms.url, "CP-1", protocol=protocol, **LIFECYCLE)
        async with running(cp):
            session = asyncio.create_task(cp.run_session(1, "TAG-1", 0.8, 0.04))
            transaction_actions = ("MeterValues", "TransactionEvent")
            await csms.wait_until(
                lambda: sum(c.action in transaction_actions for c in csms.calls()) >= 3
            )
            await cp.drop_connection(offline_s=0.25)
            await asyncio.sleep(0.15)
            waiting = list(cp.offline_queue)
            result = await asyncio.wait_for(session, 3)
            await asyncio.wait_for(cp.offline_queue.wait_empty(), 3)

    assert waiting
    # What was created offline says so; only the message in flight at the drop (its answer
    # lost with the connection) may wait ahead of them, to be sent again.
    assert any(m.offline for m in waiting)
    assert all(m.offline for m in waiting[1:])
    assert result.completed
    assert_all_valid(protocol, csms.calls())
    created = [m.payload for m in result.messages if m.action in TRANSACTION_ACTIONS]
    received = [c.payload for c in transaction_calls(csms)]
    boots = [i for i, c in enumerate(csms.calls()) if c.action == "BootNotification"]
    assert len(boots) == 2
    # After the reconnect the connector reports what it is doing, not Available.
    reported = next(
        c.payload
        for c in csms.calls()[boots[1] :]
        if c.action == "StatusNotification"
        and c.payload.get("evseId", c.payload["connectorId"]) == 1
    )
    assert reported.get("status", reported.get("connectorStatus")) == (
        "Charging" if protocol == "ocpp1.6" else "Occupied"
    )
    # Everything the session created arrived once, in the order it was created.
    assert without_repeats(received) == created
    if protocol == "ocpp1.6":
        assert {p["transactionId"] for p in received[1:]} == {500}
    else:
        assert [p["seqNo"] for p in created] == list(range(len(created)))
        assert {p["transactionInfo"]["transactionId"] for p in received} == {result.transaction_id}
        offline_flags = [p.get("offline", False) for p in created]
        assert offline_flags == [m.offline for m in result.messages if m.queued is not None]
        assert any(offline_flags)
        assert not offline_flags[0]
    totals = cp.stats.session_totals()
    assert totals.queued_offline >= 1
    assert totals.replayed == totals.queued_offline
    assert cp.stats.reconnects == 1
    assert cp.stats.errors == {}


@async_test
async def test_201_events_created_offline_carry_the_offline_flag():
    async with ScriptedCsms(responder=TransactionResponder()) as csms:
        cp = SimulatedCharger(csms.url, "CP-1", protocol="ocpp2.0.1")
        await cp.connect()
        await cp.boot()
        started = await cp.transaction_event("Started", evse_id=1, id_token="TAG-1")
        assert started.response == {"idTokenInfo": {"status": "Accepted"}}
        assert not started.offline
        await cp.drop_connection()
        updated = await cp.transaction_event("Updated", transaction_id=started.transaction_id)
        ended = await cp.transaction_event(
            "Ended", transaction_id=started.transaction_id, stopped_reason="EVDisconnected"
        )
        assert (updated.response, updated.offline, updated.seq_no) == (None, True, 1)
        assert (ended.response, ended.offline, ended.seq_no) == (None, True, 2)
        await cp.connect()
        await cp.boot()
        await cp.flush_offline_queue()
        await cp.close()

    events = [c.payload for c in csms.calls("TransactionEvent")]
    assert_all_valid("ocpp2.0.1", csms.calls())
    assert [(e["eventType"], e["seqNo"], e.get("offline")) for e in events] == [
        ("Started", 0, None),
        ("Updated", 1, True),
        ("Ended", 2, True),
    ]
    assert events[2]["triggerReason"] == "EVCommunicationLost"
    assert events[2]["transactionInfo"]["chargingState"] == "Idle"
    assert len({e["transactionInfo"]["transactionId"] for e in events}) == 1


@async_test
async def test_replayed_duplicates_repeat_acknowledged_messages_word_for_word():
    async with ScriptedCsms(responder=TransactionResponder(next_id=31)) as csms:
        cp = SimulatedCharger(csms.url, "CP-1")
        await cp.connect()
        await cp.boot()
        transaction_id = await cp.start_transaction(1, "TAG-1")
        await cp.stop_transaction(transaction_id)
        await cp.drop_connection()
        await cp.connect()
        await cp.boot()
        answered = await cp.replay_acknowledged(2)
        await cp.close()

    assert answered == 2
    starts = csms.calls("StartTransaction")
    stops = csms.calls("StopTransaction")
    assert len(starts) == len(stops) == 2
    assert starts[0].payload == starts[1].payload
    assert stops[0].payload == stops[1].payload
    assert starts[0].frame[1] != starts[1].frame[1]  # new message ids
    actions = [c.action for c in csms.calls()]
    assert actions.index("StartTransaction", actions.index("BootNotification", 1)) > 0
    totals = cp.stats.session_totals()
    assert totals.duplicates_sent == 2
    # Duplicates are not new transactions.
    assert (totals.transactions_started, totals.transactions_stopped) == (1, 1)
    assert cp.stats.errors == {}


@async_test
async def test_a_csms_that_gives_a_replayed_start_a_new_id_is_reported():
    responder = TransactionResponder(idempotent=False)
    async with ScriptedCsms(responder=responder) as csms, SimulatedCharger(csms.url, "CP-1") as cp:
        await cp.boot()
        await cp.start_transaction(1, "TAG-1")
        await cp.replay_acknowledged(1)
    assert cp.stats.errors == {"duplicate_start_changed_transaction_id": 1}


@async_test
async def test_replay_duplicates_resends_the_last_acknowledged_message_after_reconnect():
    async with ScriptedCsms(responder=TransactionResponder()) as csms:
        cp = SimulatedCharger(csms.url, "CP-1", replay_duplicates=1, **LIFECYCLE)
        async with running(cp):
            await cp.run_session(1, "TAG-1", 0.05, 0.05)
            await cp.drop_connection()
            await csms.wait_until(lambda: len(csms.calls("StopTransaction")) == 2)
    actions = [c.action for c in csms.calls()]
    second_boot = actions.index("BootNotification", 1)
    assert actions[second_boot:].count("StopTransaction") == 1
    first, again = [c.payload for c in csms.calls("StopTransaction")]
    assert first == again
    assert cp.stats.session_totals().duplicates_sent == 1
    assert cp.stats.errors == {}


@async_test
async def test_a_timed_out_transaction_message_stays_queued_and_is_retried():
    responder = TransactionResponder(script={"StopTransaction": [NO_REPLY]})
    async with (
        ScriptedCsms(responder=responder) as csms,
        SimulatedCharger(csms.url, "CP-1", response_timeout_s=0.1) as cp,
    ):
        await cp.boot()
        transaction_id = await cp.start_transaction(1, "TAG-1")
        assert await cp.stop_transaction(transaction_id) is None
        assert [m.action for m in cp.offline_queue] == ["StopTransaction"]
        await cp.flush_offline_queue()
        assert len(cp.offline_queue) == 0
    first, retry = csms.calls("StopTransaction")
    assert first.payload == retry.payload
    assert cp.stats.errors == {"timeout": 1}
    assert cp.stats.session_totals().transactions_stopped == 1


@async_test
async def test_a_message_that_keeps_timing_out_is_given_up_after_its_attempts():
    responder = TransactionResponder(script={"MeterValues": [NO_REPLY]})
    async with (
        ScriptedCsms(responder=responder) as csms,
        SimulatedCharger(
            csms.url, "CP-1", response_timeout_s=0.1, transaction_message_attempts=1
        ) as cp,
    ):
        await cp.boot()
        transaction_id = await cp.start_transaction(1, "TAG-1")
        assert await cp.meter_values(1, transaction_id) is None
        assert len(cp.offline_queue) == 0
        assert await cp.stop_transaction(transaction_id) == {"idTagInfo": {"status": "Accepted"}}
    assert len(csms.calls("MeterValues")) == 1
    assert cp.stats.errors == {"timeout": 1, "transaction_message_dropped": 1}


@async_test
async def test_messages_of_a_queued_start_the_csms_refuses_are_dropped_as_orphans():
    responder = TransactionResponder(script={"StartTransaction": [Reply("InternalError")]})
    async with ScriptedCsms(responder=responder) as csms:
        cp = SimulatedCharger(csms.url, "CP-1")
        await cp.connect()
        await cp.drop_connection()
        placeholder = await cp.start_transaction(1, "TAG-1")
        await cp.meter_values(1, placeholder)
        await cp.stop_transaction(placeholder)
        await cp.connect()
        await cp.flush_offline_queue()
        await cp.close()
    assert [c.action for c in csms.calls()] == ["StartTransaction"]
    assert cp.start_authorization(placeholder) == "Failed"
    assert len(cp.offline_queue) == 0
    assert cp.stats.errors == {"CallError.InternalError": 1, "orphaned_transaction_message": 2}


@async_test
async def test_a_queued_start_the_csms_later_blocks_ends_the_session_as_deauthorized():
    async with ScriptedCsms(responder=TransactionResponder(blocked_tags={"BLK"})) as csms:
        cp = SimulatedCharger(csms.url, "CP-1", **LIFECYCLE)
        async with running(cp):
            await cp.drop_connection(offline_s=0.2)
            result = await asyncio.wait_for(cp.run_session(1, "BLK", 5, 0.05), 3)
            await asyncio.wait_for(cp.offline_queue.wait_empty(), 2)
    assert result.authorized_offline
    assert result.outcome == "DeAuthorized"
    stop = csms.calls("StopTransaction")[0].payload
    assert stop["reason"] == "DeAuthorized"
    assert stop["transactionId"] == 1000
    assert cp.stats.session_totals().deauthorized_stops == 1


@async_test
async def test_the_queue_is_delivered_on_reconnect_without_anything_new_to_send():
    async with ScriptedCsms(responder=TransactionResponder(next_id=8)) as csms:
        cp = SimulatedCharger(csms.url, "CP-1", **LIFECYCLE)
        async with running(cp):
            await cp.drop_connection(offline_s=0.3)
            result = await cp.run_session(1, "TAG-1", 0.1, 0.05)
            assert cp.is_connected is False
            assert len(cp.offline_queue) >= 3
            await asyncio.wait_for(cp.offline_queue.wait_empty(), 2)
    assert result.completed
    assert [c.action for c in transaction_calls(csms)][:2] == ["StartTransaction", "MeterValues"]
    assert csms.calls("StopTransaction")[0].payload["transactionId"] == 8
    assert result.transaction_id is not None
    assert cp.resolve_transaction_id(result.transaction_id) == 8
