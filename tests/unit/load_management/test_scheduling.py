"""The session scheduler on the cases an operator asks about (the guide's "Scheduling by price
and carbon" numbers come from here)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from shared.grid_signals import Step
from shared.load_management.scheduling import (
    CarLimits,
    Headroom,
    Period,
    Request,
    ScheduleError,
    plan_session,
)

EVENING = datetime(2026, 12, 7, 18, tzinfo=UTC)
HOUR = timedelta(hours=1)


def hourly(start: datetime, values: Sequence[float | None]) -> list[Step]:
    return [
        Step(start + i * HOUR, start + (i + 1) * HOUR, value, "day-ahead", "EUR")
        for i, value in enumerate(values)
        if value is not None
    ]


# 18:00 to 07:00: dear in the evening, cheap after midnight
PRICES = [0.40, 0.38, 0.35, 0.30, 0.25, 0.22, 0.12, 0.10, 0.09, 0.10, 0.13, 0.20, 0.28]


def overnight(energy_wh: float, **changes: object) -> Request:
    fields: dict[str, object] = {
        "now": EVENING,
        "departure": EVENING + 13 * HOUR,
        "energy_wh": energy_wh,
        "min_current_a": 6.0,
        "max_current_a": 16.0,
        "phases": 3,
    }
    fields.update(changes)
    return Request(**fields)  # type: ignore[arg-type]


def test_the_energy_goes_into_the_cheapest_hours() -> None:
    # 16 A on three phases is 11,040 W: 30 kWh is two full hours at 0.09 and 0.10 (01:00,
    # 02:00) and 11.5 A in the next cheapest (03:00, 0.10; 00:00 at 0.12 comes after)
    plan = plan_session(overnight(30_000), hourly(EVENING, PRICES))
    assert plan.feasible
    assert plan.periods == (
        Period(EVENING, 0.0),
        Period(EVENING + 7 * HOUR, 16.0),
        Period(EVENING + 9 * HOUR, 11.5),
        Period(EVENING + 10 * HOUR, 0.0),
    )
    assert plan.energy_wh == pytest.approx(30_015)  # 11.5 A, not 11.4: never short
    # the car takes 30,000 Wh of the 30,015: 11,040 at 0.09, 11,040 at 0.10, 7,920 at 0.10
    assert plan.cost == pytest.approx(2.8896, abs=1e-4)


def test_when_the_need_cannot_be_met_it_charges_as_fast_as_allowed_and_says_so() -> None:
    plan = plan_session(overnight(200_000), hourly(EVENING, PRICES))
    assert not plan.feasible
    assert plan.periods == (Period(EVENING, 16.0),)
    assert plan.energy_wh == pytest.approx(11_040 * 13)
    assert plan.reason.startswith("56480 Wh cannot be delivered by departure")


def test_the_site_headroom_bounds_every_period() -> None:
    # the site gives this EVSE 10 A from 01:00 to 03:00: the plan spreads into dearer hours
    room = [Headroom(EVENING + 7 * HOUR, EVENING + 9 * HOUR, 10.0)]
    plan = plan_session(overnight(30_000), hourly(EVENING, PRICES), room)
    assert plan.feasible
    assert plan.periods == (
        Period(EVENING, 0.0),
        Period(EVENING + 6 * HOUR, 7.5),
        Period(EVENING + 7 * HOUR, 10.0),
        Period(EVENING + 9 * HOUR, 16.0),
        Period(EVENING + 10 * HOUR, 0.0),
    )


def test_below_the_minimum_a_slot_is_not_used() -> None:
    room = [Headroom(EVENING, EVENING + 13 * HOUR, 5.9)]
    plan = plan_session(overnight(1_000), hourly(EVENING, PRICES), room)
    assert not plan.feasible
    assert plan.periods == (Period(EVENING, 0.0),)


def test_the_cars_limits_count() -> None:
    # a car that takes 3.7 kW on one phase: 16 A at 230 V, whatever the EVSE could give
    car = CarLimits(max_current_a=32.0, max_power_w=3_700, phases=1)
    plan = plan_session(overnight(10_000, max_current_a=32.0, car=car), hourly(EVENING, PRICES))
    assert plan.phases == 1
    assert max(p.limit_a for p in plan.periods) == 16.0
    # a car whose own minimum is higher than the EVSE's
    car = CarLimits(min_current_a=10.0)
    plan = plan_session(overnight(5_000, car=car), hourly(EVENING, PRICES))
    assert all(p.limit_a == 0 or p.limit_a >= 10.0 for p in plan.periods)


def test_time_without_a_price_is_used_last() -> None:
    values: list[float | None] = [None] * 6 + PRICES[6:]
    plan = plan_session(overnight(30_000), hourly(EVENING, values))
    assert plan.unvalued_wh == 0
    assert plan.limit_at(EVENING + HOUR) == 0.0
    # with no price at all every hour is alike: the need is spread at the lowest limit that
    # delivers it (schedule_for does not schedule without prices or carbon)
    plan = plan_session(overnight(30_000), [])
    assert plan.feasible
    assert plan.periods == (Period(EVENING, 6.0),)
    assert plan.unvalued_wh == pytest.approx(plan.energy_wh)


def test_a_station_that_takes_one_period_gets_one() -> None:
    plan = plan_session(overnight(30_000, max_periods=1), hourly(EVENING, PRICES))
    assert len(plan.periods) == 1
    assert plan.feasible
    assert plan.periods[0].limit_a * 230 * 3 * 13 >= 30_000


def test_fewer_periods_cost_more_but_still_deliver() -> None:
    many = plan_session(overnight(60_000), hourly(EVENING, PRICES))
    two = plan_session(overnight(60_000, max_periods=2), hourly(EVENING, PRICES))
    assert len(two.periods) <= 2
    assert two.feasible
    # waiting until 01:00, then 14.5 A: 9.00 instead of 6.92 (0, 16 A from 00:00, 7 A at
    # 05:00, 0 from 06:00); waiting until 00:00 at 12.4 A would cost 8.73 (ADR 0054)
    assert two.periods == (Period(EVENING, 0.0), Period(EVENING + 7 * HOUR, 14.5))
    assert (round(many.cost, 2), round(two.cost, 2)) == (6.92, 9.00)
    three = plan_session(overnight(60_000, max_periods=3), hourly(EVENING, PRICES))
    assert len(three.periods) == 3 and round(three.cost, 2) == 7.40


def test_impossible_requests_are_refused_with_every_problem() -> None:
    naive = datetime(2026, 12, 7, 18)
    with pytest.raises(ScheduleError) as raised:
        plan_session(
            overnight(math.nan, min_current_a=-1.0, phases=4, max_periods=0, now=naive), []
        )
    assert raised.value.problems == [
        "now has no time zone",
        "the energy needed must be a finite number of Wh above 0",
        "the minimum current must be a finite number >= 0",
        "phases must be 1, 2 or 3",
        "at least one period must be allowed",
    ]
    with pytest.raises(ScheduleError, match="departure is not after now"):
        plan_session(overnight(1.0, departure=EVENING), [])
    with pytest.raises(ScheduleError, match="more than 48 hours ahead"):
        plan_session(overnight(1.0, departure=EVENING + 49 * HOUR), [])
    with pytest.raises(ScheduleError, match="car maximum power"):
        plan_session(overnight(1.0, car=CarLimits(max_power_w=-5)), [])
