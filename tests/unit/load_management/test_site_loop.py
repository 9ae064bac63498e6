"""The per-site loop's decisions (docs/adr/0051) with the memory adapters and a sender whose
chargers take or refuse limits: fallback layers on join and boot, limits that fit the
connection, the allocation stored as sent, ADR 0049's loop rules (settle time, no increases
after a refused decrease, a returning EVSE lowered first, held EVSEs retried sooner while
overloaded), wake-ups and alerts the bus did not take."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.adapters.memory.sessions import MemoryTransactionRepository
from shared.adapters.memory.site_load_history import MemorySiteLoadHistory
from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.adapters.memory.site_queue import MemorySiteQueue
from shared.load_management.loop import LOOP_STATE_KEY, LoopState, SiteAllocator
from shared.load_management.profile_sender import EvseResult, PayloadFor, PlanResult
from shared.load_management.rejections import ControlState, EvseRef
from shared.load_management.sites import model_document
from shared.load_management.trigger import BOOTED_AT_MS
from shared.models.domain_events import EVSE_CONTROL_LOST, DomainEvent
from shared.ports.publishing import EventPublishError
from shared.smart_charging.allocation import Allocation
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Evse, EvseLive, Node, PhaseCurrents, Site
from shared.smart_charging.stability import StabilityRules
from shared.timeutil import to_epoch_ms

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
HOLD = timedelta(minutes=15)


def site(connection: float = 32.0) -> Site:
    return Site(
        id="S",
        nodes=(Node("grid", max_current=PhaseCurrents.uniform(connection)),),
        evses=(
            Evse("a", "grid", "CP-A", 1, default_limit_a=6),
            Evse("b", "grid", "CP-B", 1, default_limit_a=6),
        ),
    )


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


class Chargers:
    """A sender whose chargers accept every limit except those of `refusing` EVSEs (held for
    15 minutes, an alert on the first hold); `log` keeps what was sent and the waits."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.refusing: set[str] = set()
        # Chargers whose fallback layer fails (offline): their EVSEs are held.
        self.offline: set[str] = set()
        self.log: list[Any] = []
        # (charger, EVSE numbers, whole layer) of each clear; chargers that do not answer.
        self.cleared: list[tuple[str, tuple[int, ...], bool]] = []
        self.unclearable: set[str] = set()

    def send_plan(
        self,
        commands: list[LimitCommand],
        states: Mapping[str, ControlState] | None = None,
        payloads: Mapping[str, PayloadFor] | None = None,
    ) -> PlanResult:
        states = states or {}
        result = PlanResult()
        taken = True
        for c in commands:
            ref = EvseRef(c.evse_id, c.charge_point_id, c.evse_number)
            state = states.get(c.evse_id, ControlState())
            if not c.decrease and not taken:
                result.results.append(EvseResult(ref, "not_sent", state, command=c))
                continue
            self.log.append((c.evse_id, c.from_da, c.to_da))
            if c.evse_id in self.refusing:
                held = ControlState(holds=state.holds + 1, until=self.clock() + HOLD, reason="x")
                result.results.append(EvseResult(ref, "held", held, 3, "x", "rejected", c))
                if not state.holds:
                    lost = DomainEvent(EVSE_CONTROL_LOST, c.charge_point_id, self.clock(), {})
                    result.unpublished.append(lost)
                taken = taken and not c.decrease
            else:
                result.results.append(EvseResult(ref, "accepted", ControlState(), 1,
                                                 outcome="accepted", command=c))  # fmt: skip
        return result

    def clear_layer(self, charge_point_id: str, evse_numbers: Sequence[int], station: bool) -> bool:
        self.cleared.append((charge_point_id, tuple(evse_numbers), station))
        return charge_point_id not in self.unclearable

    def install_fallback(
        self, site: Site, charge_point_id: str, states: Mapping[str, ControlState] | None = None
    ) -> PlanResult:
        self.log.append(("fallback", charge_point_id))
        result = PlanResult()
        for evse in site.evses:
            if evse.charge_point_id != charge_point_id:
                continue
            ref = EvseRef(evse.id, charge_point_id, evse.evse_id)
            if charge_point_id in self.offline:
                held = ControlState(holds=1, until=self.clock() + HOLD, reason="offline")
                result.results.append(EvseResult(ref, "held", held, 3, "offline", "offline"))
            else:
                result.results.append(EvseResult(ref, "accepted", ControlState(), 1))
        return result


class Bus:
    def __init__(self) -> None:
        self.down = False
        self.events: list[DomainEvent] = []

    def publish(self, events: Any) -> None:
        if self.down:
            raise EventPublishError(list(events), "down")
        self.events.extend(events)


class Loop:
    def __init__(self, connection: float = 32.0, rules: StabilityRules | None = None) -> None:
        self.clock = Clock()
        self.store = MemorySiteLoadStore()
        self.store.put_model("S", model_document(site(connection)), None, "2030")
        self.queue = MemorySiteQueue()
        self.chargers = Chargers(self.clock)
        self.bus = Bus()
        self.grid: tuple[Any, datetime | None] = (None, None)
        self.history = MemorySiteLoadHistory()
        self.allocator = SiteAllocator(
            self.store,
            lambda transaction_of: self.chargers,
            MemoryTransactionRepository(),
            self.bus,
            self.queue,
            self.clock,
            grid_limit=lambda site_id, now: self.grid,
            sleep=self.sleep,
            rules=rules or StabilityRules(),
            history=self.history,
        )
        self.event_ms = to_epoch_ms(T0)

    def sleep(self, seconds: float) -> None:
        self.chargers.log.append(("sleep", seconds))
        self.clock.advance(seconds)

    def live(self, evse: str, **changes: Any) -> None:
        self.event_ms += 1000
        cp = {"a": "CP-A", "b": "CP-B"}[evse]
        stored = self.store.live.get("S", {}).get((cp, 1))
        before = dict(stored.live) if stored else EvseLive().to_dict()
        after = {**before, **changes}
        if changes.get("sessionActive"):
            after.setdefault("sessionStartedAt", self.clock().isoformat())
        self.store.put_live("S", (cp, 1), after, self.event_ms)

    def stored(self) -> Allocation:
        return Allocation.from_dict(self.store.allocations["S"].document)

    def state(self) -> LoopState:
        return LoopState.from_dict(self.store.allocations["S"].document[LOOP_STATE_KEY])

    def limits(self) -> dict[str, float]:
        return {k: v.limit_a for k, v in self.stored().limits.items()}

    def sent(self) -> list[Any]:
        log, self.chargers.log = self.chargers.log, []
        return log


def test_every_charger_gets_its_fallback_layer_once_and_again_after_a_boot() -> None:
    loop = Loop()
    run = loop.allocator.run("S")
    assert run.fallback_for == ("CP-A", "CP-B")
    assert loop.sent() == [("fallback", "CP-A"), ("fallback", "CP-B")]
    loop.allocator.run("S")
    assert loop.sent() == []
    loop.live("a", **{BOOTED_AT_MS: loop.event_ms + 500})
    loop.allocator.run("S")
    assert loop.sent() == [("fallback", "CP-A")]


def test_two_sessions_share_the_connection_and_a_stop_raises_the_other() -> None:
    loop = Loop(rules=StabilityRules(hold_off_s=60))
    loop.allocator.run("S")
    loop.sent()
    loop.live("a", sessionActive=True)
    loop.allocator.run("S")
    assert loop.limits() == {"a": 26.0}  # b idle: its 6 A default reserved
    assert loop.sent() == [("a", 60, 260)]
    loop.clock.advance(1)
    loop.live("b", sessionActive=True)
    loop.allocator.run("S")
    assert loop.limits() == {"a": 16.0, "b": 16.0}
    assert sum(loop.limits().values()) <= 32
    # the decrease first, the settle time, then the new session's limit
    assert loop.sent() == [("a", 260, 160), ("sleep", 5.0), ("b", 60, 160)]
    loop.clock.advance(60)
    loop.live("b", sessionActive=False)
    loop.allocator.run("S")
    assert loop.limits() == {"a": 26.0}
    assert loop.sent() == [("a", 160, 260)]


def test_an_increase_the_filter_holds_back_wakes_the_site_when_it_may_go() -> None:
    loop = Loop(rules=StabilityRules(hold_off_s=600))
    loop.live("a", sessionActive=True)
    loop.live("b", sessionActive=True)
    loop.allocator.run("S")
    loop.clock.advance(30)
    loop.live("b", sessionActive=False)
    loop.allocator.run("S")
    assert loop.limits() == {"a": 16.0}  # held back for the hold-off
    assert T0 + timedelta(seconds=600) in [w.due for w in loop.queue.wake_ups]
    loop.clock.at = T0 + timedelta(seconds=600)
    loop.allocator.run("S")
    assert loop.limits() == {"a": 26.0}


def test_a_refused_decrease_stops_the_increases_and_is_stored_as_sent() -> None:
    loop = Loop(rules=StabilityRules(hold_off_s=60))
    loop.live("a", sessionActive=True)
    loop.allocator.run("S")
    loop.sent()
    loop.chargers.refusing = {"a"}
    loop.live("b", sessionActive=True)
    run = loop.allocator.run("S")
    assert loop.sent() == [("a", 260, 160)]  # b's increase never went out
    assert loop.limits() == {"a": 26.0}  # a was told 26 A last; b was told nothing
    assert run.requeued and loop.queue.take() == ["S"]
    until = T0 + HOLD
    assert loop.state().control["a"].until == until
    assert until in run.wake_ups
    # the next allocation reserves a's worst case: b gets nothing while a may draw 32 A
    loop.clock.advance(3)
    loop.allocator.run("S")
    assert "a" not in loop.limits()
    assert loop.sent() == [("b", 60, 0)]


def test_an_evse_back_from_a_hold_is_lowered_before_anything_is_raised() -> None:
    loop = Loop(rules=StabilityRules(hold_off_s=60))
    loop.live("a", sessionActive=True)
    loop.live("b", sessionActive=True)
    loop.chargers.refusing = {"a"}
    loop.allocator.run("S")
    loop.sent()
    loop.chargers.refusing = set()
    loop.clock.at = T0 + HOLD
    loop.allocator.run("S")
    sent = loop.sent()
    assert sent[0] == ("a", 320, 160)  # taken at its maximum: a decrease, first
    assert loop.limits() == {"a": 16.0, "b": 16.0}
    assert loop.state().control["a"] == ControlState()


def test_held_evses_are_retried_within_a_minute_while_the_site_is_overloaded() -> None:
    loop = Loop(connection=32.0)
    loop.live("a", sessionActive=True)
    loop.live("b", sessionActive=True)
    loop.chargers.refusing = {"a", "b"}
    loop.allocator.run("S")  # both refuse their first limit: both held for 15 minutes
    loop.clock.advance(2)
    run = loop.allocator.run("S")  # both held: 2 x 32 A reserved on a 32 A connection
    assert loop.stored().overloaded
    retry = loop.clock() + timedelta(minutes=1)
    assert all(s.until is not None and s.until <= retry for s in loop.state().control.values())
    assert retry in run.wake_ups


def test_the_grid_limit_bounds_the_site_and_its_next_change_wakes_it() -> None:
    class Limit:
        allocator_amps = (20.0, 20.0, 20.0)

    loop = Loop()
    change = T0 + timedelta(hours=1)
    loop.grid = (Limit(), change)
    loop.live("a", sessionActive=True)
    run = loop.allocator.run("S")
    assert loop.limits() == {"a": 14.0}  # 20 A less b's 6 A default
    assert change in run.wake_ups
    assert change not in loop.allocator.run("S").wake_ups  # asked for once


def test_alerts_the_bus_did_not_take_are_kept_and_published_later() -> None:
    loop = Loop()
    loop.chargers.refusing = {"a"}
    loop.live("a", sessionActive=True)
    loop.allocator.run("S")
    assert [e.detail_type for e in loop.state().unpublished] == [EVSE_CONTROL_LOST]
    loop.bus.down = True
    loop.allocator.run("S")
    assert len(loop.state().unpublished) == 1
    loop.bus.down = False
    loop.allocator.run("S")
    assert loop.state().unpublished == []
    assert [e.detail_type for e in loop.bus.events] == [EVSE_CONTROL_LOST]


def test_a_site_without_a_model_is_not_allocated() -> None:
    loop = Loop()
    loop.store.delete_model("S", 1)
    assert loop.allocator.run("S").outcome == "no_model"
    assert loop.sent() == []


def test_a_repeated_run_sends_nothing_more() -> None:
    loop = Loop()
    loop.live("a", sessionActive=True)
    loop.allocator.run("S")
    first = loop.sent()
    loop.allocator.run("S")
    assert first and loop.sent() == []
    assert replace(loop.stored(), at=None).limits == {"a": loop.stored().limits["a"]}


def test_a_limit_names_the_running_transaction_and_none_once_it_ended() -> None:
    from shared.models.transaction import TransactionRecord

    loop = Loop()
    lookups: list[Any] = []

    def sender_for(transaction_of: Any) -> Chargers:
        lookups.append(transaction_of)
        return loop.chargers

    loop.allocator.sender_for = sender_for
    transactions = loop.allocator.transactions
    transactions.create(TransactionRecord("CP-A", "T-1", "active"))
    transactions.create(TransactionRecord("CP-B", "T-2", "completed"))
    loop.live("a", sessionActive=True, transactionId="T-1")
    loop.live("b", sessionActive=True, transactionId="T-2")
    loop.allocator.run("S")
    transaction_of = lookups[-1]
    assert transaction_of("CP-A", 1) == "T-1"
    assert transaction_of("CP-B", 1) is None  # ended: no limit is sent for it
    assert transaction_of("CP-C", 1) is None


def test_a_batch_allocates_each_site_once_and_fails_a_failed_sites_messages() -> None:
    import json

    from shared.load_management.loop import allocate_batch

    def record(message_id: str, body: Any) -> dict[str, Any]:
        return {"messageId": message_id, "body": json.dumps(body)}

    runs: list[str] = []

    def run(site_id: str) -> None:
        runs.append(site_id)
        if site_id == "BAD":
            raise RuntimeError("store down")

    batch = [
        record("1", {"siteId": "S"}),
        record("2", {"siteId": "BAD"}),
        record("3", {"siteId": "S"}),
        record("4", {"nothing": 1}),
        {"messageId": "5", "body": "not json"},
        record("6", {"siteId": "BAD"}),
    ]
    assert allocate_batch(batch, run) == ["2", "6"]
    assert runs == ["S", "BAD"]


def test_a_charger_offline_at_the_models_put_gets_its_fallback_after_the_hold() -> None:
    loop = Loop(connection=63.0)  # room for the held EVSE's worst case: not overloaded
    loop.chargers.offline = {"CP-B"}
    loop.allocator.run("S")
    assert loop.sent() == [("fallback", "CP-A"), ("fallback", "CP-B")]
    loop.chargers.offline = set()
    loop.clock.advance(60)
    loop.allocator.run("S")
    assert loop.sent() == []  # held: not tried on every run
    loop.clock.at = T0 + HOLD
    loop.allocator.run("S")
    assert loop.sent() == [("fallback", "CP-B")]
    loop.allocator.run("S")
    assert loop.sent() == []


class BrokenHistory(MemorySiteLoadHistory):
    def record(self, site_id: str, view: Any, at: datetime) -> None:
        raise RuntimeError("history down")


def test_each_stored_allocation_is_kept_in_the_load_history() -> None:
    loop = Loop(rules=StabilityRules(hold_off_s=60))
    loop.live("a", sessionActive=True)
    loop.allocator.run("S")
    loop.clock.advance(120)
    loop.live("b", sessionActive=True)
    loop.allocator.run("S")
    samples = loop.history.samples("S", T0 - timedelta(minutes=1), loop.clock())
    assert len(samples) == 2
    # the grid connection's permitted load per phase: a alone (26 A and b's 6 A default
    # reserved), then both at 16 A
    grid_loads = [next(n for n in s.nodes if n.node_id == "grid").load_a for s in samples]
    assert grid_loads == [(32.0, 32.0, 32.0), (32.0, 32.0, 32.0)]
    assert loop.limits() == {"a": 16.0, "b": 16.0}


def test_a_load_history_that_fails_loses_its_sample_not_the_allocation() -> None:
    loop = Loop()
    loop.allocator.history = BrokenHistory()
    loop.live("a", sessionActive=True)
    loop.allocator.run("S")
    assert loop.limits() == {"a": 26.0}


def test_chargers_and_evses_that_leave_the_model_lose_our_profiles_until_they_answer() -> None:
    loop = Loop()
    loop.allocator.run("S")
    assert loop.chargers.cleared == []
    # CP-B leaves the site; its charger does not answer at first.
    only_a = replace(site(), evses=site().evses[:1])
    loop.store.put_model("S", model_document(only_a), 1, "2030")
    loop.chargers.unclearable = {"CP-B"}
    loop.allocator.run("S")
    assert loop.chargers.cleared == [("CP-B", (1,), True)]  # its EVSE and station maximum
    assert loop.state().clearing == {"CP-B": ((1,), True)}
    loop.chargers.unclearable = set()
    loop.allocator.run("S")
    assert loop.chargers.cleared[-1] == ("CP-B", (1,), True)
    assert loop.state().clearing == {}
    loop.allocator.run("S")
    assert len(loop.chargers.cleared) == 2  # done: not sent again


def test_an_evse_that_leaves_loses_its_profiles_and_a_charger_back_in_time_keeps_them() -> None:
    two = Site(
        id="S",
        nodes=(Node("grid", max_current=PhaseCurrents.uniform(32)),),
        evses=(
            Evse("a1", "grid", "CP-A", 1, default_limit_a=6),
            Evse("a2", "grid", "CP-A", 2, default_limit_a=6),
        ),
    )
    loop = Loop()
    loop.store.put_model("S", model_document(two), 1, "2030")
    loop.allocator.run("S")
    one = replace(two, evses=two.evses[:1])
    loop.store.put_model("S", model_document(one), 2, "2030")
    loop.allocator.run("S")
    assert loop.chargers.cleared == [("CP-A", (2,), False)]  # the EVSE's, not the station's
    # A charger that leaves and is back before it answered keeps its layer.
    loop.chargers.unclearable = {"CP-A"}
    loop.store.put_model("S", model_document(site()), 3, "2030")  # CP-A's EVSE 1, CP-B
    loop.store.put_model("S", model_document(replace(site(), evses=site().evses[1:])), 4, "x")
    loop.allocator.run("S")
    assert loop.state().clearing == {"CP-A": ((1,), True)}
    loop.store.put_model("S", model_document(site()), 5, "2030")
    loop.allocator.run("S")
    assert loop.state().clearing == {}
