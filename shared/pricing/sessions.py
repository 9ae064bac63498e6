"""The price of a charging session under one tariff version: a pure function of the tariff and
the session's usage (docs/adr/0020-tariffs-and-pricing.md).

Usage is a list of periods (from meter values: energy delivered, charging or parked). Each
period is cut at the tariff's local time-of-day and day boundaries (energy shared pro rata), and
each piece is priced per dimension by the first element that applies at its start. Volumes are
summed per (dimension, unit price) into lines; each line's volume is rounded up to whole steps
of its component's step size (OCPI rounds a dimension's total with the last element's step; per
line, the price never drops as a session goes on). Amounts are exact fractions until the end:
each line is rounded half up to minor units once, the total is the sum of the lines, tax is
rounded half up once on that total.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from shared.models.tariff import (
    DAYS_OF_WEEK,
    Dimension,
    PriceComponent,
    Restrictions,
    Tariff,
    TariffElement,
)

WH_PER_KWH = 1000
S_PER_HOUR = 3600


class UsageError(ValueError):
    pass


@dataclass(frozen=True)
class UsagePeriod:
    """A stretch of a session: `energy_wh` delivered over `duration_s` from `start` (aware),
    charging or parked (connected, not charging); `power_w` the highest power seen in it."""

    start: datetime
    duration_s: int
    energy_wh: int = 0
    charging: bool = True
    power_w: int | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise UsageError("a period's start must carry its time zone")
        if self.duration_s < 0 or self.energy_wh < 0:
            raise UsageError("a period's duration and energy are never negative")
        if self.energy_wh and not self.charging:
            raise UsageError("a parked period delivers no energy")

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration_s)


@dataclass(frozen=True)
class PriceLine:
    """One dimension at one unit price: the billed volume (Wh or seconds, 1 for FLAT) and its
    amount in minor units, excluding tax."""

    dimension: Dimension
    unit_price: int
    volume: int
    amount: int


@dataclass(frozen=True)
class SessionPrice:
    tariff_id: str
    tariff_version: int
    currency: str
    lines: tuple[PriceLine, ...]
    total_excl_tax: int
    tax: int
    total_incl_tax: int
    tax_rate_bp: int
    energy_wh: int
    charging_s: int
    parking_s: int


@dataclass
class _Volume:
    """Exact volume priced at one component, and when it was first used (the line order)."""

    component: PriceComponent
    volume: Fraction
    first_used: datetime


def price_session(tariff: Tariff, periods: Sequence[UsagePeriod]) -> SessionPrice:
    """The session's price; periods may come in any order but must not overlap."""
    ordered = sorted(periods, key=lambda p: p.start)
    for earlier, later in itertools.pairwise(ordered):
        if later.start < earlier.end:
            raise UsageError("usage periods overlap")
    volumes: dict[tuple[Dimension, int], _Volume] = {}
    energy = Fraction(0)
    duration = 0
    charging_s = parking_s = 0
    parked_so_far = 0
    if ordered:
        flat = _applicable(tariff, "FLAT", ordered[0], ordered[0].start, Fraction(0), 0)
        if flat is not None:
            volumes[("FLAT", 0)] = _Volume(flat, Fraction(1), ordered[0].start)
    for period in ordered:
        for start, seconds, wh in _pieces(tariff, period):
            if period.charging:
                used: tuple[tuple[Dimension, Fraction], ...] = (
                    ("ENERGY", wh),
                    ("TIME", Fraction(seconds)),
                )
                for dimension, volume in used:
                    component = _applicable(tariff, dimension, period, start, energy, duration)
                    _add(volumes, component, volume, start)
                charging_s += seconds
            else:
                component = _applicable(tariff, "PARKING_TIME", period, start, energy, duration)
                billable = seconds
                if component is not None:
                    free = max(0, component.grace_s - parked_so_far)
                    billable = max(0, seconds - free)
                _add(volumes, component, Fraction(billable), start)
                parking_s += seconds
                parked_so_far += seconds
            energy += wh
            duration += seconds
    lines = _lines(volumes)
    total = sum(line.amount for line in lines)
    tax = _round_half_up(Fraction(total * tariff.tax_rate_bp, 10_000))
    return SessionPrice(
        tariff_id=tariff.tariff_id,
        tariff_version=tariff.version,
        currency=tariff.currency,
        lines=lines,
        total_excl_tax=total,
        tax=tax,
        total_incl_tax=total + tax,
        tax_rate_bp=tariff.tax_rate_bp,
        energy_wh=sum(p.energy_wh for p in ordered),
        charging_s=charging_s,
        parking_s=parking_s,
    )


def with_tax(amount_excl_tax: int, tax_rate_bp: int) -> int:
    """A price as shown with tax (the same rounding as a session's total)."""
    return amount_excl_tax + _round_half_up(Fraction(amount_excl_tax * tax_rate_bp, 10_000))


def _add(
    volumes: dict[tuple[Dimension, int], _Volume],
    component: PriceComponent | None,
    volume: Fraction,
    at: datetime,
) -> None:
    if component is None or volume == 0:
        return
    key = (component.type, component.price)
    entry = volumes.get(key)
    if entry is None:
        volumes[key] = _Volume(component, volume, at)
    else:
        entry.volume += volume
        # Two components at one price: the larger step rounds (never the cheaper reading).
        if component.step_size > entry.component.step_size:
            entry.component = component


UNITS: dict[Dimension, int] = {
    "ENERGY": WH_PER_KWH,
    "TIME": S_PER_HOUR,
    "PARKING_TIME": S_PER_HOUR,
    "FLAT": 1,
}
ORDER: tuple[Dimension, ...] = ("FLAT", "ENERGY", "TIME", "PARKING_TIME")


def _lines(volumes: dict[tuple[Dimension, int], _Volume]) -> tuple[PriceLine, ...]:
    """One line per (dimension, price), in dimension order then first use; each line's volume
    rounded up to whole steps."""
    entries = sorted(volumes.values(), key=lambda e: (ORDER.index(e.component.type), e.first_used))
    lines: list[PriceLine] = []
    for entry in entries:
        component = entry.component
        step = 1 if component.type == "FLAT" else component.step_size
        billed = math.ceil(entry.volume / step) * step
        amount = _round_half_up(Fraction(billed * component.price, UNITS[component.type]))
        lines.append(PriceLine(component.type, component.price, billed, amount))
    return tuple(lines)


def _applicable(
    tariff: Tariff,
    dimension: Dimension,
    period: UsagePeriod,
    at: datetime,
    energy_so_far: Fraction,
    duration_so_far: int,
) -> PriceComponent | None:
    """The component of the first element that prices `dimension` and applies at `at`."""
    local = at.astimezone(tariff.zone)
    for element in tariff.elements:
        component = element.component(dimension)
        if component is not None and _holds(
            element, local, period.power_w, energy_so_far, duration_so_far
        ):
            return component
    return None


def _holds(
    element: TariffElement,
    local: datetime,
    power_w: int | None,
    energy_wh: Fraction,
    duration_s: int,
) -> bool:
    r: Restrictions = element.restrictions
    if r.days_of_week and DAYS_OF_WEEK[local.weekday()] not in r.days_of_week:
        return False
    if r.start_time is not None and r.end_time is not None:
        now = local.time().replace(tzinfo=None)
        if r.start_time < r.end_time:
            if not r.start_time <= now < r.end_time:
                return False
        elif r.end_time <= now < r.start_time:  # spans midnight
            return False
    if r.min_wh is not None and energy_wh < r.min_wh:
        return False
    if r.max_wh is not None and energy_wh >= r.max_wh:
        return False
    if r.min_duration_s is not None and duration_s < r.min_duration_s:
        return False
    if r.max_duration_s is not None and duration_s >= r.max_duration_s:
        return False
    if r.min_power_w is not None and (power_w is None or power_w < r.min_power_w):
        return False
    return not (r.max_power_w is not None and power_w is not None and power_w >= r.max_power_w)


def _pieces(tariff: Tariff, period: UsagePeriod) -> Iterator[tuple[datetime, int, Fraction]]:
    """The period cut at the tariff's local boundaries (restriction times and midnight):
    (start, seconds, energy in Wh pro rata)."""
    if period.duration_s == 0:
        yield period.start, 0, Fraction(period.energy_wh)
        return
    cuts = sorted(
        {b for b in _boundaries(tariff, period.start, period.end) if period.start < b < period.end}
    )
    edges = [period.start, *cuts, period.end]
    for start, end in itertools.pairwise(edges):
        seconds = (end - start) // timedelta(seconds=1)
        yield start, seconds, Fraction(period.energy_wh * seconds, period.duration_s)


def _boundaries(tariff: Tariff, start: datetime, end: datetime) -> Iterator[datetime]:
    times = {
        t
        for element in tariff.elements
        for t in (element.restrictions.start_time, element.restrictions.end_time)
        if t is not None
    }
    times.add(datetime.min.time())  # midnight: day-of-week restrictions change there
    zone = tariff.zone
    day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    while day <= last_day:
        for t in times:
            yield datetime.combine(day, t, tzinfo=zone).astimezone(UTC)
        day += timedelta(days=1)


def _round_half_up(value: Fraction) -> int:
    """Round to a whole minor unit, halves up (amounts are never negative)."""
    return int((value * 2 + 1) // 2)
