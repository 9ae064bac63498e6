"""Price- and carbon-aware scheduling of one session (issue #18 point 6,
docs/adr/0054-price-and-carbon-aware-scheduling.md). Pure: values in, a plan out.

A session that says when it leaves and how much energy it needs is given per-period current
limits that deliver the energy by departure in the cheapest (or lowest-carbon) slots, within
what the site allows the EVSE in each period. The contract of `plan_session`:

- **Never above a bound.** Each period's limit is at most the headroom of every part of it
  (the site allocation's limit for this EVSE then; the EVSE's maximum where none is given),
  the EVSE's maximum, and the car's maximum current and power; whole tenths of an ampere,
  rounded down like the allocator's limits.
- **0 or at least the minimum** (the EVSE's, or the car's if higher, rounded up): below it a car
  pauses, so a limit between 0 and the minimum is never planned.
- **The energy by departure when it can be done, at the least cost.** Planned energy is the
  limit x the voltage x the phases x the time; the plan delivers at least the need (more only
  by rounding, or where a minimum forces it). Its cost is what the car takes, in time order
  until the need is met (a full car stops drawing), at each slot's value (price per kWh, or
  gCO2 per kWh). No plan on the 0.1 A grid within the same bounds costs less, up to the cost
  of one quantum in each slot (brute-forced on small instances by the tests: minimums make
  the exact optimum a knapsack). Time without a value costs more than any valued time and
  is used last. Among equal costs the plan that plans less energy wins: it leaves the site
  more room.
- **As fast as allowed otherwise.** When every period at its bound does not deliver the need,
  the plan is every period at its bound, `feasible` is False and `reason` says by how much it
  falls short.
- **At most `max_periods` periods** (the station's ChargingScheduleMaxPeriods, an EV's
  maxScheduleTuples): where the plan would change more often, neighbouring slots are merged
  (the merged slot's bound is the lowest of its parts, its value their time-weighted mean)
  and planned again; the least-cost claim then holds over the merged slots.
- **Departure respected.** Periods cover [now, departure); the last one holds past departure
  (until the per-site loop replaces the profile: the car may stay plugged in).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Literal, Protocol

from shared.smart_charging.site import DEFAULT_VOLTAGE_V, quantise_down, quantise_up

Objective = Literal["price", "carbon"]
OBJECTIVES: tuple[Objective, ...] = ("price", "carbon")

# A plan is asked for what is coming: more than two days ahead nobody publishes prices, and a
# departure further away is an error of the input, not a plan.
MAX_HORIZON = timedelta(hours=48)
# How far the search looks: the next cheapest slots tried as the marginal one, and rounds of
# local search. Bounded so a 48-hour series of quarter-hours plans in milliseconds; the
# brute-force comparison (ADR 0054) is what says these are enough.
_CANDIDATES = 6
_ROUNDS = 4
# OCPP's periods start at whole seconds from the schedule's start.
_SECOND = timedelta(seconds=1)


class ScheduleError(ValueError):
    """Inputs that cannot be planned: every problem, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Valued(Protocol):
    """A slot of a price or carbon series: `value` over [start, end)
    (shared.grid_signals.Step is one)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    @property
    def value(self) -> float: ...


@dataclass(frozen=True)
class Headroom:
    """What the site allows this EVSE over [start, end), per phase (A)."""

    start: datetime
    end: datetime
    amps: float


@dataclass(frozen=True)
class CarLimits:
    """What the car says it can take (NotifyEVChargingNeeds' AC or DC parameters); None: not
    known. `max_power_w` bounds the current per phase at the EVSE's voltage and phases."""

    max_current_a: float | None = None
    min_current_a: float | None = None
    max_power_w: float | None = None
    phases: int | None = None


@dataclass(frozen=True)
class Request:
    """One session's scheduling question. Times are aware; `now` < `departure`."""

    now: datetime
    departure: datetime
    energy_wh: float
    min_current_a: float
    max_current_a: float
    phases: int = 3
    voltage_v: float = DEFAULT_VOLTAGE_V
    car: CarLimits = field(default_factory=CarLimits)
    max_periods: int = 24

    def problems(self) -> list[str]:
        return [*self._time_problems(), *self._number_problems(), *self._car_problems()]

    def _time_problems(self) -> list[str]:
        found = [
            f"{name} has no time zone"
            for name, moment in (("now", self.now), ("departure", self.departure))
            if moment.tzinfo is None
        ]
        if found:
            return found
        if self.departure <= self.now:
            return ["departure is not after now"]
        if self.departure - self.now > MAX_HORIZON:
            return ["departure is more than 48 hours ahead"]
        return []

    def _number_problems(self) -> list[str]:
        checks = (
            (_positive(self.energy_wh), "the energy needed must be a finite number of Wh above 0"),
            (_at_least_0(self.min_current_a), "the minimum current must be a finite number >= 0"),
            (_positive(self.max_current_a), "the maximum current must be a finite number above 0"),
            (self.phases in (1, 2, 3), "phases must be 1, 2 or 3"),
            (_positive(self.voltage_v), "the voltage must be a finite number above 0"),
            (self.max_periods >= 1, "at least one period must be allowed"),
        )
        return [problem for ok, problem in checks if not ok]

    def _car_problems(self) -> list[str]:
        found = [
            f"the {name} must be a finite number >= 0"
            for name, value in (
                ("car maximum current", self.car.max_current_a),
                ("car minimum current", self.car.min_current_a),
                ("car maximum power", self.car.max_power_w),
            )
            if value is not None and not _at_least_0(value)
        ]
        if self.car.phases is not None and self.car.phases not in (1, 2, 3):
            found.append("the car's phases must be 1, 2 or 3")
        return found


def _positive(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def _at_least_0(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


@dataclass(frozen=True)
class Period:
    """From `start` on, at most `limit_a` per phase."""

    start: datetime
    limit_a: float


@dataclass(frozen=True)
class Plan:
    """The answer: `periods` in time order from the request's `now` (the first starts then),
    the planned energy, the cost of what the car takes of it (value x kWh, in time order until
    the need is met; `unvalued_wh` is planned where the series has no value), whether the
    need is met by departure, and why not."""

    periods: tuple[Period, ...]
    departure: datetime
    energy_wh: float
    cost: float
    unvalued_wh: float
    feasible: bool
    reason: str
    phases: int
    voltage_v: float

    def limit_at(self, moment: datetime) -> float:
        """The limit in force at `moment` (the first period's before it starts)."""
        current = self.periods[0].limit_a
        for period in self.periods:
            if period.start <= moment:
                current = period.limit_a
        return current


@dataclass(frozen=True)
class _Slot:
    """A stretch of [now, departure) with one value and one bound: seconds, deciamperes."""

    start: int  # seconds from now
    end: int
    value: float | None
    low: int  # the minimum, dA
    high: int  # the bound, dA (below `low`: unusable)
    seconds: int = field(init=False)  # a field, not a property: read millions of times

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", self.end - self.start)

    @property
    def usable(self) -> bool:
        return self.high >= self.low and self.high > 0


def plan_session(
    request: Request, series: Sequence[Valued], headroom: Sequence[Headroom] = ()
) -> Plan:
    """The least-cost plan for `request` over the price or carbon `series` within
    `headroom` (see the module docstring). Raises ScheduleError for impossible inputs."""
    problems = request.problems()
    if problems:
        raise ScheduleError(problems)
    phases = min(request.phases, request.car.phases or request.phases)
    slots = _slots(request, phases, series, headroom)
    # The need in deciampere-seconds (per phase): E [Wh] x 3600 x 10 / (V x phases).
    need = math.ceil(request.energy_wh * 36_000 / (request.voltage_v * phases) - 1e-9)
    levels = _plan(slots, need)
    if _period_count(slots, levels) <= request.max_periods:
        return _result(request, phases, slots, levels, need)
    # Too many changes: merge neighbouring slots until the plan fits, in two ways (neither
    # wins everywhere), and keep the cheaper.
    best: tuple[tuple[int, float], list[_Slot], list[int]] | None = None
    for weighed in (False, True):
        merged, merged_levels = slots, levels
        while (excess := _period_count(merged, merged_levels) - request.max_periods) > 0:
            merged = _merge(merged, merged_levels, excess, weighed=weighed)
            merged_levels = _plan(merged, need)
        key = (_shortfall(merged, merged_levels, need), _cost(merged, merged_levels, need))
        if best is None or key < best[0]:
            best = (key, merged, merged_levels)
    assert best is not None
    return _result(request, phases, best[1], best[2], need)


def _slots(
    request: Request, phases: int, series: Sequence[Valued], headroom: Sequence[Headroom]
) -> list[_Slot]:
    horizon = int((request.departure - request.now) / _SECOND)
    cuts = {0, horizon}
    moments = [m for s in series for m in (s.start, s.end)]
    moments += [m for h in headroom for m in (h.start, h.end)]
    for moment in moments:
        offset = int((moment - request.now) / _SECOND)
        if 0 < offset < horizon:
            cuts.add(offset)
    car = request.car
    bound = request.max_current_a
    if car.max_current_a is not None:
        bound = min(bound, car.max_current_a)
    if car.max_power_w is not None:
        bound = min(bound, car.max_power_w / (request.voltage_v * phases))
    low = quantise_up(max(request.min_current_a, car.min_current_a or 0.0))
    low = max(low, 1)  # a period that charges carries at least one quantum
    slots: list[_Slot] = []
    ordered = sorted(cuts)
    for left, right in pairwise(ordered):
        begin = request.now + left * _SECOND
        finish = request.now + right * _SECOND
        middle = begin + (finish - begin) / 2
        value = next((s.value for s in series if s.start <= middle < s.end), None)
        # Every headroom that touches the slot bounds it: a boundary rounded to the second
        # never lets a higher limit spill into a lower one.
        room = min((h.amps for h in headroom if h.start < finish and h.end > begin), default=bound)
        high = quantise_down(max(0.0, min(bound, room)))
        slots.append(_Slot(left, right, value, low, high))
    return slots


def _rank(slot: _Slot) -> tuple[int, float, int]:
    # cheapest first; time without a value after every valued one; then earliest
    return (slot.value is None, slot.value or 0.0, slot.start)


def _plan(slots: list[_Slot], need: int) -> list[int]:
    """Levels (dA) per slot: the least-cost ones that deliver `need` dA·s, or every slot at
    its bound when even that does not."""
    usable = [i for i, s in enumerate(slots) if s.usable]
    if sum(slots[i].high * slots[i].seconds for i in usable) < need:
        return [s.high if s.usable else 0 for s in slots]
    order = sorted(usable, key=lambda i: _rank(slots[i]))
    best: list[int] | None = None
    best_cost = math.inf
    # The cheapest slots at their bound, then one marginal slot (any of the others: a
    # shorter, dearer slot at its minimum can beat a long cheap one), the surplus shed from
    # the dearest chosen slots first.
    filled: list[int] = []
    delivered = 0
    for position, index in enumerate(order):
        for marginal in [None, *order[position : position + _CANDIDATES]]:
            levels = [0] * len(slots)
            for chosen in filled:
                levels[chosen] = slots[chosen].high
            got = delivered
            if marginal is not None:
                slot = slots[marginal]
                level = max(slot.low, min(slot.high, -(-(need - got) // slot.seconds)))
                levels[marginal] = level
                got += level * slot.seconds
            if got < need:
                continue
            levels = _tightened(slots, levels, need, got - need)
            cost = _cost(slots, levels, need)
            if cost < best_cost:
                best, best_cost = levels, cost
        if delivered >= need:
            break
        filled.append(index)
        delivered += slots[index].high * slots[index].seconds
    if best is None:  # every usable slot at its bound is exactly enough
        best = [0] * len(slots)
        for chosen in filled:
            best[chosen] = slots[chosen].high
    return _improve(slots, best, need, order)


def _improve(slots: list[_Slot], levels: list[int], need: int, order: list[int]) -> list[int]:
    """Local search over which slots charge: drop one, refill from the others cheapest first
    (and one more slot where they cannot), shed the surplus; keep what costs less, until
    nothing does. Minimums make the set of charging slots matter: three equal slots of 120,
    300 and 60 s and a need just above 300 s at 8 A are best met by the last two."""
    best_cost = _cost(slots, levels, need)
    for _ in range(_ROUNDS):
        found: list[int] | None = None
        # the dearest charging slots are the ones worth dropping
        for dropped in [i for i in order if levels[i]][-_CANDIDATES:]:
            for trial in _refills(slots, levels, need, order, dropped):
                cost = _cost(slots, trial, need)
                if cost < best_cost - 1e-12:
                    found, best_cost = trial, cost
        if found is None:
            return levels
        levels = found
    return levels


def _refills(
    slots: list[_Slot], levels: list[int], need: int, order: list[int], dropped: int
) -> list[list[int]]:
    base = list(levels)
    base[dropped] = 0
    got = sum(lv * s.seconds for s, lv in zip(slots, base, strict=True))
    for index in order:  # raise the charging slots, cheapest first
        if got >= need:
            break
        if base[index]:
            extra = min(slots[index].high - base[index], -(-(need - got) // slots[index].seconds))
            base[index] += extra
            got += extra * slots[index].seconds
    if got >= need:
        return [_tightened(slots, base, need, got - need)]
    trials = []
    spare = [i for i in order if not base[i] and i != dropped]
    for added in spare[:_CANDIDATES]:  # one more slot, among the cheapest unused
        slot = slots[added]
        trial = list(base)
        trial[added] = max(slot.low, min(slot.high, -(-(need - got) // slot.seconds)))
        more = got + trial[added] * slot.seconds
        if more >= need:
            trials.append(_tightened(slots, trial, need, more - need))
    return trials


def _tightened(slots: list[_Slot], levels: list[int], need: int, surplus: int) -> list[int]:
    """The plan with its surplus shed where that costs nothing more (a tighter plan leaves
    the site more room); as it was where shedding would move energy to dearer time."""
    shed = list(levels)
    _shed(slots, shed, surplus)
    return shed if _cost(slots, shed, need) <= _cost(slots, levels, need) else levels


def _shed(slots: list[_Slot], levels: list[int], surplus: int) -> None:
    """Take `surplus` dA·s back from the dearest charging slots first: a whole slot where it
    fits in the surplus, else down towards its minimum."""
    charging = sorted((i for i, lv in enumerate(levels) if lv), key=lambda i: _rank(slots[i]))
    for index in reversed(charging):
        slot = slots[index]
        whole = levels[index] * slot.seconds
        if whole <= surplus:
            levels[index] = 0
            surplus -= whole
            continue
        lower = min(levels[index] - slot.low, surplus // slot.seconds)
        levels[index] -= lower
        surplus -= lower * slot.seconds


def _taken(slots: list[_Slot], levels: list[int], need: int) -> list[int]:
    """What the car takes per slot (dA·s): the plan in time order until the need is met, then
    nothing (a full car stops drawing)."""
    taken = []
    left = need
    for slot, level in zip(slots, levels, strict=True):
        amount = min(level * slot.seconds, max(left, 0))
        taken.append(amount)
        left -= amount
    return taken


def _cost(slots: list[_Slot], levels: list[int], need: int) -> float:
    # what the car takes at its value; unvalued energy dearer than any (ranked last)
    taken = _taken(slots, levels, need)
    priced = sum(t * (s.value or 0.0) for s, t in zip(slots, taken, strict=True))
    unvalued = sum(t for s, t in zip(slots, taken, strict=True) if s.value is None)
    return priced + unvalued * 1e12


def _period_count(slots: list[_Slot], levels: list[int]) -> int:
    return 1 + sum(1 for a, b in pairwise(levels) if a != b)


def _shortfall(slots: list[_Slot], levels: list[int], need: int) -> int:
    return max(0, need - sum(lv * s.seconds for s, lv in zip(slots, levels, strict=True)))


def _merge(slots: list[_Slot], levels: list[int], count: int, *, weighed: bool) -> list[_Slot]:
    """Merge up to `count` pairs of neighbouring slots at a change of level, those that cost
    least to merge first, no slot in two pairs; each merge removes at most one change of
    level. What a merge costs: the gap between the two values (then the gap between their
    bounds, then their length); `weighed`: the smaller of the two slots' energy at their bound
    times how far its value is from the dearest value charged in (a short slot, or one priced
    like the margin, goes first)."""
    charged = [s.value for s, lv in zip(slots, levels, strict=True) if lv and s.value is not None]
    margin = max(charged, default=0.0)

    def weight(slot: _Slot) -> float:
        if slot.value is None:
            return math.inf
        return slot.high * slot.seconds * abs(slot.value - margin)

    def loss(i: int) -> tuple[float, int, int]:
        a, b = slots[i], slots[i + 1]
        if weighed:
            return (min(weight(a), weight(b)), 0, a.seconds + b.seconds)
        same_kind = (a.value is None) == (b.value is None)
        gap = abs((a.value or 0.0) - (b.value or 0.0)) if same_kind else math.inf
        return (gap, abs(a.high - b.high), a.seconds + b.seconds)

    changes = [i for i in range(len(slots) - 1) if levels[i] != levels[i + 1]]
    chosen: set[int] = set()
    for i in sorted(changes, key=loss):
        if len(chosen) == count:
            break
        if i - 1 not in chosen and i + 1 not in chosen:
            chosen.add(i)
    merged: list[_Slot] = []
    i = 0
    while i < len(slots):
        if i in chosen:
            a, b = slots[i], slots[i + 1]
            value: float | None = None
            if a.value is not None and b.value is not None:
                value = (a.value * a.seconds + b.value * b.seconds) / (a.seconds + b.seconds)
            merged.append(_Slot(a.start, b.end, value, a.low, min(a.high, b.high)))
            i += 2
        else:
            merged.append(slots[i])
            i += 1
    return merged


def _result(
    request: Request, phases: int, slots: list[_Slot], levels: list[int], need: int
) -> Plan:
    periods: list[Period] = []
    for slot, level in zip(slots, levels, strict=True):
        if periods and quantise_down(periods[-1].limit_a) == level:
            continue
        periods.append(Period(request.now + slot.start * _SECOND, level / 10))
    delivered = sum(lv * s.seconds for s, lv in zip(slots, levels, strict=True))
    to_wh = request.voltage_v * phases / 36_000
    unvalued = sum(lv * s.seconds for s, lv in zip(slots, levels, strict=True) if s.value is None)
    taken = _taken(slots, levels, need)
    cost = sum(t * to_wh / 1000 * (s.value or 0.0) for s, t in zip(slots, taken, strict=True))
    feasible = delivered >= need
    reason = (
        ""
        if feasible
        else f"{(need - delivered) * to_wh:.0f} Wh cannot be delivered by departure within "
        "the limits: charging as fast as allowed"
    )
    return Plan(
        periods=tuple(periods),
        departure=request.departure,
        energy_wh=delivered * to_wh,
        cost=cost,
        unvalued_wh=unvalued * to_wh,
        feasible=feasible,
        reason=reason,
        phases=phases,
        voltage_v=request.voltage_v,
    )
