import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.bootstrap import build_router
from shared.commands.engine import CommandEngine, CommandError
from shared.models.charger import ChargerRecord
from shared.ocpp.framing import CallError, CallResult
from shared.ocpp.router import MessageContext
from shared.ocpp.versions import OcppVersion
from shared.ports.chargers import ChargerChanges
from tests.fakes import memory_deps, memory_services

NOW = datetime(2026, 7, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.ms = int(NOW.timestamp() * 1000)

    def __call__(self) -> int:
        return self.ms

    def sleep(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@pytest.fixture
def setup():
    deps = memory_deps()
    deps.chargers.create(ChargerRecord("CP1"))
    deps.chargers.attach_connection("CP1", "conn-1=", "ocpp1.6", 1)
    deps.chargers.create(ChargerRecord("CP2"))
    deps.chargers.attach_connection("CP2", "conn-2=", "ocpp2.0.1", 1)
    deps.chargers.create(ChargerRecord("OFF"))
    clock = Clock()
    engine = CommandEngine(
        deps.chargers,
        deps.commands,
        deps.sender,
        deps.publisher,
        deps.tasks,
        clock_ms=clock,
        sleep=clock.sleep,
    )
    return deps, engine, clock


def reply(engine, cp, message_id, payload=None, error=None, lenient=False):
    frame = CallError(message_id, *error) if error else CallResult(message_id, payload or {})
    engine.on_reply(cp, frame, lenient=lenient)


def test_send_posts_the_call_and_records_it_pending(setup):
    deps, engine, _ = setup
    record = engine.send("CP1", "Reset", {"type": "Hard"}, requested_by="op@x")
    assert record.status == "pending"
    connection, text = deps.sender.sent[0]
    assert connection == "conn-1="
    assert json.loads(text) == [2, record.message_id, "Reset", {"type": "Hard"}]
    assert deps.commands.get("CP1", record.message_id).requested_by == "op@x"


def test_answer_is_matched_validated_stored_and_published(setup):
    deps, engine, _ = setup
    record = engine.send("CP1", "Reset", {"type": "Soft"})
    reply(engine, "CP1", record.message_id, {"status": "Accepted"})
    done = engine.get("CP1", record.message_id)
    assert (done.status, done.result) == ("answered", {"status": "Accepted"})
    event = deps.publisher.of_type("CommandCompleted")[0]
    assert (event.detail["commandId"], event.detail["status"]) == (record.message_id, "answered")
    assert deps.commands.slot_holder("CP1") is None


def test_call_error_and_invalid_response(setup):
    _, engine, _ = setup
    first = engine.send("CP1", "Reset", {"type": "Soft"})
    reply(engine, "CP1", first.message_id, error=("NotSupported", "no", {}))
    assert engine.get("CP1", first.message_id).error["code"] == "NotSupported"
    second = engine.send("CP1", "Reset", {"type": "Soft"})
    reply(engine, "CP1", second.message_id, {"status": "Perhaps"})
    invalid = engine.get("CP1", second.message_id)
    assert invalid.status == "invalid_response"
    assert invalid.error["code"] == "PropertyConstraintViolation"


def test_one_command_in_flight_per_charger(setup):
    _, engine, clock = setup
    first = engine.send("CP1", "Reset", {"type": "Soft"}, timeout_s=10)
    with pytest.raises(CommandError) as busy:
        engine.send("CP1", "ClearCache", {})
    assert busy.value.status == 409
    assert busy.value.details["commandId"] == first.message_id
    engine.send("CP2", "ClearCache", {})  # other chargers are independent
    clock.ms += 11_000  # the first one's deadline passed: the slot is free again
    engine.send("CP1", "ClearCache", {})


def test_timeout_is_explicit_and_a_late_reply_is_dropped(setup):
    deps, engine, clock = setup
    record = engine.send("CP1", "Reset", {"type": "Soft"}, timeout_s=5)
    clock.ms += 6_000
    assert engine.get("CP1", record.message_id).status == "timeout"
    reply(engine, "CP1", record.message_id, {"status": "Accepted"})
    assert engine.get("CP1", record.message_id).status == "timeout"
    assert [e.detail["status"] for e in deps.publisher.of_type("CommandCompleted")] == ["timeout"]


def test_reply_arriving_after_the_deadline_before_anyone_looked(setup):
    _, engine, clock = setup
    record = engine.send("CP1", "Reset", {"type": "Soft"}, timeout_s=5)
    clock.ms += 6_000
    reply(engine, "CP1", record.message_id, {"status": "Accepted"})
    assert engine.get("CP1", record.message_id).status == "timeout"


def test_wait_returns_when_answered_or_gives_up(setup):
    _, engine, clock = setup
    record = engine.send("CP1", "Reset", {"type": "Soft"}, timeout_s=30)
    start = clock.ms
    assert engine.wait("CP1", record.message_id, 2).status == "pending"
    assert 2000 <= clock.ms - start < 3000
    reply(engine, "CP1", record.message_id, {"status": "Rejected"})
    assert engine.wait("CP1", record.message_id, 2).result == {"status": "Rejected"}


def test_unknown_or_unexpected_replies_are_dropped(setup, caplog):
    deps, engine, _ = setup
    reply(engine, "CP1", "never-sent", {"status": "Accepted"})
    assert "unknown message id" in caplog.text
    assert deps.publisher.events == []


@pytest.mark.parametrize(
    ("cp", "action", "payload", "status", "code"),
    [
        ("NOBODY", "Reset", {"type": "Soft"}, 404, "NotFound"),
        ("OFF", "Reset", {"type": "Soft"}, 503, "ChargerOffline"),
        ("CP1", "Heartbeat", {}, 400, "UnsupportedCommand"),
        ("CP1", "RequestStartTransaction", {}, 400, "UnsupportedCommand"),  # a 2.0.1 action
        ("CP1", "Reset", {"type": "Gentle"}, 400, "InvalidCommand"),
        ("CP2", "Reset", {"type": "Soft"}, 400, "InvalidCommand"),  # 2.0.1 says Immediate/OnIdle
    ],
)
def test_refusals(setup, cp, action, payload, status, code):
    deps, engine, _ = setup
    with pytest.raises(CommandError) as refused:
        engine.send(cp, action, payload)
    assert (refused.value.status, refused.value.code) == (status, code)
    assert deps.sender.sent == []


def test_a_rejected_charger_is_sent_nothing_until_an_operator_accepts_it(setup):
    deps, engine, _ = setup
    deps.chargers.update("CP1", ChargerChanges(registration_status="Rejected"))
    with pytest.raises(CommandError) as refused:
        engine.send("CP1", "TriggerMessage", {"requestedMessage": "BootNotification"})
    assert (refused.value.status, refused.value.code) == (409, "ChargerRejected")
    assert deps.sender.sent == []
    assert deps.commands.slot_holder("CP1") is None
    # Pending chargers are configured with commands (B02); only Rejected ones are left alone.
    deps.chargers.update("CP1", ChargerChanges(registration_status="Pending"))
    engine.send("CP1", "TriggerMessage", {"requestedMessage": "BootNotification"})
    assert len(deps.sender.sent) == 1


@pytest.mark.parametrize(
    ("cp", "action", "payload"),
    [
        ("CP1", "RemoteStartTransaction", {"idTag": "TAG1"}),
        ("CP1", "RemoteStopTransaction", {"transactionId": 1}),
        (
            "CP2",
            "RequestStartTransaction",
            {"idToken": {"idToken": "T1", "type": "Central"}, "remoteStartId": 1},
        ),
        ("CP2", "RequestStopTransaction", {"transactionId": "tx-1"}),
    ],
)
def test_B02_a_pending_charger_is_not_asked_to_start_or_stop_a_transaction(
    setup, cp, action, payload
):
    deps, engine, _ = setup
    deps.chargers.update(cp, ChargerChanges(registration_status="Pending"))
    with pytest.raises(CommandError) as refused:
        engine.send(cp, action, payload)
    assert (refused.value.status, refused.value.code) == (409, "ChargerPending")
    assert deps.sender.sent == []
    assert deps.commands.slot_holder(cp) is None
    # Reading and changing its configuration is what Pending is for (B02.FR.01).
    if cp == "CP1":
        sent = engine.send(cp, "GetConfiguration", {})
    else:
        sent = engine.send(cp, "GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"})
    assert len(deps.sender.sent) == 1
    # Once accepted, it is sent sessions again.
    reply(engine, cp, sent.message_id, {} if cp == "CP1" else {"status": "Accepted"})
    deps.chargers.update(cp, ChargerChanges(registration_status="Accepted"))
    engine.send(cp, action, payload)
    assert len(deps.sender.sent) == 2


def test_gone_connection_marks_the_charger_offline(setup):
    deps, engine, _ = setup
    deps.sender.gone.add("conn-1=")
    with pytest.raises(CommandError) as gone:
        engine.send("CP1", "Reset", {"type": "Soft"})
    assert (gone.value.status, gone.value.code) == (503, "ChargerOffline")
    assert not deps.chargers.get("CP1").online
    (record,) = deps.commands.records.values()
    assert record.status == "offline"
    assert deps.commands.slot_holder("CP1") is None


def test_task_token_gets_the_outcome(setup):
    deps, engine, clock = setup
    ok = engine.send("CP1", "Reset", {"type": "Soft"}, task_token="token-1")
    reply(engine, "CP1", ok.message_id, {"status": "Accepted"})
    failed = engine.send("CP1", "Reset", {"type": "Soft"}, task_token="token-2", timeout_s=1)
    clock.ms += 2_000
    engine.get("CP1", failed.message_id)
    assert deps.tasks.succeeded[0][0] == "token-1"
    assert deps.tasks.succeeded[0][1]["result"] == {"status": "Accepted"}
    assert deps.tasks.failed[0][:2] == ("token-2", "Command.timeout")


def test_actions_lists_only_csms_initiated_ones():
    assert "RemoteStartTransaction" in CommandEngine.actions(OcppVersion.V16)
    assert "BootNotification" not in CommandEngine.actions(OcppVersion.V16)
    assert "RequestStartTransaction" in CommandEngine.actions(OcppVersion.V201)


def test_reply_path_through_the_router(setup):
    deps, _, _ = setup
    services = memory_services(deps)
    record = services.engine.send("CP1", "ClearCache", {})
    router = build_router(services)
    ctx = MessageContext("CP1", "conn-1=", OcppVersion.V16, NOW + timedelta(seconds=1))
    assert router.handle(ctx, json.dumps([3, record.message_id, {"status": "Accepted"}])) is None
    assert services.engine.get("CP1", record.message_id).status == "answered"


def test_whoever_sees_a_command_finished_can_send_the_next_one_at_once(setup):
    deps, engine, _ = setup
    seen_free: list[bool] = []
    complete = deps.commands.complete

    def watching(charge_point_id, *args, **kwargs):
        # The moment the outcome becomes visible, the slot must already be free.
        seen_free.append(deps.commands.slot_holder(charge_point_id) is None)
        return complete(charge_point_id, *args, **kwargs)

    deps.commands.complete = watching
    record = engine.send("CP1", "Reset", {"type": "Soft"})
    reply(engine, "CP1", record.message_id, {"status": "Accepted"})
    assert seen_free == [True]
    assert engine.send("CP1", "ClearCache", {}).status == "pending"


def test_a_then_follow_up_runs_once_with_the_slot_free_and_may_send_the_next_command(setup):
    deps, engine, clock = setup
    seen = []

    def next_command(finished):
        seen.append((finished.status, deps.commands.slot_holder("CP1")))
        if finished.status == "answered":
            engine.send("CP1", "Reset", {"type": "Soft"})

    engine.then("ClearCache", next_command)
    first = engine.send("CP1", "ClearCache", {})
    reply(engine, "CP1", first.message_id, {"status": "Accepted"})
    reply(engine, "CP1", first.message_id, {"status": "Accepted"})  # a replay: dropped
    assert seen == [("answered", None)]
    assert [json.loads(text)[2] for _, text in deps.sender.sent] == ["ClearCache", "Reset"]

    # A timeout found lazily runs it too (the follow-up decides what a timeout means).
    clock.ms += 10 * 60 * 1000
    timed_out = engine.send("CP1", "ClearCache", {}, timeout_s=1)
    clock.ms += 2000
    engine.get("CP1", timed_out.message_id)
    assert seen[-1] == ("timeout", None)
    assert len(deps.sender.sent) == 3


def test_a_command_has_one_info_line_when_sent_and_one_with_its_outcome(setup, caplog):
    _, engine, _ = setup
    with caplog.at_level("INFO", logger="csms.commands.engine"):
        record = engine.send("CP1", "Reset", {"type": "Soft"})
        reply(engine, "CP1", record.message_id, {"status": "Rejected"})
    lines = [
        (r.getMessage(), r.__dict__.get("chargePointId"))
        for r in caplog.records
        if r.name == "csms.commands.engine"
    ]
    assert lines == [("command Reset sent", "CP1"), ("command Reset answered: Rejected", "CP1")]
