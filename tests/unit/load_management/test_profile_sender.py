"""The profile sender against the command engine with the in-memory adapters and a fake
charger link that answers each CALL (later, while the engine waits, like a real charger)."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.commands.engine import CommandEngine
from shared.load_management import profiles
from shared.load_management.profile_sender import ProfileSender
from shared.load_management.rejections import ControlState, RejectionRules
from shared.models.charger import ChargerRecord
from shared.models.domain_events import COMMAND_COMPLETED, EVSE_CONTROL_LOST, EVSE_CONTROL_RESTORED
from shared.ocpp.framing import CallError, CallResult
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Evse, Node, PhaseCurrents, Site
from tests.fakes import memory_deps

NOW = datetime(2026, 7, 1, tzinfo=UTC)
RULES = RejectionRules(max_attempts=3, backoff_s=2, max_backoff_s=30, hold_s=600)


class Clock:
    def __init__(self) -> None:
        self.ms = int(NOW.timestamp() * 1000)
        self.on_sleep = lambda: None

    def __call__(self) -> int:
        return self.ms

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.ms / 1000, UTC)

    def sleep(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)
        self.on_sleep()


class ChargerLink:
    """Chargers behind the memory sender: each CALL is answered by `answer(cp, action,
    payload)` -> a result payload, ("error", code) or None (no answer), delivered on the
    engine's next poll. `log` keeps what happened, in order."""

    def __init__(self, engine: CommandEngine, clock: Clock, connections: dict[str, str]) -> None:
        self.engine, self.clock = engine, clock
        self.cp_of = {conn: cp for cp, conn in connections.items()}
        self.answer = lambda cp, action, payload: {"status": "Accepted"}
        self.log: list[tuple[str, str, dict[str, Any]]] = []
        self.queued: list[tuple[str, str, Any]] = []
        clock.on_sleep = self.deliver
        engine.sender.send = self.send  # type: ignore[method-assign]

    def send(self, connection_id: str, text: str) -> None:
        _, message_id, action, payload = json.loads(text)
        cp = self.cp_of[connection_id]
        self.log.append(("sent", cp, payload))
        answer = self.answer(cp, action, payload)
        if answer is not None:
            self.queued.append((cp, message_id, answer))

    def deliver(self) -> None:
        queued, self.queued = self.queued, []
        for cp, message_id, answer in queued:
            frame: CallError | CallResult = (
                CallError(message_id, answer[1], "refused", {})
                if isinstance(answer, tuple)
                else CallResult(message_id, answer)
            )
            self.log.append(("answered", cp, answer if isinstance(answer, dict) else {}))
            self.engine.on_reply(cp, frame)

    def sent(self) -> list[tuple[str, dict[str, Any]]]:
        return [(cp, payload) for kind, cp, payload in self.log if kind == "sent"]


@pytest.fixture
def site():
    deps = memory_deps()
    connections = {"CP16": "c16=", "CP201": "c201="}
    for cp, conn in connections.items():
        deps.chargers.create(ChargerRecord(cp))
        deps.chargers.attach_connection(cp, conn, "ocpp1.6" if cp == "CP16" else "ocpp2.0.1", 1)
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
    link = ChargerLink(engine, clock, connections)
    transactions = {("CP16", 1): "7", ("CP16", 2): "8", ("CP201", 1): "tx-1", ("OFF", 1): "9"}
    sender = ProfileSender(
        engine,
        deps.publisher,
        lambda cp, evse: transactions.get((cp, evse)),
        rules=RULES,
        clock=clock.now,
        sleep=clock.sleep,
    )
    return deps, clock, link, sender, transactions


def cmd(cp, evse, from_a, to_a):
    return LimitCommand(f"s/{cp}/{evse}", cp, evse, round(from_a * 10), round(to_a * 10))


PLAN = [cmd("CP16", 1, 16, 8), cmd("CP201", 1, 16, 10), cmd("CP16", 2, 6, 14)]


def test_a_plan_is_sent_decreases_answered_before_any_increase(site):
    deps, _, link, sender, _ = site
    result = sender.send_plan(PLAN)
    assert [r.sent for r in result.results] == ["accepted"] * 3
    assert not result.reallocate
    # Each CALL was answered before the next one went out; the increase came last.
    assert [(kind, cp) for kind, cp, _ in link.log] == [
        ("sent", "CP16"),
        ("answered", "CP16"),
        ("sent", "CP201"),
        ("answered", "CP201"),
        ("sent", "CP16"),
        ("answered", "CP16"),
    ]
    (_, first), (_, second), (_, third) = link.sent()
    assert first == profiles.limit_profile("ocpp1.6", PLAN[0], "7")
    assert second == profiles.limit_profile("ocpp2.0.1", PLAN[1], "tx-1")
    assert third["csChargingProfiles"]["chargingProfileId"] == profiles.dynamic_profile_id(2)
    assert (
        third["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        == 14.0
    )
    assert len(deps.publisher.of_type(COMMAND_COMPLETED)) == 3
    assert deps.publisher.of_type(EVSE_CONTROL_LOST) == []
    assert result.states == {c.evse_id: ControlState() for c in PLAN}


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"status": "Rejected"}, "rejected"),
        (("error", "InternalError"), "error"),
        (None, "timeout"),
    ],
    ids=["rejected", "callerror", "timeout"],
)
def test_a_failing_decrease_is_retried_then_held_and_the_increases_wait(site, answer, outcome):
    deps, clock, link, sender, _ = site
    link.answer = lambda cp, action, payload: answer if cp == "CP201" else {"status": "Accepted"}
    start = clock.ms
    result = sender.send_plan(PLAN)
    first, failed, increase = result.results
    assert first.sent == "accepted"
    assert failed.sent == "held" and failed.attempts == 3
    assert failed.state.holds == 1
    assert increase.sent == "not_sent"
    assert result.reallocate
    # Three SetChargingProfile to CP201, none of the increase.
    assert [cp for cp, _ in link.sent()] == ["CP16", "CP201", "CP201", "CP201"]
    # Backoff between attempts (2 s, 4 s) and, for the timeout, the deadlines.
    waited_s = (clock.ms - start) / 1000
    assert waited_s >= 6 + (3 * sender.timeout_s if answer is None else 0)
    (alert,) = deps.publisher.of_type(EVSE_CONTROL_LOST)
    assert alert.charge_point_id == "CP201"
    assert alert.detail["siteEvseId"] == "s/CP201/1"
    assert alert.detail["outcome"] == outcome
    # Held from the last failure on, for the hold time.
    assert failed.state.until == clock.now() + timedelta(seconds=600)


def test_a_held_evse_is_sent_nothing_until_its_hold_ends_and_then_recovers(site):
    deps, clock, link, sender, _ = site
    held = ControlState(holds=1, until=clock.now() + timedelta(seconds=60), reason="rejected")
    plan = [cmd("CP201", 1, 16, 10)]
    result = sender.send_plan(plan, {"s/CP201/1": held})
    assert result.results[0].sent == "skipped"
    assert result.results[0].state == held
    assert link.sent() == []
    clock.ms += 60_000
    result = sender.send_plan(plan, {"s/CP201/1": held})
    assert result.results[0].sent == "accepted"
    assert result.states["s/CP201/1"] == ControlState()
    (restored,) = deps.publisher.of_type(EVSE_CONTROL_RESTORED)
    assert restored.detail["siteEvseId"] == "s/CP201/1"


def test_a_limit_for_an_evse_without_a_session_is_skipped(site):
    _, _, link, sender, transactions = site
    del transactions[("CP201", 1)]
    result = sender.send_plan(PLAN)
    assert [r.sent for r in result.results] == ["accepted", "skipped", "accepted"]
    assert result.results[1].reason == "no session"
    assert [cp for cp, _ in link.sent()] == ["CP16", "CP16"]


def test_an_offline_charger_is_retried_then_held(site):
    deps, _, link, sender, _ = site
    result = sender.send_plan([cmd("OFF", 1, 16, 8), cmd("CP16", 1, 8, 16)])
    assert [r.sent for r in result.results] == ["held", "not_sent"]
    assert result.results[0].reason == "charger offline"
    assert link.sent() == []
    (alert,) = deps.publisher.of_type(EVSE_CONTROL_LOST)
    assert alert.detail["outcome"] == "offline"


def test_an_increase_that_fails_does_not_stop_the_other_increases(site):
    _, _, link, sender, _ = site
    link.answer = lambda cp, action, payload: (
        {"status": "Rejected"} if payload.get("connectorId") == 2 else {"status": "Accepted"}
    )
    plan = [cmd("CP16", 2, 6, 14), cmd("CP201", 1, 6, 14)]
    result = sender.send_plan(plan)
    assert [r.sent for r in result.results] == ["held", "accepted"]


def test_an_alert_the_bus_did_not_take_is_handed_back(site):
    deps, _, link, sender, _ = site
    link.answer = lambda cp, action, payload: {"status": "NotSupported"}
    deps.publisher.fail = True
    result = sender.send_plan([cmd("CP16", 1, 16, 8)])
    assert result.results[0].sent == "held" and result.results[0].attempts == 1
    assert [e.detail_type for e in result.unpublished] == [EVSE_CONTROL_LOST]


SITE = Site(
    "s",
    (Node("grid", max_current=PhaseCurrents.uniform(25)),),
    (
        Evse("s/CP16/2", "grid", "CP16", 2, max_current_a=16, default_limit_a=0),
        Evse("s/CP16/1", "grid", "CP16", 1, max_current_a=16, default_limit_a=6),
        Evse("s/CP201/1", "grid", "CP201", 1),
    ),
)


def test_the_fallback_layer_is_installed_maximum_first(site):
    deps, clock, link, sender, _ = site
    sent_at = clock.now()
    result = sender.install_fallback(SITE, "CP16")
    assert [(r.evse.evse_id, r.sent) for r in result.results] == [
        ("s/CP16/1", "accepted"),
        ("s/CP16/2", "accepted"),
    ]
    assert not result.reallocate
    sent = [payload for _, payload in link.sent()]
    # The safe maximum: both EVSEs' 32 A, within the connection's 25 A per phase.
    assert sent == [
        profiles.station_max_profile("ocpp1.6", 25, sent_at),
        profiles.default_profile("ocpp1.6", 1, 6),
        profiles.default_profile("ocpp1.6", 2, 0),
    ]
    assert deps.publisher.of_type(EVSE_CONTROL_LOST) == []


def test_a_charger_that_refuses_its_maximum_has_every_evse_held(site):
    deps, _, link, sender, _ = site
    link.answer = lambda cp, action, payload: (
        {"status": "Rejected"} if payload["connectorId"] == 0 else {"status": "Accepted"}
    )
    result = sender.install_fallback(SITE, "CP16")
    assert [(r.evse.evse_id, r.sent) for r in result.results] == [
        ("s/CP16/1", "held"),
        ("s/CP16/2", "held"),
    ]
    assert result.reallocate
    # Three attempts at the maximum, no default sent.
    assert [p["connectorId"] for _, p in link.sent()] == [0, 0, 0]
    alerts = deps.publisher.of_type(EVSE_CONTROL_LOST)
    assert [a.detail["siteEvseId"] for a in alerts] == ["s/CP16/1", "s/CP16/2"]
    assert alerts[0].detail["reason"] == "station maximum not taken: answered Rejected"
    assert alerts[0].detail["outcome"] == "rejected"


def test_an_evse_whose_default_is_refused_is_held_alone(site):
    deps, _, link, sender, _ = site
    link.answer = lambda cp, action, payload: (
        {"status": "Rejected"} if payload["connectorId"] == 2 else {"status": "Accepted"}
    )
    result = sender.install_fallback(SITE, "CP16")
    assert [(r.evse.evse_id, r.sent) for r in result.results] == [
        ("s/CP16/1", "accepted"),
        ("s/CP16/2", "held"),
    ]
    (alert,) = deps.publisher.of_type(EVSE_CONTROL_LOST)
    assert alert.detail["siteEvseId"] == "s/CP16/2"
