"""Properties of the session scheduler (docs/adr/0054-price-and-carbon-aware-scheduling.md):
checked against the request with its own arithmetic, and against a brute force over every
plan on the 0.1 A grid for small instances."""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.load_management.scheduling import (
    CarLimits,
    Headroom,
    Plan,
    Request,
    plan_session,
)

# Thousands of examples over the module; SCHEDULING_EXAMPLES=20000 searches longer by hand.
EXAMPLES = int(os.environ.get("SCHEDULING_EXAMPLES", "600"))
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow],
)

NOW = datetime(2026, 12, 7, 21, 7, 13, tzinfo=UTC)


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    value: float


@st.composite
def series(draw: st.DrawFn, start: datetime, count: int, *, gaps: bool = True) -> list[Slot]:
    """Consecutive slots of 1 to 90 minutes (arbitrary resolution), some left out (gaps),
    some negative (prices below zero)."""
    slots: list[Slot] = []
    at = start - timedelta(minutes=draw(st.integers(0, 30)))
    for _ in range(count):
        length = timedelta(minutes=draw(st.sampled_from([1, 5, 15, 15, 30, 60, 60, 90])))
        if not (gaps and draw(st.integers(0, 9)) == 0):
            slots.append(Slot(at, at + length, draw(st.integers(-50, 400)) / 1000))
        at += length
    return slots


@st.composite
def requests(draw: st.DrawFn) -> tuple[Request, list[Slot], list[Headroom]]:
    now = NOW + timedelta(
        seconds=draw(st.integers(0, 3600)), microseconds=draw(st.integers(0, 999_999))
    )
    departure = now + timedelta(minutes=draw(st.integers(5, 48 * 60)))
    slots = draw(series(now, draw(st.integers(0, 40))))
    headroom: list[Headroom] = []
    at = now - timedelta(minutes=draw(st.integers(0, 20)))
    for _ in range(draw(st.integers(0, 12))):
        length = timedelta(minutes=draw(st.integers(1, 240)), seconds=draw(st.integers(0, 59)))
        headroom.append(Headroom(at, at + length, draw(st.integers(0, 400)) / 10))
        at += length
    minimum = draw(st.sampled_from([6.0, 6.0, 0.1, 8.0, 10.0, 0.0]))
    maximum = draw(st.sampled_from([16.0, 32.0, 13.7, 6.0, 40.0]))
    car = CarLimits(
        max_current_a=draw(st.none() | st.integers(50, 400).map(lambda n: n / 10)),
        min_current_a=draw(st.none() | st.sampled_from([1.0, 6.0, 7.5])),
        max_power_w=draw(st.none() | st.integers(1_000, 22_000).map(float)),
        phases=draw(st.none() | st.sampled_from([1, 3])),
    )
    request = Request(
        now=now,
        departure=departure,
        energy_wh=draw(st.integers(1, 80_000)),
        min_current_a=minimum,
        max_current_a=maximum,
        phases=draw(st.sampled_from([1, 3])),
        voltage_v=draw(st.sampled_from([230.0, 220.0, 240.0])),
        car=car,
        max_periods=draw(st.sampled_from([1, 2, 3, 5, 10, 24, 1000])),
    )
    return request, slots, headroom


def bound_at(request: Request, headroom: list[Headroom], begin: datetime, end: datetime) -> float:
    """The highest limit allowed over [begin, end), computed from the request directly."""
    phases = min(request.phases, request.car.phases or request.phases)
    bound = request.max_current_a
    if request.car.max_current_a is not None:
        bound = min(bound, request.car.max_current_a)
    if request.car.max_power_w is not None:
        bound = min(bound, request.car.max_power_w / (request.voltage_v * phases))
    for room in headroom:
        if room.start < end and room.end > begin:
            bound = min(bound, room.amps)
    return bound


def stretches(plan: Plan) -> list[tuple[datetime, datetime, float]]:
    """Each period over [start, its end within the horizon)."""
    out = []
    for period, after in itertools.zip_longest(plan.periods, plan.periods[1:]):
        end = after.start if after is not None else plan.departure
        out.append((period.start, end, period.limit_a))
    return out


def delivered_wh(plan: Plan) -> float:
    return sum(
        limit * plan.voltage_v * plan.phases * (end - start).total_seconds() / 3600
        for start, end, limit in stretches(plan)
    )


@PROFILE
@given(requests())
def test_never_above_a_bound_and_zero_or_at_least_the_minimum(
    case: tuple[Request, list[Slot], list[Headroom]],
) -> None:
    request, slots, headroom = case
    plan = plan_session(request, slots, headroom)
    minimum = max(request.min_current_a, request.car.min_current_a or 0.0)
    for start, end, limit in stretches(plan):
        assert limit == round(limit, 1)  # whole tenths
        assert limit <= bound_at(request, headroom, start, end) + 1e-9
        assert limit == 0 or limit >= minimum - 1e-9


@PROFILE
@given(requests())
def test_energy_by_departure_when_feasible_else_as_fast_as_allowed(
    case: tuple[Request, list[Slot], list[Headroom]],
) -> None:
    request, slots, headroom = case
    plan = plan_session(request, slots, headroom)
    assert plan.periods[0].start == request.now
    assert all(a.start < b.start for a, b in itertools.pairwise(plan.periods))
    assert plan.periods[-1].start < request.departure
    assert math.isclose(delivered_wh(plan), plan.energy_wh, rel_tol=1e-9, abs_tol=1e-6)
    if plan.feasible:
        assert plan.energy_wh >= request.energy_wh - 1e-6
        assert plan.reason == ""
    else:
        assert plan.energy_wh < request.energy_wh
        assert "cannot be delivered by departure" in plan.reason
        if request.max_periods >= 1000:
            # every period at the highest limit allowed all through it, or paused where that
            # is below the minimum
            minimum = max(request.min_current_a, request.car.min_current_a or 0.0)
            for start, end, limit in stretches(plan):
                top = math.floor(bound_at(request, headroom, start, end) * 10 + 1e-9) / 10
                assert limit >= top or (limit == 0 and top < minimum)


@PROFILE
@given(requests())
def test_never_more_periods_than_allowed(case: tuple[Request, list[Slot], list[Headroom]]) -> None:
    request, slots, headroom = case
    plan = plan_session(request, slots, headroom)
    assert 1 <= len(plan.periods) <= request.max_periods


@st.composite
def small_requests(draw: st.DrawFn) -> tuple[Request, list[Slot]]:
    """Three slots on whole seconds, bounds that leave few levels: brute-forceable."""
    now = NOW.replace(microsecond=0)
    slots: list[Slot] = []
    at = now
    for _ in range(3):
        length = timedelta(seconds=draw(st.sampled_from([60, 120, 300, 900, 1800])))
        slots.append(Slot(at, at + length, draw(st.integers(-5, 50)) / 100))
        at += length
    minimum, maximum = draw(st.sampled_from([(6.0, 8.0), (6.0, 7.0), (0.1, 1.5), (1.0, 2.5)]))
    phases = draw(st.sampled_from([1, 3]))
    capacity = maximum * 230 * phases * (at - now).total_seconds() / 3600
    request = Request(
        now=now,
        departure=at,
        energy_wh=draw(st.integers(1, max(1, int(capacity)))),
        min_current_a=minimum,
        max_current_a=maximum,
        phases=phases,
        max_periods=1000,
    )
    return request, slots


def taken_cost(
    need_wh: float, choice: tuple[int, ...], per_da: list[float], slots: list[Slot]
) -> float:
    """What the car pays: the plan in time order until the need is met (a full car stops)."""
    cost, left = 0.0, need_wh
    for level, energy, slot in zip(choice, per_da, slots, strict=True):
        taken = min(level * energy, max(left, 0.0))
        cost += taken * slot.value / 1000
        left -= taken
    return cost


def brute_force_cost(request: Request, slots: list[Slot]) -> float:
    low, high = round(request.min_current_a * 10), round(request.max_current_a * 10)
    levels = [0, *range(max(low, 1), high + 1)]
    per_da = [230 * request.phases * (s.end - s.start).total_seconds() / 36_000 for s in slots]
    best = math.inf
    for choice in itertools.product(levels, repeat=len(slots)):
        energy = sum(c * e for c, e in zip(choice, per_da, strict=True))
        if energy < request.energy_wh - 1e-9:
            continue
        best = min(best, taken_cost(request.energy_wh, choice, per_da, slots))
    return best


@settings(PROFILE, max_examples=max(50, EXAMPLES // 3))
@given(small_requests())
def test_no_cheaper_plan_on_the_grid(case: tuple[Request, list[Slot]]) -> None:
    request, slots = case
    plan = plan_session(request, slots)
    assert plan.feasible
    # up to the cost of one quantum in each slot, and of the need rounded up to a whole
    # deciampere-second
    slack = sum(
        0.1 * 230 * request.phases * (s.end - s.start).total_seconds() / 3600 * abs(s.value) / 1000
        for s in slots
    )
    rounding = max(abs(s.value) for s in slots) * 230 * request.phases / 36_000 / 1000
    assert plan.cost <= brute_force_cost(request, slots) + slack + rounding + 1e-12
