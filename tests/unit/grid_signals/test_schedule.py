"""An operator's schedule of limits, evaluated into signals, across clock changes."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.grid_signals import OperatorSchedule, ScheduleError, resolve_limit

# more with GRID_SIGNALS_EXAMPLES=5000 before a release
EXAMPLES = settings(max_examples=int(os.environ.get("GRID_SIGNALS_EXAMPLES", "300")), deadline=None)
BERLIN = ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)
CONNECTION = (63.0, 63.0, 63.0)


def schedule(
    *windows: dict[str, Any], exceptions: list[Any] | None = None, zone: str = "Europe/Berlin"
):
    return OperatorSchedule.from_dict(
        {"timeZone": zone, "windows": list(windows), "exceptions": exceptions or []}
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def spans(plan: OperatorSchedule, start: datetime, end: datetime) -> list[tuple[object, ...]]:
    return [(s.start, s.end, s.amps) for s in plan.signals(start, end, RECEIVED)]


def test_a_daily_evening_window_follows_the_local_clock_across_spring_forward() -> None:
    plan = schedule({"start": "17:00", "end": "20:00", "maxCurrent": 40})
    assert spans(plan, utc(2026, 3, 28), utc(2026, 3, 30)) == [
        (utc(2026, 3, 28, 16), utc(2026, 3, 28, 19), (40.0, 40.0, 40.0)),  # CET
        (utc(2026, 3, 29, 15), utc(2026, 3, 29, 18), (40.0, 40.0, 40.0)),  # CEST
    ]


def test_a_window_at_a_missing_time_starts_when_the_clock_jumps() -> None:
    # 29 March 2026, Berlin: 02:00 CET is followed by 03:00 CEST; 02:30 never happens
    plan = schedule({"start": "02:30", "end": "04:00", "maxCurrent": 16})
    [night] = spans(plan, utc(2026, 3, 29), utc(2026, 3, 29, 6))
    assert night[0] == utc(2026, 3, 29, 1)  # 03:00 CEST
    assert night[1] == utc(2026, 3, 29, 2)  # 04:00 CEST


def test_a_window_at_a_repeated_time_holds_over_both_readings() -> None:
    # 25 October 2026, Berlin: 03:00 CEST is followed by 02:00 CET; 02:00-02:59 happen twice
    plan = schedule({"start": "02:15", "end": "02:45", "maxCurrent": 16})
    [night] = spans(plan, utc(2026, 10, 24, 22), utc(2026, 10, 25, 6))
    assert night[0] == utc(2026, 10, 25, 0, 15)  # the first 02:15 (CEST)
    assert night[1] == utc(2026, 10, 25, 1, 45)  # the second 02:45 (CET)


def test_a_night_window_crosses_midnight_and_belongs_to_its_first_day() -> None:
    plan = schedule({"days": ["FR"], "start": "22:00", "end": "06:00", "maxPowerW": 11_000})
    # Friday 11 December 2026 22:00 CET to Saturday 06:00 CET
    found = plan.signals(utc(2026, 12, 7), utc(2026, 12, 14), RECEIVED)
    assert [(s.start, s.end, s.watts, s.group) for s in found] == [
        (utc(2026, 12, 11, 21), utc(2026, 12, 12, 5), 11_000.0, "2026-12-11")
    ]
    # asked from Saturday 01:00 on, the window that began on Friday is still there
    assert len(plan.signals(utc(2026, 12, 12, 0), utc(2026, 12, 12, 2), RECEIVED)) == 1


def test_weekly_windows_and_a_dated_exception_replacing_a_day() -> None:
    plan = schedule(
        {
            "days": ["MO", "TU", "WE", "TH", "FR"],
            "start": "07:00",
            "end": "09:00",
            "maxCurrent": 32,
        },
        {"days": ["SA", "SU"], "start": "00:00", "end": "24:00", "maxCurrent": 50},
        exceptions=[
            {
                "date": "2026-12-24",
                "windows": [{"start": "12:00", "end": "18:00", "maxCurrent": 20}],
            },
            {"date": "2026-12-25", "windows": []},
        ],
    )
    found = plan.signals(utc(2026, 12, 23), utc(2026, 12, 27), RECEIVED)
    assert [(s.group, s.start, s.end, s.amps) for s in found] == [
        ("2026-12-23", utc(2026, 12, 23, 6), utc(2026, 12, 23, 8), (32.0,) * 3),
        ("2026-12-24", utc(2026, 12, 24, 11), utc(2026, 12, 24, 17), (20.0,) * 3),
        ("2026-12-26", utc(2026, 12, 25, 23), utc(2026, 12, 26, 23), (50.0,) * 3),
        # Sunday's window starts at 00:00 CET, within the span asked (to 00:00 UTC)
        ("2026-12-27", utc(2026, 12, 26, 23), utc(2026, 12, 27, 23), (50.0,) * 3),
    ]


def test_the_schedule_feeds_the_resolver_like_any_source() -> None:
    plan = schedule(
        {"start": "17:00", "end": "20:00", "maxCurrent": {"L1": 40, "L2": 30, "L3": 40}}
    )
    signals = plan.signals(utc(2026, 12, 7), utc(2026, 12, 8), RECEIVED)
    at_1655 = resolve_limit(signals, utc(2026, 12, 7, 15, 55), CONNECTION)
    assert at_1655.amps == CONNECTION
    assert at_1655.allocator_amps == (40.0, 30.0, 40.0)  # within the 5 minute look-ahead
    assert resolve_limit(signals, utc(2026, 12, 7, 18), CONNECTION).sources[1] == "schedule"


def test_the_plain_form_round_trips() -> None:
    plan = schedule(
        {"days": ["MO"], "start": "17:00", "end": "20:00", "maxCurrent": 40, "maxPowerW": 20000},
        exceptions=[{"date": "2026-12-24", "windows": []}],
    )
    assert OperatorSchedule.from_dict(plan.to_dict()) == plan


def test_a_bad_schedule_lists_every_problem() -> None:
    with pytest.raises(ScheduleError) as caught:
        OperatorSchedule.from_dict(
            {
                "timeZone": "Mars/Olympus",
                "windows": [
                    {"start": "25:00", "end": "06:00", "maxCurrent": -1},
                    {"start": "06:00", "end": "06:00", "days": ["XX"], "maxCurrent": 10},
                    {"start": "06:00", "end": "07:00"},
                    "nope",
                ],
                "exceptions": [
                    {"date": "2026-02-30", "windows": []},
                    {"date": "2026-12-24"},
                    {"date": "2026-12-24"},
                ],
            }
        )
    assert caught.value.problems == [
        "timeZone 'Mars/Olympus' is not a known IANA time zone",
        "windows[0].start '25:00' is not a time of day (HH:MM)",
        "windows[0].maxCurrent must be a number >= 0 or {L1, L2, L3} of numbers >= 0",
        "windows[1].days: 'XX' is not one of MO, TU, WE, TH, FR, SA, SU",
        "windows[2] needs maxCurrent or maxPowerW",
        "windows[3] is not an object",
        "exceptions[0].date '2026-02-30' is not a date (YYYY-MM-DD)",
        "exceptions[2].date 2026-12-24 appears twice",
    ]
    with pytest.raises(ScheduleError, match="a schedule is an object"):
        OperatorSchedule.from_dict([])


zones = st.sampled_from(
    ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
)
clocks = st.times().map(lambda t: time(t.hour, t.minute))


@EXAMPLES
@given(zones, clocks, clocks, st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_every_instant_inside_a_window_on_the_wall_clock_is_covered(zone, start, end, day) -> None:
    plan = OperatorSchedule(zone, (_window(start, end),))
    tz = ZoneInfo(zone)
    begin = datetime.combine(day, time(0), tz).astimezone(UTC)
    signals = plan.signals(begin, begin + timedelta(days=2), RECEIVED)
    # walk a day in 10-minute steps (+1 minute, to hit 02:30-style edges off the hour too)
    for step in range(0, 24 * 6):
        moment = begin + timedelta(minutes=10 * step + 1)
        wall = moment.astimezone(tz).time()
        # across midnight, or the whole day when start == end
        inside = start <= wall < end if start < end else (wall >= start or wall < end)
        if inside:
            assert any(s.covers(moment) for s in signals), (moment, wall)
    # windows of one schedule never overlap themselves
    ordered = sorted(signals, key=lambda s: s.start)
    assert all(a.end is not None and a.end <= b.start for a, b in itertools.pairwise(ordered))


def _window(start: time, end: time):
    from shared.grid_signals import Window

    return Window(start, end, amps=(10.0, 10.0, 10.0))
