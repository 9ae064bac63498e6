"""An operator's schedule of grid limits: recurring windows on days of the week, and dated
exceptions that replace a day's windows, in the site's time zone (docs/adr/0050).

Evaluated into GridSignal intervals over any span of time, so the resolver treats it like any
other source. Local times follow the zone's rules (tzdata), and the clock changes are read so
that the limit holds for every instant at which the wall clock is inside the window:

- a window belongs to the local day it starts on; an end at or before its start (22:00-06:00,
  an end of 00:00 or 24:00) is on the next day, so an end equal to the start is a whole day;
- a start that does not exist (spring forward: 02:30 in Europe/Berlin on the last Sunday of
  March) is the instant the clock jumps (03:00 CEST); an end that does not exist likewise;
- a start that happens twice (fall back: 02:30 on the last Sunday of October) is the first
  one, an end that happens twice the second one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.ports.grid_signals import GridSignal

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # date.weekday() order
SOURCE = "schedule"
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_WINDOWS = 100
MAX_EXCEPTIONS = 400


class ScheduleError(ValueError):
    """A schedule that cannot be: every problem at once, one sentence each (the operator API
    answers them as they are)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Window:
    """A limit from `start` to `end` (local wall-clock times) on the given days."""

    start: time
    end: time
    amps: tuple[float, float, float] | None = None
    watts: float | None = None
    days: frozenset[int] = frozenset(range(7))  # 0 = Monday

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "days": [DAYS[d] for d in sorted(self.days)],
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }
        if self.amps is not None:
            data["maxCurrent"] = dict(zip(("L1", "L2", "L3"), self.amps, strict=True))
        if self.watts is not None:
            data["maxPowerW"] = self.watts
        return data


@dataclass(frozen=True)
class DatedException:
    """On `day` (local) these windows replace the recurring ones; none: no limit that day."""

    day: date
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class OperatorSchedule:
    time_zone: str
    windows: tuple[Window, ...] = ()
    exceptions: tuple[DatedException, ...] = ()
    source: str = SOURCE
    _by_day: dict[date, DatedException] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_day", {e.day: e for e in self.exceptions})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def windows_on(self, day: date) -> tuple[Window, ...]:
        exception = self._by_day.get(day)
        if exception is not None:
            return exception.windows
        return tuple(w for w in self.windows if day.weekday() in w.days)

    def signals(self, start: datetime, end: datetime, received_at: datetime) -> list[GridSignal]:
        """The limits of every window that overlaps [start, end), in time order, each whole
        (not cut at start or end). `group` is the local day the window belongs to."""
        zone = self.zone
        first = start.astimezone(zone).date() - timedelta(days=1)  # yesterday's night window
        last = end.astimezone(zone).date()
        found: list[GridSignal] = []
        day = first
        while day <= last:
            for window in self.windows_on(day):
                begins = _instant(day, window.start, zone, first_occurrence=True)
                end_day = day + timedelta(days=1) if window.end <= window.start else day
                ends = _instant(end_day, window.end, zone, first_occurrence=False)
                if ends <= begins or ends <= start or begins >= end:
                    continue  # an end swallowed by a clock change, or outside the span
                found.append(
                    GridSignal(
                        source=self.source,
                        kind="import_limit",
                        start=begins,
                        end=ends,
                        received_at=received_at,
                        amps=window.amps,
                        watts=window.watts,
                        group=day.isoformat(),
                    )
                )
            day += timedelta(days=1)
        found.sort(key=lambda s: (s.start, s.end))
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "timeZone": self.time_zone,
            "windows": [w.to_dict() for w in self.windows],
            "exceptions": [
                {"date": e.day.isoformat(), "windows": [w.to_dict() for w in e.windows]}
                for e in self.exceptions
            ],
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = SOURCE) -> OperatorSchedule:
        """The API's spelling (see to_dict); a ScheduleError lists every problem."""
        problems: list[str] = []
        if not isinstance(data, Mapping):
            raise ScheduleError(["a schedule is an object"])
        zone_name = data.get("timeZone")
        if not isinstance(zone_name, str) or not _known_zone(zone_name):
            problems.append(f"timeZone {zone_name!r} is not a known IANA time zone")
        windows = _windows(data.get("windows", []), "windows", problems)
        exceptions: list[DatedException] = []
        raw_exceptions = data.get("exceptions", [])
        if not isinstance(raw_exceptions, list) or len(raw_exceptions) > MAX_EXCEPTIONS:
            problems.append(f"exceptions must be a list of at most {MAX_EXCEPTIONS}")
            raw_exceptions = []
        seen: set[date] = set()
        for i, item in enumerate(raw_exceptions):
            where = f"exceptions[{i}]"
            if not isinstance(item, Mapping):
                problems.append(f"{where} is not an object")
                continue
            try:
                day = date.fromisoformat(str(item.get("date")))
            except ValueError:
                problems.append(f"{where}.date {item.get('date')!r} is not a date (YYYY-MM-DD)")
                continue
            if day in seen:
                problems.append(f"{where}.date {day.isoformat()} appears twice")
            seen.add(day)
            day_windows = _windows(item.get("windows", []), f"{where}.windows", problems)
            exceptions.append(DatedException(day, tuple(w for w in day_windows)))
        if problems:
            raise ScheduleError(problems)
        return cls(str(zone_name), tuple(windows), tuple(exceptions), source)


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _windows(raw: Any, where: str, problems: list[str]) -> list[Window]:
    if not isinstance(raw, list) or len(raw) > MAX_WINDOWS:
        problems.append(f"{where} must be a list of at most {MAX_WINDOWS}")
        return []
    found: list[Window] = []
    for i, item in enumerate(raw):
        window = _window(item, f"{where}[{i}]", problems)
        if window is not None:
            found.append(window)
    return found


def _window(item: Any, where: str, problems: list[str]) -> Window | None:
    if not isinstance(item, Mapping):
        problems.append(f"{where} is not an object")
        return None
    before = len(problems)
    start = _clock(item.get("start"), f"{where}.start", problems)
    end = _clock(item.get("end"), f"{where}.end", problems)
    raw_days = item.get("days", list(DAYS))
    days: set[int] = set()
    if not isinstance(raw_days, list) or not raw_days:
        problems.append(f"{where}.days must be a non-empty list of {', '.join(DAYS)}")
    else:
        for d in raw_days:
            if d not in DAYS:
                problems.append(f"{where}.days: {d!r} is not one of {', '.join(DAYS)}")
            else:
                days.add(DAYS.index(d))
    amps = _amps(item.get("maxCurrent"), f"{where}.maxCurrent", problems)
    watts = item.get("maxPowerW")
    if watts is not None and not _non_negative(watts):
        problems.append(f"{where}.maxPowerW must be a number >= 0")
        watts = None
    if amps is None and watts is None and "maxCurrent" not in item and "maxPowerW" not in item:
        problems.append(f"{where} needs maxCurrent or maxPowerW")
    if len(problems) > before or start is None or end is None:
        return None
    return Window(start, end, amps, None if watts is None else float(watts), frozenset(days))


def _clock(value: Any, where: str, problems: list[str]) -> time | None:
    if isinstance(value, str) and value == "24:00":
        return time(0, 0)
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        problems.append(f"{where} {value!r} is not a time of day (HH:MM)")
        return None
    return time(int(match[1]), int(match[2]))


def _non_negative(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value >= 0
        and value < float("inf")
    )


def _amps(value: Any, where: str, problems: list[str]) -> tuple[float, float, float] | None:
    if value is None:
        return None
    if _non_negative(value):
        return (float(value), float(value), float(value))
    if isinstance(value, Mapping) and all(_non_negative(value.get(p)) for p in ("L1", "L2", "L3")):
        return (float(value["L1"]), float(value["L2"]), float(value["L3"]))
    problems.append(f"{where} must be a number >= 0 or {{L1, L2, L3}} of numbers >= 0")
    return None


def _instant(day: date, clock: time, zone: ZoneInfo, *, first_occurrence: bool) -> datetime:
    """The UTC instant of a local wall-clock time (see the module docstring for the clock
    changes)."""
    local = datetime.combine(day, clock).replace(tzinfo=zone, fold=0 if first_occurrence else 1)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None, fold=0) != local.replace(tzinfo=None, fold=0):
        return _jump(local, zone)  # the wall clock never shows this time that day
    return moment


def _jump(local: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clock jumps over a missing local time: between the two readings of it
    (pre- and post-transition offset), the first minute whose offset is the new one."""
    earlier = local.replace(fold=1).astimezone(UTC)
    later = local.replace(fold=0).astimezone(UTC)
    low, high = sorted((earlier, later))
    after = high.astimezone(zone).utcoffset()
    moment = low
    while moment < high and moment.astimezone(zone).utcoffset() != after:
        moment += timedelta(minutes=1)
    return moment
