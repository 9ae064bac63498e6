"""A discrete-event simulation of one site under load management (docs/adr/0049-site-simulation.md).

Pure and fast: no sockets, no clocks, one seeded random generator. It plays a site-day (or
any length) of what happens at a real site and checks the physics, not the model:

- cars arrive (Poisson), plug into a free EVSE, charge with the car model of
  `simulator/physics.py` (battery, state of charge, 1 or 3 phases, taper, full) and leave after
  their dwell time;
- the controller is the one of ADR 0046 run the way point 3 of issue #18 runs it: on session
  start/stop, connect/disconnect, rejections, grid changes and the end of a hold, never on
  meter values, debounced and serialised per site; it allocates (`allocate`, the stability
  filter inside) against the lowest grid limit within its look-ahead (ADR 0050), plans
  (`plan_commands`, decreases first) and sends the plan as ADR 0048's sender does (one
  command at a time, three attempts, then the EVSE held), waiting for the chargers to settle
  between the decreases and the increases;
- commands take time to arrive and chargers take time to obey; some chargers refuse commands
  for a while (the controller then reserves them at their worst case, ADR 0046) and some go
  offline (they keep their last limit; a car plugged in meanwhile starts under the default);
- the grid's import limit drops, announced ahead or not.

At every event the physical current per phase through every node is compared with the node's
limits and with the grid's limit in force. Between events no draw rises (a car's acceptance
only falls as it fills), so checking at events covers every instant.

A violation (ADR 0049): an instant when the physical draw through a node is above its
per-phase or power limit, or the root's above the grid's limit in force. One episode is
counted per constraint from the instant it goes over until it is back within. The exception
is a grid limit that drops with less notice than the controller's reaction time: the excess
in the first `reaction_time_s` after the drop is the controller reacting, reported as a
reaction time, not a violation; an announced drop (notice ≥ the reaction time) has none, and
an excess that outlasts the reaction time is a violation either way. An excess the chargers
the controller cannot lower cause by themselves is over-subscription, reported apart.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from shared.smart_charging.allocation import Allocation, EvseLimit
from shared.smart_charging.allocator import allocate
from shared.smart_charging.plan import LimitCommand, plan_commands
from shared.smart_charging.site import (
    PHASE_INDEX,
    PHASES,
    Evse,
    EvseLive,
    Node,
    Phase,
    PhaseCurrents,
    Site,
    quantise_down,
)
from shared.smart_charging.stability import StabilityRules
from simulator.physics import Car

EPOCH = datetime(2026, 6, 1, tzinfo=UTC)
_TOLERANCE_A = 1e-6


@dataclass(frozen=True)
class GridDrop:
    """The grid's import limit (A per phase at the root) from `start_s` to `end_s`, known to
    the controller from `announced_s` (= start_s: unannounced)."""

    start_s: float
    end_s: float
    limit_a: float
    announced_s: float

    @property
    def notice_s(self) -> float:
        return self.start_s - self.announced_s


@dataclass(frozen=True)
class Scenario:
    """What happens at the site; every rate is a mean of a Poisson process."""

    hours: float = 24.0
    arrivals_per_evse_hour: float = 0.12
    dwell_mean_h: float = 3.0
    one_phase_share: float = 0.3
    # The most a car takes per phase, drawn from these (16 A: 11 kW cars; 32 A: 22 kW ones).
    car_currents_a: tuple[float, ...] = (16.0, 32.0, 32.0)
    # Commands: time to reach the charger (its answer takes as long back), time for the
    # charger and the car to obey (IEC 61851: within 5 s), the sender's deadline for an
    # answer (ADR 0048: 15 s).
    send_s: tuple[float, float] = (0.2, 2.0)
    obey_s: tuple[float, float] = (1.0, 5.0)
    command_timeout_s: float = 15.0
    # A command is refused with this probability; for `persistent_refusal_share` of the
    # refusals the charger then refuses everything for `refusing_s` (a firmware state, a
    # full profile table), the others are one-offs a retry gets past.
    refusal_probability: float = 0.01
    persistent_refusal_share: float = 0.5
    refusing_s: float = 1800.0
    disconnects_per_evse_day: float = 0.5
    offline_mean_s: float = 600.0
    # A share of the links die silently: the platform hears of it only when a command times
    # out or the WebSocket idle timeout (10 min) closes the connection.
    silent_share: float = 0.5
    silent_detect_s: float = 600.0
    # Grid-limit drops: how many a day, to what fraction of the connection, for how long, and
    # the notice the grid gives (0: unannounced).
    drops_per_day: float = 2.0
    drop_fraction: tuple[float, float] = (0.5, 0.8)
    drop_duration_s: tuple[float, float] = (1800.0, 7200.0)
    drop_notice_s: float = 3600.0


@dataclass(frozen=True)
class Controller:
    """The load-management loop under test. The defaults are the design (ADR 0046, 0049);
    the switches break it on purpose, to show the simulation catches the breakage."""

    # The loop debounces 1 s (docs/adr/0051); ADR 0049's runs, and the seeds its broken
    # controllers are shown to be caught at, were made with 2 s (a slower reaction).
    debounce_s: float = 2.0
    # Announced grid limits starting within this are allocated against already (ADR 0050:
    # 5 minutes).
    look_ahead_s: float = 300.0
    # After the decreases are answered, how long before the increases go out: the slowest
    # charger-and-car response (IEC 61851: 5 s).
    settle_s: float = 5.0
    # ADR 0048: a command is tried `attempts` times (2 s, 4 s apart); then the EVSE is held
    # (its worst case reserved) for `reserved_s`, doubling with each hold in a row, at most
    # `max_hold_s`. While the reservations overload the site, held EVSEs are tried again
    # after `overload_retry_s` instead.
    attempts: int = 3
    reserved_s: float = 900.0
    max_hold_s: float = 4 * 3600.0
    overload_retry_s: float = 60.0
    rules: StabilityRules = field(default_factory=StabilityRules)
    decrease_first: bool = True
    reserve_unresponsive: bool = True
    # An EVSE coming back from a reservation is taken to draw its worst case until its first
    # command is answered (so that command is a decrease, sent first).
    worst_case_on_return: bool = True
    # When a decrease fails and the increases are not sent, the stored allocation goes back
    # to what those EVSEs were told (the next plan starts from it).
    store_as_sent: bool = True

    def reaction_time_s(self, scenario: Scenario, evses: int) -> float:
        """The longest from a grid change to every charger obeying the new allocation, with
        one charger that does not answer: the plan in flight it waits for, then the debounce
        and a plan (every EVSE's command one at a time, one of them given up on after its
        attempts, the settle time), then again for the allocation that reserves that EVSE."""
        backoffs = sum(min(30.0, 2.0 * 2.0**n) for n in range(self.attempts - 1))
        given_up = self.attempts * scenario.command_timeout_s + backoffs
        plan = evses * 2 * max(scenario.send_s) + given_up + self.settle_s
        return plan + 2 * (self.debounce_s + plan)


@dataclass
class Result:
    site_hours: float = 0.0
    evse_hours: float = 0.0
    # EVSE-hours with a car plugged in: what limit changes are counted against (an idle
    # EVSE gets no commands).
    session_hours: float = 0.0
    sessions: int = 0
    turned_away: int = 0
    energy_wh: float = 0.0
    allocations: int = 0
    # Events that asked for an allocation (several may make one, within the debounce): each
    # is one run of the loop's trigger.
    triggers: int = 0
    commands: int = 0
    refusals: int = 0
    timeouts: int = 0
    limit_changes: int = 0
    # Violations: episodes per constraint, their total duration and the largest excess.
    violations: Counter[str] = field(default_factory=Counter)
    violation_s: float = 0.0
    max_excess_a: float = 0.0
    # Excesses no controller could prevent: the chargers that take no profiles, are offline
    # or refuse commands draw more than the limit by themselves (an alert for the operator;
    # episodes per constraint).
    oversubscribed: Counter[str] = field(default_factory=Counter)
    # Unannounced (or short-notice) drops: how long the site stayed above the new limit.
    reaction_times_s: list[float] = field(default_factory=list)
    drops: int = 0
    announced_drops: int = 0
    overloaded_allocations: int = 0
    # Plans with decreases and increases: the increases wait for the decreases' answers and
    # the settle time (how often, and for how long in all).
    increase_waits: int = 0
    wait_s: float = 0.0
    # How long plans took to send, in all (one command at a time, retries included): the
    # time the sending loop is busy.
    sending_s: float = 0.0

    @property
    def violation_count(self) -> int:
        return sum(self.violations.values())

    def merge(self, other: Result) -> None:
        for name in (
            "site_hours",
            "evse_hours",
            "session_hours",
            "energy_wh",
            "violation_s",
            "wait_s",
            "sending_s",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in (
            "sessions",
            "turned_away",
            "allocations",
            "triggers",
            "commands",
            "refusals",
            "timeouts",
            "limit_changes",
            "drops",
            "announced_drops",
            "overloaded_allocations",
            "increase_waits",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.violations.update(other.violations)
        self.oversubscribed.update(other.oversubscribed)
        self.max_excess_a = max(self.max_excess_a, other.max_excess_a)
        self.reaction_times_s += other.reaction_times_s

    def summary(self) -> dict[str, Any]:
        evse_hours = self.evse_hours or 1.0
        reactions = sorted(self.reaction_times_s)
        waits = self.increase_waits
        return {
            "site_hours": round(self.site_hours, 1),
            "evse_hours": round(self.evse_hours, 1),
            "sessions": self.sessions,
            "turned_away": self.turned_away,
            "energy_kwh": round(self.energy_wh / 1000, 1),
            "violations": self.violation_count,
            "violations_by_constraint": dict(sorted(self.violations.items())),
            "violation_s": round(self.violation_s, 1),
            "max_excess_a": round(self.max_excess_a, 2),
            "oversubscribed": sum(self.oversubscribed.values()),
            "session_hours": round(self.session_hours, 1),
            "limit_changes_per_evse_hour": round(self.limit_changes / evse_hours, 3),
            "limit_changes_per_session_hour": round(
                self.limit_changes / (self.session_hours or 1.0), 3
            ),
            "commands_per_evse_day": round(self.commands / evse_hours * 24, 2),
            "allocations_per_site_hour": round(self.allocations / (self.site_hours or 1.0), 2),
            "triggers_per_site_hour": round(self.triggers / (self.site_hours or 1.0), 2),
            "refusals": self.refusals,
            "timeouts": self.timeouts,
            "drops": self.drops,
            "announced_drops": self.announced_drops,
            "overloaded_allocations": self.overloaded_allocations,
            "increase_waits_per_site_hour": round(waits / (self.site_hours or 1.0), 2),
            "mean_wait_s": round(self.wait_s / waits, 1) if waits else 0.0,
            "sending_s_per_allocation": round(self.sending_s / (self.allocations or 1), 2),
            "reaction_s_max": round(reactions[-1], 1) if reactions else None,
        }


def wandering_grid(
    seed: int,
    hours: float = 24.0,
    limits_a: tuple[float, float] = (72.0, 80.0),
    step_s: float = 900.0,
    notice_s: float = 1800.0,
) -> list[GridDrop]:
    """A grid limit that wanders: a new limit drawn from `limits_a` every `step_s` (a
    quarter-hourly schedule) after the first half hour, each announced `notice_s` ahead
    (steady inputs with noise)."""
    jitter = random.Random(seed)
    starts = [1800.0 + n * step_s for n in range(int((hours * 3600 - 1800.0) // step_s))]
    return [
        GridDrop(t, t + step_s, round(jitter.uniform(*limits_a), 1), t - notice_s) for t in starts
    ]


def example_site(
    evses: int = 12,
    site_id: str = "sim",
    connection_a: float = 100.0,
    circuit_a: float = 63.0,
    default_limit_a: float = 6.0,
    profileless: int | None = 5,
) -> Site:
    """A car park: a 100 A connection (69 kW), two 63 A circuits, 22 kW EVSEs rotated circuit
    by circuit, every fourth a 1-phase 7.4 kW wallbox spread over the phases, one that takes
    no profiles (16 A, `profileless`: its number; None: all take profiles); new sessions
    start under a 6 A default (TxDefaultProfile)."""
    rotations: tuple[tuple[Phase, ...], ...] = (("L1", "L2", "L3"), ("L2", "L3", "L1"))
    nodes = (
        Node("grid", None, PhaseCurrents.uniform(connection_a)),
        Node("c0", "grid", PhaseCurrents.uniform(circuit_a)),
        Node("c1", "grid", PhaseCurrents.uniform(circuit_a)),
    )
    items = []
    for n in range(evses):
        circuit = n % 2
        one_phase = n % 4 == 3
        phases: tuple[Phase, ...] = (PHASES[(n // 4) % 3],) if one_phase else rotations[circuit]
        items.append(
            Evse(
                id=f"E{n:02d}",
                node=f"c{circuit}",
                charge_point_id=f"CP{n:02d}",
                evse_id=1,
                phases=phases,
                max_current_a=32.0 if n != profileless else 16.0,
                accepts_profiles=n != profileless,
                default_limit_a=default_limit_a,
            )
        )
    return Site(site_id, nodes, tuple(items))


@dataclass
class _Charger:
    """An EVSE as the physics sees it."""

    evse: Evse
    obey_s: float
    online: bool = True
    refusing_until: float = -math.inf
    # The limit of the session's profile (None: the default applies), and what the power
    # electronics obey now.
    profile_a: float | None = None
    obeyed_a: float = 0.0
    car: Car | None = None
    soc: float = 0.0
    charged_to: float = 0.0
    departs_at: float = math.inf
    plugged_at: float = 0.0
    # Counts the sessions: a profile for an ended session is dropped (OCPP ties a TxProfile
    # to its transaction).
    session: int = 0

    def current_a(self) -> float:
        if self.car is None:
            return 0.0
        return self.car.drawn_a(self.soc, self.obeyed_a, self.evse.max_current_a)


@dataclass
class _Reaction:
    started: float
    within_since: float | None = None


@dataclass
class _Batch:
    """A plan being sent: the commands of the current phase still to go, the increases
    waiting for the decreases, whether a decrease was not taken."""

    before: Allocation
    queue: deque[LimitCommand]
    increases: list[LimitCommand]
    started: float
    increasing: bool = False
    failed: bool = False


class SiteSimulation:
    def __init__(
        self,
        site: Site,
        scenario: Scenario | None = None,
        controller: Controller | None = None,
        seed: int = 0,
        drops: list[GridDrop] | None = None,
    ) -> None:
        self.site = site
        self.scenario = scenario or Scenario()
        self.controller = controller or Controller()
        self.random = random.Random(seed)
        self.result = Result()
        self.now = 0.0
        self.end = self.scenario.hours * 3600
        self._events: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = 0
        self.chargers = {
            e.id: _Charger(e, self.random.uniform(*self.scenario.obey_s)) for e in site.evses
        }
        for charger in self.chargers.values():
            charger.obeyed_a = charger.evse.default_limit_a
        # The controller's view: live state per EVSE, reservations, the stored allocation.
        self.live = {e.id: EvseLive() for e in site.evses}
        self.reserved_until: dict[str, float] = {}
        # The session each EVSE's commands are for, as the controller knows it.
        self.session_seen = dict.fromkeys(self.chargers, 0)
        # Holds in a row per EVSE (ADR 0048 doubles the hold), and the chargers the platform
        # knows are offline (a command to one fails at once).
        self.holds_in_row: dict[str, int] = {}
        self.known_offline: set[str] = set()
        self.previous = Allocation()
        self.allocation_due: float | None = None
        self.batch: _Batch | None = None
        self.drops = drops if drops is not None else self._random_drops()
        self._prepare_checks()
        self._open: dict[str, float] = {}
        self._may_rise = True
        self._oversubscribed: set[str] = set()
        # Drops with too little notice, while the controller reacts: when each started, and
        # since when the root has been back within (None: still over).
        self._reacting: list[_Reaction] = []

    # ----- the run ---------------------------------------------------------------------

    def run(self) -> Result:
        scenario = self.scenario
        self._at(self._next_arrival(0.0), self._arrive)
        for evse in self.site.evses:
            rate = scenario.disconnects_per_evse_day / 86400
            if rate > 0:
                self._at(self.random.expovariate(rate), partial(self._disconnect, evse.id))
        for drop in self.drops:
            self._schedule_drop(drop)
        while self._events and self._events[0][0] <= self.end:
            when, _, action = heapq.heappop(self._events)
            self.now = when
            action()
            # A violation can only begin where a draw rises or a limit falls; once one is
            # open, every event is checked until it ends.
            if self._may_rise or self._open or self._oversubscribed or self._reacting:
                self._may_rise = False
                self._check()
        self.now = self.end
        self._advance_cars()
        self._close_open_violations()
        self.result.site_hours = self.end / 3600
        self.result.evse_hours = self.end / 3600 * len(self.site.evses)
        for charger in self.chargers.values():
            if charger.car is not None:
                self.result.session_hours += (self.end - charger.plugged_at) / 3600
        return self.result

    def _at(self, when: float, action: Callable[[], None]) -> None:
        self._sequence += 1
        heapq.heappush(self._events, (when, self._sequence, action))

    def _time(self) -> datetime:
        return EPOCH + timedelta(seconds=self.now)

    # ----- cars ------------------------------------------------------------------------

    def _next_arrival(self, after: float) -> float:
        rate = self.scenario.arrivals_per_evse_hour * len(self.site.evses) / 3600
        return after + self.random.expovariate(rate) if rate > 0 else math.inf

    def _arrive(self) -> None:
        self._at(self._next_arrival(self.now), self._arrive)
        free = [c for c in self.chargers.values() if c.car is None]
        if not free:
            self.result.turned_away += 1
            return
        charger = self.random.choice(free)
        one_phase = self.random.random() < self.scenario.one_phase_share
        car = Car(
            battery_wh=self.random.choice((40_000.0, 60_000.0, 80_000.0)),
            max_current_a=self.random.choice(self.scenario.car_currents_a),
            phases=1 if one_phase else 3,
            target_soc=self.random.choice((0.8, 0.9, 1.0)),
        )
        # A 3-phase car on a 1-phase EVSE charges on one phase.
        car = replace(car, phases=min(car.phases, len(charger.evse.phases)))
        self._advance_cars()
        charger.car, charger.soc, charger.charged_to = car, self.random.uniform(0.1, 0.6), self.now
        charger.session += 1
        charger.profile_a = None
        charger.obeyed_a = charger.evse.default_limit_a
        self._may_rise = True
        dwell = min(12.0, max(0.25, self.random.expovariate(1 / self.scenario.dwell_mean_h)))
        charger.departs_at = self.now + dwell * 3600
        charger.plugged_at = self.now
        self.result.sessions += 1
        self._at(charger.departs_at, partial(self._depart, charger.evse.id))
        if charger.online:
            self._session_started(charger.evse.id, car.phases)

    def _depart(self, evse_id: str) -> None:
        charger = self.chargers[evse_id]
        self.result.session_hours += (self.now - charger.plugged_at) / 3600
        self._advance_cars()
        charger.car = None
        charger.profile_a = None
        charger.obeyed_a = charger.evse.default_limit_a
        if charger.online:
            self._session_stopped(evse_id)

    def _advance_cars(self) -> None:
        for charger in self.chargers.values():
            if charger.car is None:
                continue
            seconds = self.now - charger.charged_to
            if seconds > 0:
                charger.soc, energy = charger.car.charge(
                    charger.soc, charger.obeyed_a, charger.evse.max_current_a, seconds
                )
                self.result.energy_wh += energy
            charger.charged_to = self.now

    # ----- the chargers' connection ------------------------------------------------------

    def _disconnect(self, evse_id: str) -> None:
        charger = self.chargers[evse_id]
        if charger.online:
            charger.online = False
            offline = self.random.expovariate(1 / self.scenario.offline_mean_s)
            self._at(self.now + offline, lambda: self._reconnect(evse_id))
            if self.random.random() < self.scenario.silent_share:
                detect = self.now + self.scenario.silent_detect_s
                self._at(detect, lambda: self._noticed_offline(evse_id))
            else:
                self.known_offline.add(evse_id)
                self._mark_unresponsive(evse_id)
        rate = self.scenario.disconnects_per_evse_day / 86400
        self._at(self.now + self.random.expovariate(rate), lambda: self._disconnect(evse_id))

    def _noticed_offline(self, evse_id: str) -> None:
        if not self.chargers[evse_id].online:
            self.known_offline.add(evse_id)
            if self.live[evse_id].responsive:
                self._mark_unresponsive(evse_id)

    def _reconnect(self, evse_id: str) -> None:
        charger = self.chargers[evse_id]
        charger.online = True
        self.known_offline.discard(evse_id)
        # The charger reports its connectors (StatusNotification / TransactionEvent replay).
        live = self.live[evse_id]
        if charger.car is not None and not live.session_active:
            self._session_started(evse_id, charger.car.phases)
        elif charger.car is None and live.session_active:
            self._session_stopped(evse_id)
        else:
            self._trigger()

    # ----- the controller's inputs ------------------------------------------------------

    def _session_started(self, evse_id: str, car_phases: int) -> None:
        self.session_seen[evse_id] = self.chargers[evse_id].session
        self.live[evse_id] = replace(
            self.live[evse_id],
            session_active=True,
            session_started_at=self._time(),
            car_phases=None,
        )
        # The first MeterValues tell the car's phases: the state changes, nothing is triggered.
        self._at(self.now + 60, lambda: self._phases_observed(evse_id, car_phases))
        self._trigger()

    def _phases_observed(self, evse_id: str, car_phases: int) -> None:
        if self.live[evse_id].session_active and self.chargers[evse_id].car is not None:
            self.live[evse_id] = replace(self.live[evse_id], car_phases=car_phases)

    def _session_stopped(self, evse_id: str) -> None:
        self.live[evse_id] = replace(
            self.live[evse_id], session_active=False, session_started_at=None, car_phases=None
        )
        self._trigger()

    def _mark_unresponsive(self, evse_id: str) -> None:
        if not self.controller.reserve_unresponsive:
            return
        self.live[evse_id] = replace(self.live[evse_id], responsive=False)
        holds = self.holds_in_row.get(evse_id, 0)
        self.holds_in_row[evse_id] = holds + 1
        hold = min(self.controller.max_hold_s, self.controller.reserved_s * 2**holds)
        self.reserved_until[evse_id] = self.now + hold
        self._at(self.reserved_until[evse_id], lambda: self._reservation_ends(evse_id))
        self._trigger()

    def _retry_reservations_soon(self) -> None:
        """The reservations alone overload the site (the allocation names it, the operator
        is alerted): the reserved EVSEs are tried again after `overload_retry_s`, not after
        the whole hold, since one that answers again can be lowered."""
        retry_at = self.now + self.controller.overload_retry_s
        for evse_id, until in list(self.reserved_until.items()):
            if until > retry_at:
                self.reserved_until[evse_id] = retry_at
                self._at(retry_at, partial(self._reservation_ends, evse_id))

    def _reservation_ends(self, evse_id: str) -> None:
        if self.reserved_until.get(evse_id, math.inf) > self.now:
            return
        if not self.chargers[evse_id].online:
            # Still offline: reserved until it is back.
            self.reserved_until[evse_id] = self.now + self.controller.reserved_s
            self._at(self.reserved_until[evse_id], lambda: self._reservation_ends(evse_id))
            return
        del self.reserved_until[evse_id]
        self.live[evse_id] = replace(self.live[evse_id], responsive=True)
        evse = self.chargers[evse_id].evse
        if self.controller.worst_case_on_return and self.live[evse_id].session_active:
            limits = dict(self.previous.limits)
            limits[evse_id] = EvseLimit(quantise_down(evse.max_current_a), self._time(), None)
            self.previous = replace(self.previous, limits=limits)
        self._trigger()

    # ----- the controller ---------------------------------------------------------------

    def _trigger(self) -> None:
        """An event for this site: allocate after the debounce (one allocation for all the
        events of the window), and not before the batch in flight is done."""
        self.result.triggers += 1
        if self.allocation_due is not None:
            return
        self.allocation_due = self.now + self.controller.debounce_s
        if self.batch is None:
            self._at(self.allocation_due, self._allocate)

    def _grid_limit(self) -> PhaseCurrents | None:
        """The lowest grid limit the controller knows of that is in force within its
        look-ahead."""
        horizon = self.now + self.controller.look_ahead_s
        known = [
            d.limit_a
            for d in self.drops
            if d.announced_s <= self.now and d.start_s <= horizon and d.end_s > self.now
        ]
        return PhaseCurrents.uniform(min(known)) if known else None

    def _model_site(self) -> Site:
        evses = tuple(replace(e, live=self.live[e.id]) for e in self.site.evses)
        return replace(self.site, evses=evses)

    def _allocate(self) -> None:
        self.allocation_due = None
        site = self._model_site()
        previous, rules = self.previous, self.controller.rules
        allocation = allocate(site, self._grid_limit(), previous, self._time(), rules)
        self.result.allocations += 1
        if allocation.overloaded:
            self.result.overloaded_allocations += 1
            self._retry_reservations_soon()
        commands = plan_commands(site, previous, allocation)
        self.previous = allocation
        if not commands:
            return
        decreases = [c for c in commands if c.decrease]
        increases = [c for c in commands if not c.decrease]
        if self.controller.decrease_first:
            self.batch = _Batch(previous, deque(decreases), increases, self.now)
        else:
            # Broken on purpose: increases first, nothing waited for.
            self.batch = _Batch(previous, deque(increases + decreases), [], self.now, True)
        self._send_next()

    def _send_next(self) -> None:
        """One command at a time, each answered or given up on before the next (ADR 0048's
        sender); the decreases first, then after the settle time the increases."""
        batch = self.batch
        assert batch is not None
        while batch.queue:
            command = batch.queue.popleft()
            live = self.live[command.evse_id]
            if live.responsive and live.session_active:  # a held EVSE or no session: skipped
                self._attempt(command, 1)
                return
        if not batch.increasing:
            batch.increasing = True
            if batch.failed:
                if self.controller.store_as_sent:
                    self._abandon(batch)
            elif batch.increases:
                batch.queue = deque(batch.increases)
                batch.increases = []
                # The decreases are answered; the increases wait for the chargers to settle.
                self.result.increase_waits += 1
                self.result.wait_s += self.now + self.controller.settle_s - batch.started
                self._at(self.now + self.controller.settle_s, self._send_next)
                return
        self._batch_done()

    def _attempt(self, command: LimitCommand, attempt: int) -> None:
        self.result.commands += 1
        charger = self.chargers[command.evse_id]
        session = self.session_seen[command.evse_id]
        answered = partial(self._answered, command, attempt)
        if command.evse_id in self.known_offline:
            self._at(self.now, partial(answered, None))  # the engine knows: fails at once
        elif not charger.online:
            self._at(self.now + self.scenario.command_timeout_s, partial(answered, None))
        else:
            there = self.random.uniform(*self.scenario.send_s)
            self._at(self.now + there, lambda: self._arrives(command, session, answered))

    def _arrives(
        self, command: LimitCommand, session: int, answered: Callable[[bool | None], None]
    ) -> None:
        charger = self.chargers[command.evse_id]
        back = self.random.uniform(*self.scenario.send_s)
        if not charger.online:
            there = self.now - back  # about when it was sent
            self._at(there + self.scenario.command_timeout_s, partial(answered, None))
            return
        refusing = self.now < charger.refusing_until
        if not refusing and self.random.random() < self.scenario.refusal_probability:
            refusing = True
            if self.random.random() < self.scenario.persistent_refusal_share:
                charger.refusing_until = self.now + self.scenario.refusing_s
                # When it answers again its draw counts as controllable: check then.
                self._at(charger.refusing_until, self._recheck)
        if not refusing and charger.car is not None and charger.session == session:
            limit = command.limit_a
            if limit != charger.profile_a:
                self.result.limit_changes += 1
            charger.profile_a = limit
            self._at(self.now + charger.obey_s, lambda: self._obey(command.evse_id, limit))
        self._at(self.now + back, partial(answered, not refusing))

    def _recheck(self) -> None:
        self._may_rise = True

    def _obey(self, evse_id: str, limit_a: float) -> None:
        charger = self.chargers[evse_id]
        if charger.car is None or charger.profile_a != limit_a:
            return  # the session ended, or a newer limit came since
        self._advance_cars()
        charger.obeyed_a = limit_a
        self._may_rise = True

    def _answered(self, command: LimitCommand, attempt: int, accepted: bool | None) -> None:
        """ADR 0048's rules: a failed attempt is retried after 2 s, 4 s ... until three
        failed; then the EVSE is held (its worst case reserved) and, for a decrease, the
        plan's increases are not sent."""
        evse_id = command.evse_id
        if accepted is None:
            self.result.timeouts += 1
        elif not accepted:
            self.result.refusals += 1
        batch = self.batch
        assert batch is not None
        live = self.live[evse_id]
        give_up = accepted or not self.controller.reserve_unresponsive or not live.session_active
        if accepted:
            self.holds_in_row[evse_id] = 0
        if give_up:
            self._send_next()
            return
        if attempt < self.controller.attempts:
            backoff = min(30.0, 2.0 * 2 ** (attempt - 1))
            self._at(self.now + backoff, lambda: self._attempt(command, attempt + 1))
            return
        if live.responsive:
            self._mark_unresponsive(evse_id)
        if not batch.increasing:
            batch.failed = True
        self._send_next()

    def _abandon(self, batch: _Batch) -> None:
        """A decrease failed: the increases are not sent, so the stored allocation goes back
        to what those EVSEs had (it must say what the chargers were told, not what was
        planned: the next plan starts from it)."""
        limits = dict(self.previous.limits)
        for command in batch.increases:
            before = batch.before.limits.get(command.evse_id)
            if before is None:
                limits.pop(command.evse_id, None)
            else:
                limits[command.evse_id] = before
        self.previous = replace(self.previous, limits=limits)
        batch.increases = []

    def _batch_done(self) -> None:
        if self.batch is not None:
            self.result.sending_s += self.now - self.batch.started
        self.batch = None
        if self.allocation_due is not None:
            self._at(max(self.now, self.allocation_due), self._allocate)

    # ----- the grid --------------------------------------------------------------------

    def _random_drops(self) -> list[GridDrop]:
        scenario = self.scenario
        rate = scenario.drops_per_day / 86400
        drops: list[GridDrop] = []
        at = 0.0
        connection = min(self.site.root.max_current.by_phase()) if self.site.root.max_current else 0
        while rate > 0 and connection > 0:
            at += self.random.expovariate(rate)
            if at >= self.end:
                break
            duration = self.random.uniform(*scenario.drop_duration_s)
            limit = round(connection * self.random.uniform(*scenario.drop_fraction), 1)
            drops.append(GridDrop(at, at + duration, limit, max(0.0, at - scenario.drop_notice_s)))
            at += duration
        return drops

    def _schedule_drop(self, drop: GridDrop) -> None:
        self.result.drops += 1
        if drop.notice_s >= self._reaction_time_s():
            self.result.announced_drops += 1
        # The controller hears of it when announced, and again when it enters the look-ahead
        # (the grid-signal loop's timer); the physics changes at its start and its end.
        # (The start first: an unannounced drop is heard of at the instant it starts.)
        self._at(drop.start_s, lambda: self._drop_starts(drop))
        self._at(drop.announced_s, self._trigger)
        self._at(max(drop.announced_s, drop.start_s - self.controller.look_ahead_s), self._trigger)
        self._at(drop.end_s, self._trigger)

    def _drop_starts(self, drop: GridDrop) -> None:
        self._may_rise = True
        self._trigger()
        if drop.notice_s < self._reaction_time_s():
            self._reacting.append(_Reaction(self.now))
            window = self._reaction_time_s()
            self._at(self.now + window, lambda: None)  # a check when the window closes

    def _reaction_time_s(self) -> float:
        return self.controller.reaction_time_s(self.scenario, len(self.site.evses))

    def _grid_in_force(self) -> float | None:
        limits = [d.limit_a for d in self.drops if d.start_s <= self.now < d.end_s]
        return min(limits) if limits else None

    # ----- the physics check -------------------------------------------------------------

    def _prepare_checks(self) -> None:
        site = self.site
        self._node_ids = [n.id for n in site.nodes]
        position = {node_id: i for i, node_id in enumerate(self._node_ids)}
        self._paths = {e.id: [position[n] for n in site.path(e.node)] for e in site.evses}
        self._root = position[site.root.id]

    def _used_phases(self, charger: _Charger) -> tuple[Phase, ...]:
        count = charger.car.phases if charger.car is not None else 0
        return charger.evse.phases[: min(count, len(charger.evse.phases))]

    def _uncontrolled(self, charger: _Charger) -> bool:
        """Whether the controller cannot lower this charger's draw now: it takes no profiles,
        is offline or refuses commands, or the controller holds it reserved after a refusal
        or a time-out (and is retrying it)."""
        return (
            not charger.evse.accepts_profiles
            or not charger.online
            or self.now < charger.refusing_until
            or not self.live[charger.evse.id].responsive
        )

    def _loads(self, uncontrolled_only: bool = False) -> list[list[float]]:
        self._advance_cars()
        loads = [[0.0, 0.0, 0.0] for _ in self._node_ids]
        for evse_id, charger in self.chargers.items():
            if uncontrolled_only and not self._uncontrolled(charger):
                continue
            current = charger.current_a()
            if current <= 0:
                continue
            phases = [PHASE_INDEX[p] for p in self._used_phases(charger)]
            for node in self._paths[evse_id]:
                for phase in phases:
                    loads[node][phase] += current
        return loads

    def _excesses(self, uncontrolled_only: bool = False) -> dict[str, float]:
        loads = self._loads(uncontrolled_only)
        grid = self._grid_in_force()
        over: dict[str, float] = {}
        for index, node in enumerate(self.site.nodes):
            load = loads[index]
            limits: list[float | None] = list(
                node.max_current.by_phase() if node.max_current else (None, None, None)
            )
            if index == self._root and grid is not None:
                limits = [grid if limit is None else min(limit, grid) for limit in limits]
            for phase, (amps, limit) in enumerate(zip(load, limits, strict=True)):
                if limit is not None and amps > limit + _TOLERANCE_A:
                    over[f"{node.id}/{PHASES[phase]}"] = amps - limit
            if node.max_power_w is not None:
                watts = sum(load) * node.voltage_v
                if watts > node.max_power_w + _TOLERANCE_A:
                    over[f"{node.id}/power"] = (watts - node.max_power_w) / node.voltage_v
        return over

    def _check(self) -> None:
        over = self._excesses()
        reacting = self._still_reacting(over)
        for name in list(self._open):
            if name not in over:
                self.result.violation_s += self.now - self._open.pop(name)
        beyond_control = self._excesses(uncontrolled_only=True) if over else {}
        for name, excess in over.items():
            if name.startswith(f"{self.site.root.id}/") and reacting:
                continue
            if name in beyond_control:
                # The chargers nothing can lower draw more than the limit by themselves.
                if name not in self._oversubscribed:
                    self.result.oversubscribed[name] += 1
                self._oversubscribed.add(name)
                continue
            if name not in self._open:
                self._open[name] = self.now
                self.result.violations[name] += 1
            self.result.max_excess_a = max(self.result.max_excess_a, excess)
        self._oversubscribed &= set(beyond_control)

    def _still_reacting(self, over: dict[str, float]) -> bool:
        """Whether an excess at the root is the controller still reacting to a drop with too
        little notice (within the reaction time after it). When the window closes its
        reaction time is recorded: from the drop until the root was last back within."""
        if not self._reacting:
            return False
        window = self._reaction_time_s()
        root_over = any(name.startswith(f"{self.site.root.id}/") for name in over)
        kept = []
        for reaction in self._reacting:
            if root_over:
                reaction.within_since = None
            elif reaction.within_since is None:
                reaction.within_since = self.now
            if self.now - reaction.started < window:
                kept.append(reaction)
            else:
                back = self.now if reaction.within_since is None else reaction.within_since
                self.result.reaction_times_s.append(back - reaction.started)
        self._reacting = kept
        return bool(kept)

    def _close_open_violations(self) -> None:
        for since in self._open.values():
            self.result.violation_s += self.now - since
        self._open.clear()


def simulate(
    site: Site,
    scenario: Scenario | None = None,
    controller: Controller | None = None,
    seed: int = 0,
    drops: list[GridDrop] | None = None,
) -> Result:
    """One seeded run of `scenario` at `site`."""
    return SiteSimulation(site, scenario, controller, seed, drops).run()
