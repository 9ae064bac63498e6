"""Faults at each AWS call of a command's reply: the outcome is stored once and CommandCompleted
published once (by the reply, or by the outbox relay), or, when the reply itself was lost, the
command times out when read and that outcome is published once; the slot is never left held."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.models.command import CommandRecord
from shared.ocpp.router import MessageContext
from shared.ocpp.versions import OcppVersion
from tests.fault_injection import Fault, NthCall, injected, nth_call_fails
from tests.faults.conftest import Platform
from tests.faults.test_session_faults import clients

NOW_MS = int(datetime(2026, 6, 1, 10, 0, tzinfo=UTC).timestamp() * 1000)
DEADLINE_MS = NOW_MS + 30_000


@pytest.fixture(autouse=True)
def engine_clock(platform: Platform) -> None:
    """The engine's clock a second after the commands were sent: their replies are in time."""
    platform.services.engine.clock_ms = lambda: NOW_MS + 1000


def pending_reset(platform: Platform, message_id: str = "cmd-1") -> CommandRecord:
    """A Reset sent to CP1 and waiting for its answer (holding the charger's slot)."""
    store = platform.services.deps.commands
    assert store.acquire_slot("CP1", message_id, DEADLINE_MS, NOW_MS)
    record = CommandRecord(
        charge_point_id="CP1",
        message_id=message_id,
        action="Reset",
        protocol="ocpp1.6",
        status="pending",
        created_at="2026-06-01T10:00:00.000Z",
        deadline_ms=DEADLINE_MS,
        expires_at=NOW_MS // 1000 + 86_400,
        payload={"type": "Soft"},
    )
    store.create(record)
    return record


def reply(platform: Platform, message_id: str, payload: dict[str, Any]) -> None:
    ctx = MessageContext(
        "CP1", "conn-1", OcppVersion.V16, datetime(2026, 6, 1, 10, 0, 1, tzinfo=UTC)
    )
    # A CALLRESULT gets no answer, whatever happens while it is processed.
    assert platform.router.handle(ctx, json.dumps([3, message_id, payload])) is None


def read_after_the_deadline(platform: Platform, message_id: str) -> CommandRecord:
    engine = platform.services.engine
    clock = engine.clock_ms
    engine.clock_ms = lambda: DEADLINE_MS + 1
    try:
        record = engine.get("CP1", message_id)
    finally:
        engine.clock_ms = clock
    assert record is not None
    return record


def bus_down(platform: Platform) -> Any:
    """EventBridge failing through every retry of the publisher."""
    return injected(platform.client("events"), Fault("PutEvents", "InternalException", times=9))


def completed(platform: Platform) -> list[dict[str, Any]]:
    return platform.published.of_type("CommandCompleted")


REPLY_CALLS = range(1, 6)  # the command's read, the slot's release, the outcome, publish, clear


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", REPLY_CALLS)
def test_a_reply_with_a_fault_at_any_call(platform: Platform, n: int, after: bool):
    pending_reset(platform)
    fault = NthCall(n=n, after=after)
    with nth_call_fails(clients(platform), fault):
        reply(platform, "cmd-1", {"status": "Accepted"})
    assert fault.failed is not None
    # Whatever was stored stands; a reply never processed ends as a timeout when read.
    record = read_after_the_deadline(platform, "cmd-1")
    assert record.status in ("answered", "timeout")
    # A reply whose outcome write happened is answered, whatever failed after it.
    outcome_written = fault.failed == "dynamodb:UpdateItem" and n == 3 and after
    if n > 3 or outcome_written:
        assert record.status == "answered"
    platform.relay()
    (event,) = {e["eventId"]: e for e in completed(platform)}.values()
    assert (event["commandId"], event["status"]) == ("cmd-1", record.status)
    stored = platform.services.deps.commands.get("CP1", "cmd-1")
    assert stored is not None and stored.unpublished == frozenset()
    # The slot is free for the next command (released, or past its deadline).
    assert platform.services.deps.commands.acquire_slot(
        "CP1", "cmd-2", DEADLINE_MS + 60_000, DEADLINE_MS + 1
    )


def test_the_reply_calls_are_the_ones_the_fault_positions_cover(platform: Platform):
    pending_reset(platform)
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        reply(platform, "cmd-1", {"status": "Accepted"})
    assert len(probe.calls) == max(REPLY_CALLS), probe.calls


def test_an_outcome_whose_event_could_not_be_published_is_relayed_once(platform: Platform):
    pending_reset(platform)
    with bus_down(platform):
        reply(platform, "cmd-1", {"status": "Accepted"})
    stored = platform.services.deps.commands.get("CP1", "cmd-1")
    assert stored is not None
    assert (stored.status, stored.unpublished) == ("answered", frozenset({"CommandCompleted"}))
    assert completed(platform) == []
    assert platform.relay()["commands"] == 1
    (event,) = completed(platform)
    assert (event["status"], event["result"]) == ("answered", {"status": "Accepted"})
    assert platform.relay()["commands"] == 0
    assert len(completed(platform)) == 1


def test_a_relayed_outcome_has_the_id_the_live_publish_would_have_had(platform: Platform):
    pending_reset(platform, "cmd-live")
    reply(platform, "cmd-live", {"status": "Accepted"})
    pending_reset(platform, "cmd-relayed")
    with bus_down(platform):
        reply(platform, "cmd-relayed", {"status": "Accepted"})
    platform.relay()
    live, relayed = completed(platform)
    # Same content rules: the id is derived from the stored command alone.
    assert live["commandId"] == "cmd-live" and relayed["commandId"] == "cmd-relayed"
    assert set(live) == set(relayed)
    assert datetime.fromisoformat(relayed["completedAt"].replace("Z", "+00:00")) < datetime.now(
        UTC
    ) + timedelta(minutes=1)
