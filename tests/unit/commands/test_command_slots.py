"""Point 8 of issue 16: a command slot does not outlive the connection its command went out on
(docs/adr/0038-command-slots.md)."""

import time

import pytest

from shared.commands.engine import CommandError
from shared.models.charger import ChargerRecord
from shared.ocpp.framing import CallResult
from tests.fakes import memory_services


@pytest.fixture
def services():
    services = memory_services()
    services.deps.chargers.create(ChargerRecord("CP1"))
    now_ms = int(time.time() * 1000)
    services.connections.open("conn-1=", "CP1", "ocpp2.0.1", "strict", now_ms - 1000)
    return services


def reconnect(services, connection_id="conn-2=", after_ms=0):
    now_ms = int(time.time() * 1000) + after_ms
    return services.connections.open(connection_id, "CP1", "ocpp2.0.1", "strict", now_ms)


def test_reconnect_frees_the_slot_and_settles_the_command_once(services):
    engine, deps = services.engine, services.deps
    first = engine.send("CP1", "Reset", {"type": "Immediate"})
    with pytest.raises(CommandError) as refused:
        engine.send("CP1", "Reset", {"type": "Immediate"})
    assert refused.value.status == 409

    assert reconnect(services)
    lost = engine.get("CP1", first.message_id)
    assert lost.status == "offline"
    assert lost.error["code"] == "ConnectionLost"
    assert "reconnected" in lost.error["description"]
    assert deps.commands.slot_holder("CP1") is None
    events = deps.publisher.of_type("CommandCompleted")
    assert [e.detail["commandId"] for e in events] == [first.message_id]

    second = engine.send("CP1", "Reset", {"type": "Immediate"})  # at once, no 409
    assert deps.sender.sent[-1][0] == "conn-2="
    # A late answer on the old connection changes nothing; a second reconnect settles nothing
    # twice and leaves the new command's slot alone.
    engine.on_reply("CP1", CallResult(first.message_id, {"status": "Accepted"}))
    assert engine.get("CP1", first.message_id).status == "offline"
    assert reconnect(services, "conn-3=", after_ms=10)
    assert engine.get("CP1", second.message_id).error["code"] == "ConnectionLost"
    assert len(deps.publisher.of_type("CommandCompleted")) == 2


def test_reconnect_without_a_command_in_flight_writes_nothing_more(services):
    deps = services.deps
    calls = []
    original = deps.commands.release_slot

    def counted(*args):
        calls.append(args)
        original(*args)

    deps.commands.release_slot = counted
    assert reconnect(services)
    assert calls == []
    assert deps.publisher.of_type("CommandCompleted") == []


def test_answered_command_leaves_no_slot_to_release(services):
    engine, deps = services.engine, services.deps
    sent = engine.send("CP1", "Reset", {"type": "Immediate"})
    engine.on_reply("CP1", CallResult(sent.message_id, {"status": "Accepted"}))
    assert reconnect(services)
    assert engine.get("CP1", sent.message_id).status == "answered"
    assert len(deps.publisher.of_type("CommandCompleted")) == 1


def test_a_lost_reserve_now_fails_its_reservation(services):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    reservation, _ = services.reservations.reserve("CP1", 1, "TAG1", now + timedelta(hours=1), now)
    assert reconnect(services)
    stored = services.deps.reservations.get("CP1", reservation.reservation_id)
    assert stored.status == "failed"
