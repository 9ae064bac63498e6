"""One site's allocation, as the allocation queue delivers it (docs/adr/0051-site-allocation-
loop.md): read the site, allocate, send the differences, store what was sent, and ask to be
woken when something known will change.

A site's allocations run one at a time (the queue's message group is the site), so the loop
reads, sends and writes without conditions beyond the store's own; what it relies on is that
a run repeated after a failure at any step is safe:

- Profiles have stable ids per EVSE (ADR 0048): sending the same limit twice changes nothing.
- **The allocation is stored as sent** (ADR 0049, rule 5): an EVSE whose command was not
  accepted keeps the limit it was last told, so the next plan starts from what the chargers
  actually hold. A run that failed after sending, before storing, plans the same commands
  again; one that failed after storing finds nothing to send.
- The loop's own state is stored in the same write as the allocation (`LoopState`, extra keys
  of the allocation's plain form): each EVSE's `ControlState` (ADR 0048's rejection rules),
  which chargers have their fallback layer, alerts the bus did not take, and the wake-ups
  already asked for.

ADR 0049's loop rules, kept here:

- After the plan's decreases, **wait the settle time** (5 s) before the first increase: a
  charger takes up to 5 s to obey a lower limit, the next one's increase takes 1 s.
- **A decrease not taken stops the increases** (ADR 0048's sender) and queues the site again:
  the next allocation reserves the held EVSE's worst case.
- **An EVSE back from a hold is taken to draw its maximum** until a command to it is
  accepted, so that its first command is a decrease and goes first.
- **While the reservations alone overload the site**, held EVSEs are tried again after a
  minute instead of at the end of their hold.

The fallback layer (`install_fallback`) is sent to a charger when it first appears in the
model, when its EVSEs in the model change, and after each accepted boot (`bootedAtMs`, kept
by the trigger).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from shared.load_management.profile_sender import (
    EvseResult,
    PayloadFor,
    PlanResult,
    TransactionLookup,
)
from shared.load_management.rejections import ControlState, EvseRef, live_with
from shared.load_management.session_plans import SessionPlans
from shared.load_management.sites import ElectricalModel, LiveState, allocation_view, with_live
from shared.load_management.trigger import BOOTED_AT_MS, NEEDS_AT_MS, TRANSACTION_ID
from shared.models.domain_events import DomainEvent
from shared.ports import EventPublisher, publish_safely
from shared.ports.sessions import TransactionRepository
from shared.ports.site_load_history import SiteLoadHistory
from shared.ports.site_loads import EvseAddress, SiteLoadStore, StoredLive
from shared.ports.site_queue import SiteQueue
from shared.smart_charging.allocation import Allocation, EvseLimit, cap_da
from shared.smart_charging.allocator import allocate
from shared.smart_charging.plan import LimitCommand, plan_commands
from shared.smart_charging.site import EvseLive, PhaseCurrents, Site, quantise_down
from shared.smart_charging.stability import StabilityRules
from shared.timeutil import iso_utc, to_epoch_ms

logger = logging.getLogger("csms.load_management.loop")

SETTLE_S = 5.0
OVERLOADED_RETRY = timedelta(minutes=1)

GridLimitFor = Callable[[str, datetime], tuple[Any, datetime | None]]
"""`grid_limit(site_id, now) -> (GridLimit | None, next_change)`: the grid's limit for the
site (shared/grid_signals: its `allocator_amps` are allocated under) and when it may change
next (None: nothing scheduled)."""


def no_grid_signal(site_id: str, now: datetime) -> tuple[Any, datetime | None]:
    """No grid signal: the site's own limits (its model's root node) are the only bound."""
    return None, None


# A sender for one run, given how to find an EVSE's running transaction.
SenderFor = Callable[[TransactionLookup], "Sender"]


class Sender(Protocol):
    """ProfileSender's part the loop uses (shared/load_management/profile_sender.py)."""

    def send_plan(
        self,
        commands: list[LimitCommand],
        states: Mapping[str, ControlState] | None = None,
        payloads: Mapping[str, PayloadFor] | None = None,
    ) -> PlanResult: ...

    def install_fallback(
        self, site: Site, charge_point_id: str, states: Mapping[str, ControlState] | None = None
    ) -> PlanResult: ...

    def clear_layer(
        self, charge_point_id: str, evse_numbers: Sequence[int], station: bool
    ) -> bool: ...


@dataclass
class LoopState:
    """What the loop keeps between a site's allocations, stored with the allocation."""

    control: dict[str, ControlState] = field(default_factory=dict)
    # Charger -> (its EVSE numbers in the model, the boot time in ms it was sent for).
    fallback: dict[str, tuple[tuple[int, ...], int]] = field(default_factory=dict)
    unpublished: list[DomainEvent] = field(default_factory=list)
    # Wake-ups asked for and not yet due (ISO times): asked for once.
    wake_ups: set[str] = field(default_factory=set)
    # EVSE id -> when (ms) its session's limit was last sent with its needs looked up: needs
    # that arrive later (NEEDS_AT_MS) send the limit again, scheduled (docs/adr/0054).
    scheduled: dict[str, int] = field(default_factory=dict)
    # Charger -> (EVSE numbers that left the model, whether the charger left it too): our
    # profiles still to take off them, tried each run until the charger answers.
    clearing: dict[str, tuple[tuple[int, ...], bool]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": {k: s.to_dict() for k, s in sorted(self.control.items())},
            "fallback": {
                cp: {"evses": list(evses), "bootedAtMs": booted}
                for cp, (evses, booted) in sorted(self.fallback.items())
            },
            "unpublished": [
                {
                    "detailType": e.detail_type,
                    "chargePointId": e.charge_point_id,
                    "time": iso_utc(e.time),
                    "detail": e.detail,
                }
                for e in self.unpublished
            ],
            "wakeUps": sorted(self.wake_ups),
            "scheduled": dict(sorted(self.scheduled.items())),
            "clearing": {
                cp: {"evses": list(evses), "station": station}
                for cp, (evses, station) in sorted(self.clearing.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LoopState:
        return cls(
            control={k: ControlState.from_dict(v) for k, v in (data.get("control") or {}).items()},
            fallback={
                cp: (tuple(int(n) for n in v.get("evses", ())), int(v.get("bootedAtMs", 0)))
                for cp, v in (data.get("fallback") or {}).items()
            },
            unpublished=[
                DomainEvent(
                    e["detailType"],
                    e["chargePointId"],
                    datetime.fromisoformat(e["time"]),
                    dict(e.get("detail") or {}),
                )
                for e in data.get("unpublished") or ()
            ],
            wake_ups=set(data.get("wakeUps") or ()),
            scheduled={k: int(v) for k, v in (data.get("scheduled") or {}).items()},
            clearing={
                cp: (tuple(int(n) for n in v.get("evses", ())), bool(v.get("station")))
                for cp, v in (data.get("clearing") or {}).items()
            },
        )


LOOP_STATE_KEY = "loop"

Outcome = Literal["allocated", "no_model"]


@dataclass(frozen=True)
class SiteRun:
    """What one allocation of a site did."""

    outcome: Outcome
    allocation: Allocation | None = None
    commands: tuple[LimitCommand, ...] = ()
    # Results of the plan and of fallback installs, in the order they were sent.
    results: tuple[EvseResult, ...] = ()
    fallback_for: tuple[str, ...] = ()
    requeued: bool = False
    wake_ups: tuple[datetime, ...] = ()


@dataclass
class SiteAllocator:
    store: SiteLoadStore
    sender_for: SenderFor
    transactions: TransactionRepository
    publisher: EventPublisher
    queue: SiteQueue
    now: Callable[[], datetime]
    grid_limit: GridLimitFor = no_grid_signal
    settle_s: float = SETTLE_S
    sleep: Callable[[float], None] = time.sleep
    rules: StabilityRules = field(default_factory=StabilityRules)
    # Each stored allocation's loads per node and phase, for the console (docs/adr/0053).
    history: SiteLoadHistory | None = None
    # Sessions with a departure and an energy need, sent as schedules (docs/adr/0054).
    plans: SessionPlans | None = None

    def run(self, site_id: str) -> SiteRun:
        """Allocate the site once; raises when a read or write failed (run it again)."""
        records = self.store.snapshot(site_id)
        if records.model is None:
            return SiteRun("no_model")
        model = ElectricalModel.of(records.model)
        document = records.allocation.document if records.allocation else {}
        previous = Allocation.from_dict(document) if document else Allocation()
        loop = LoopState.from_dict(document.get(LOOP_STATE_KEY) or {})
        loop.unpublished = [e for e in loop.unpublished if not publish_safely(self.publisher, e)]

        live = {
            a: LiveState(EvseLive.from_dict(s.live), s.event_at_ms) for a, s in records.live.items()
        }
        site = with_live(model.site, live)
        booted = {
            address: int(stored.live.get(BOOTED_AT_MS) or 0)
            for address, stored in records.live.items()
        }
        transaction_of = self._transaction_lookup(records.live)
        sender = self.sender_for(transaction_of)
        results: list[EvseResult] = []
        fallback_for = self._install_fallbacks(sender, site, booted, loop, results)

        # What the allocator sees: held EVSEs unresponsive (their worst case reserved). The
        # clock is read after the fallback installs, which may take a while.
        now = self.now()
        controlled = replace(
            site,
            evses=tuple(
                replace(e, live=live_with(e.live, loop.control.get(e.id, ControlState()), now))
                for e in site.evses
            ),
        )
        previous = _returning_at_maximum(controlled, previous, loop.control, now)
        grid, next_change = self.grid_limit(site_id, now)
        grid_amps = None if grid is None else PhaseCurrents(*grid.allocator_amps)
        target = allocate(controlled, grid_amps, previous, now, self.rules)
        commands = plan_commands(controlled, previous, target)
        renewed = _renewed_needs(controlled, target, records.live, loop, commands)
        commands = renewed + commands
        payloads = (
            self.plans.payloads(
                site_id, {e.id: e for e in controlled.evses}, commands, transaction_of, now
            )
            if self.plans is not None and commands
            else {}
        )

        outcome = self._send(sender, commands, loop, payloads)
        looked_up = {c.evse_id for c in renewed} | set(payloads)
        _note_scheduled(loop, controlled, outcome, looked_up, now)
        results.extend(outcome.results)
        sent = _as_sent(previous, target, outcome)
        for evse_id, state in outcome.states.items():
            loop.control[evse_id] = state
        loop.unpublished.extend(outcome.unpublished)
        if sent.overloaded:
            _retry_held_sooner(loop.control, now)

        # Queued before the allocation is stored: a run that fails in between runs again and
        # asks again (a duplicate costs one more allocation); stored first, a wake-up the
        # queue did not take would be marked as asked for, and lost.
        wake_ups = self._wake_ups(
            loop, [next_change, *_filter_ends(controlled, sent, self.rules)], now
        )
        requeued = outcome.reallocate
        if requeued:
            self.queue.enqueue(site_id, self.now())
        for due in wake_ups:
            self.queue.wake_at(site_id, due, now)
        stored_ms = records.allocation.at_ms if records.allocation else 0
        self._store(site_id, sent, loop, model, controlled, stored_ms)
        return SiteRun(
            "allocated",
            sent,
            tuple(commands),
            tuple(results),
            tuple(fallback_for),
            requeued,
            tuple(wake_ups),
        )

    def _transaction_lookup(self, live: Mapping[EvseAddress, StoredLive]) -> TransactionLookup:
        """An EVSE's running transaction: the one its session started under (kept by the
        trigger), if the transactions store still has it running (one GetItem per command;
        a session that ended meanwhile gets no limit)."""

        def transaction_of(charge_point_id: str, evse_number: int) -> str | None:
            stored = live.get((charge_point_id, evse_number))
            transaction_id = stored.live.get(TRANSACTION_ID) if stored else None
            if not isinstance(transaction_id, str) or not transaction_id:
                return None
            record = self.transactions.get(charge_point_id, transaction_id)
            return transaction_id if record is not None and record.status == "active" else None

        return transaction_of

    def _store(
        self,
        site_id: str,
        allocation: Allocation,
        loop: LoopState,
        model: ElectricalModel,
        site: Site,
        stored_ms: int,
    ) -> None:
        """The one place an allocation is stored (as sent), with the loop's state. Whatever
        must follow each stored allocation (its history) goes here.

        Runs of a site are serialised by the queue, so this run's allocation is the newest:
        it is stored at least a millisecond after the one it read (two runs within one
        millisecond, or a clock that stepped back, must not lose the loop's state)."""
        assert allocation.at is not None
        document = {**allocation.to_dict(), LOOP_STATE_KEY: loop.to_dict()}
        at_ms = max(to_epoch_ms(allocation.at), stored_ms + 1)
        if not self.store.put_allocation(site_id, document, at_ms):
            # Only a run of the same site outside the queue's order gets here.
            logger.warning("a newer allocation is stored", extra={"siteId": site_id})
            return
        if self.history is not None:
            # After the allocation: a failure here loses one minute's sample of a chart,
            # never the allocation (the queue's redelivery would redo the whole run).
            try:
                view = allocation_view(site, allocation, model.revision)
                self.history.record(site_id, view, allocation.at)
            except Exception:
                logger.exception("load history not recorded", extra={"siteId": site_id})

    def _install_fallbacks(
        self,
        sender: Sender,
        site: Site,
        booted: Mapping[tuple[str, int], int],
        loop: LoopState,
        results: list[EvseResult],
    ) -> list[str]:
        """Send the fallback layer to each charger that needs it: new to the model, its
        EVSEs changed, or booted since. A charger counts as done only when every EVSE took
        its layer; one with a held EVSE waits for the hold to end (the hold is the backoff:
        an offline charger is not tried on every run), then gets the whole layer again."""
        chargers: dict[str, list[str]] = {}
        numbers: dict[str, list[int]] = {}
        for evse in site.evses:
            chargers.setdefault(evse.charge_point_id, []).append(evse.id)
            numbers.setdefault(evse.charge_point_id, []).append(evse.evse_id)
        now = self.now()
        installed: list[str] = []
        for charge_point_id in sorted(chargers):
            evses = tuple(sorted(numbers[charge_point_id]))
            boot = max(booted.get((charge_point_id, n), 0) for n in evses)
            known = loop.fallback.get(charge_point_id)
            if known is not None and set(known[0]) - set(evses):
                _to_clear(loop, charge_point_id, set(known[0]) - set(evses), station=False)
            if known is not None and known[0] == evses and known[1] >= boot:
                continue
            held = (loop.control.get(e, ControlState()) for e in chargers[charge_point_id])
            if not all(state.controllable(now) for state in held):
                continue
            result = sender.install_fallback(site, charge_point_id, loop.control)
            for evse_id, state in result.states.items():
                loop.control[evse_id] = state
            loop.unpublished.extend(result.unpublished)
            results.extend(result.results)
            installed.append(charge_point_id)
            if all(r.sent == "accepted" for r in result.results):
                loop.fallback[charge_point_id] = (evses, boot)
        # A charger that left the model: its whole layer is taken off.
        for charge_point_id in set(loop.fallback) - set(chargers):
            left, _ = loop.fallback.pop(charge_point_id)
            _to_clear(loop, charge_point_id, set(left), station=True)
        self._clear_departed(sender, loop, numbers)
        return installed

    def _clear_departed(
        self, sender: Sender, loop: LoopState, numbers: Mapping[str, list[int]]
    ) -> None:
        """Take our profiles off what left the model (EVSEs, chargers), unless it came back
        meanwhile; what the charger does not answer is tried again next run."""
        for charge_point_id, (pending, left) in sorted(loop.clearing.items()):
            in_model = set(numbers.get(charge_point_id, ()))
            evses = tuple(sorted(set(pending) - in_model))
            station = left and not in_model
            if not evses and not station:
                del loop.clearing[charge_point_id]
                continue
            loop.clearing[charge_point_id] = (evses, station)
            if sender.clear_layer(charge_point_id, evses, station):
                del loop.clearing[charge_point_id]

    def _send(
        self,
        sender: Sender,
        commands: list[LimitCommand],
        loop: LoopState,
        payloads: Mapping[str, PayloadFor],
    ) -> PlanResult:
        """Decreases, the settle time, then increases (none if a decrease was not taken)."""

        def send(part: list[LimitCommand], states: Mapping[str, ControlState]) -> PlanResult:
            mine = {c.evse_id: payloads[c.evse_id] for c in part if c.evse_id in payloads}
            return sender.send_plan(part, states, mine) if mine else sender.send_plan(part, states)

        decreases = [c for c in commands if c.decrease]
        increases = [c for c in commands if not c.decrease]
        first = send(decreases, loop.control) if decreases else PlanResult()
        if not increases:
            return first
        states = {**loop.control, **first.states}
        if first.reallocate:
            for c in increases:
                ref = EvseRef(c.evse_id, c.charge_point_id, c.evse_number)
                state = states.get(c.evse_id, ControlState())
                first.results.append(EvseResult(ref, "not_sent", state, command=c))
            return first
        if any(r.sent == "accepted" for r in first.results) and self.settle_s > 0:
            self.sleep(self.settle_s)
        second = send(increases, states)
        return PlanResult(first.results + second.results, first.unpublished + second.unpublished)

    def _wake_ups(
        self, loop: LoopState, moments: list[datetime | None], now: datetime
    ) -> list[datetime]:
        """The wake-ups to ask for, once each: every hold's end and `moments` (the grid
        limit's next change, the ends of the stability filter's waits) still to come."""
        wanted = {s.until for s in loop.control.values() if s.until is not None and s.until > now}
        wanted |= {m for m in moments if m is not None and m > now}
        loop.wake_ups = {w for w in loop.wake_ups if datetime.fromisoformat(w) > now}
        new = sorted(w for w in wanted if iso_utc(w) not in loop.wake_ups)
        loop.wake_ups |= {iso_utc(w) for w in new}
        return new


def _to_clear(loop: LoopState, charge_point_id: str, evses: set[int], station: bool) -> None:
    pending, was_station = loop.clearing.get(charge_point_id, ((), False))
    loop.clearing[charge_point_id] = (tuple(sorted(set(pending) | evses)), station or was_station)


def _renewed_needs(
    site: Site,
    target: Allocation,
    live: Mapping[EvseAddress, StoredLive],
    loop: LoopState,
    commands: list[LimitCommand],
) -> list[LimitCommand]:
    """The limit again, unchanged, for sessions whose needs arrived after it was last sent
    (NEEDS_AT_MS): the schedule goes out on the same profile id (at or below the limit, so
    it counts as a decrease)."""
    planned = {c.evse_id for c in commands}
    renewed: list[LimitCommand] = []
    for evse in site.evses:
        stored = live.get((evse.charge_point_id, evse.evse_id))
        needs_at = int(stored.live.get(NEEDS_AT_MS) or 0) if stored is not None else 0
        limit = target.limits.get(evse.id)
        if (
            evse.live.session_active
            and needs_at > loop.scheduled.get(evse.id, 0)
            and evse.id not in planned
            and limit is not None
        ):
            da = limit.limit_da
            renewed.append(LimitCommand(evse.id, evse.charge_point_id, evse.evse_id, da, da))
    return renewed


def _note_scheduled(
    loop: LoopState, site: Site, outcome: PlanResult, looked_up: set[str], now: datetime
) -> None:
    """Remember when each session's needs were last acted on; forget ended sessions."""
    for result in outcome.results:
        if result.sent == "accepted" and result.evse.evse_id in looked_up:
            loop.scheduled[result.evse.evse_id] = to_epoch_ms(now)
    in_session = {e.id for e in site.evses if e.live.session_active}
    for evse_id in [k for k in loop.scheduled if k not in in_session]:
        del loop.scheduled[evse_id]


def _filter_ends(site: Site, allocation: Allocation, rules: StabilityRules) -> list[datetime]:
    """When the stability filter may let an EVSE below its cap go up: the end of its
    hold-off (the end of its pause for a paused one). Without a wake-up then, an increase
    the filter held back would wait for the site's next event."""
    ends: list[datetime] = []
    for evse in site.evses:
        limit = allocation.limits.get(evse.id)
        if limit is None or limit.changed_at is None or limit.limit_da >= cap_da(evse):
            continue
        wait = rules.hold_off_s if limit.limit_da else rules.min_pause_s
        ends.append(limit.changed_at + timedelta(seconds=wait))
    return ends


def _returning_at_maximum(
    site: Site, previous: Allocation, control: Mapping[str, ControlState], now: datetime
) -> Allocation:
    """An EVSE back from a hold (its episode still open) is taken to hold its maximum, so
    that the plan lowers it before anything is raised (ADR 0049, rule 6)."""
    limits = dict(previous.limits)
    changed = False
    for evse in site.evses:
        state = control.get(evse.id)
        if state is None or not state.holds or not state.controllable(now):
            continue
        if not (evse.controllable and evse.live.session_active):
            continue
        worst = quantise_down(evse.max_current_a)
        before = limits.get(evse.id)
        if before is None or before.limit_da < worst:
            limits[evse.id] = EvseLimit(
                worst,
                before.changed_at if before else None,
                before.running_since if before else None,
            )
            changed = True
    return replace(previous, limits=limits) if changed else previous


def _as_sent(previous: Allocation, target: Allocation, outcome: PlanResult) -> Allocation:
    """The allocation to store: the target's limits where nothing had to be sent or the
    command was accepted; the previous limit (what the charger was last told) elsewhere."""
    not_taken = {
        r.evse.evse_id for r in outcome.results if r.command is not None and r.sent != "accepted"
    }
    limits: dict[str, EvseLimit] = {}
    for evse_id, limit in target.limits.items():
        if evse_id not in not_taken:
            limits[evse_id] = limit
        elif evse_id in previous.limits:
            limits[evse_id] = previous.limits[evse_id]
        # else: never told anything; the next plan assumes its default again
    return replace(target, limits=limits)


def _retry_held_sooner(control: dict[str, ControlState], now: datetime) -> None:
    """While the site is overloaded by reservations, a held EVSE is tried again in a minute:
    one that answers can be lowered (ADR 0049, rule 7)."""
    soon = now + OVERLOADED_RETRY
    for evse_id, state in control.items():
        if state.until is not None and state.until > soon:
            control[evse_id] = replace(state, until=soon)


def allocate_batch(records: Sequence[Mapping[str, Any]], run: Callable[[str], object]) -> list[str]:
    """A batch of the allocation queue (SQS records, in order): each site allocated once (a
    later request of a site in the same batch is the same work: its run reads everything
    stored by then). Answers the message ids not done, for SQS to deliver again: every
    message of a site whose run raised (FIFO: nothing of a group may pass a failed message).
    An unreadable message is dropped: no retry can read it."""
    sites: dict[str, list[str]] = {}
    for record in records:
        message_id = str(record.get("messageId", ""))
        try:
            site_id = json.loads(record["body"])["siteId"]
            if not isinstance(site_id, str) or not site_id:
                raise ValueError("no site")
        except (KeyError, TypeError, ValueError) as exc:
            logger.error("dropped an unreadable allocation request: %s", exc)
            continue
        sites.setdefault(site_id, []).append(message_id)
    failures: list[str] = []
    for site_id, message_ids in sites.items():
        try:
            run(site_id)
        except Exception:
            logger.exception("site allocation failed", extra={"siteId": site_id})
            failures.extend(message_ids)
    return failures
