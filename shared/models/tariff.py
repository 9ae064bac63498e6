"""Tariffs, modelled on OCPI 2.2.1 Tariff semantics (docs/adr/0020-tariffs-and-pricing.md).

A tariff is an ordered list of elements; each element holds price components (one per
dimension at most) and restrictions saying when it applies. For each dimension, at each moment,
the first element whose restrictions hold and which prices that dimension applies. Money is in
integer minor units of the tariff's currency (cents for EUR), never floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Dimension = Literal["ENERGY", "TIME", "PARKING_TIME", "FLAT"]
DIMENSIONS: tuple[Dimension, ...] = ("ENERGY", "TIME", "PARKING_TIME", "FLAT")
DayOfWeek = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
DAYS_OF_WEEK: tuple[DayOfWeek, ...] = (
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
)
# What one unit of each dimension is: a kWh, an hour, an hour, a session.
UNIT_LABELS: dict[Dimension, str] = {
    "ENERGY": "kWh",
    "TIME": "hour",
    "PARKING_TIME": "hour",
    "FLAT": "session",
}
# ISO 4217 currencies with other than two minor-unit digits are refused rather than mispriced.
TWO_DIGIT_CURRENCY = re.compile(r"[A-Z]{3}")
ZERO_DIGIT_CURRENCIES = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "XAF", "XOF", "HUF"})
MAX_PRICE = 10**9  # minor units per unit: a sanity bound, far above any real tariff
MAX_TAX_RATE_BP = 10_000  # basis points: 100 %


class TariffError(ValueError):
    """A tariff that cannot price a session correctly; the message says which field."""


@dataclass(frozen=True)
class PriceComponent:
    """`price`: minor units per kWh (ENERGY), per hour (TIME, PARKING_TIME) or per session
    (FLAT), excluding tax. `step_size`: the billing block in Wh (ENERGY) or seconds (TIME,
    PARKING_TIME); ignored for FLAT. `grace_s` (PARKING_TIME only): idle seconds per session
    that are free, a common operator rule OCPI expresses with restrictions."""

    type: Dimension
    price: int
    step_size: int = 1
    grace_s: int = 0

    def __post_init__(self) -> None:
        if self.type not in DIMENSIONS:
            raise TariffError(f"unknown price component type {self.type!r}")
        if isinstance(self.price, bool) or not 0 <= self.price <= MAX_PRICE:
            raise TariffError(f"{self.type} price must be 0..{MAX_PRICE} minor units")
        if self.step_size < 1:
            raise TariffError(f"{self.type} step_size must be at least 1")
        if self.grace_s < 0 or (self.grace_s and self.type != "PARKING_TIME"):
            raise TariffError("grace_s is a non-negative PARKING_TIME setting")


@dataclass(frozen=True)
class Restrictions:
    """When an element applies; every given restriction must hold. Times of day are local to
    the tariff's time zone, `start_time` inclusive, `end_time` exclusive (an end before the start
    spans midnight); session energy and duration are the session's totals so far."""

    start_time: time | None = None
    end_time: time | None = None
    days_of_week: frozenset[DayOfWeek] = frozenset()
    min_wh: int | None = None
    max_wh: int | None = None
    min_duration_s: int | None = None
    max_duration_s: int | None = None
    min_power_w: int | None = None
    max_power_w: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.days_of_week) - set(DAYS_OF_WEEK)
        if unknown:
            raise TariffError(f"unknown days of week {sorted(unknown)}")
        for low, high, name in (
            (self.min_wh, self.max_wh, "wh"),
            (self.min_duration_s, self.max_duration_s, "duration_s"),
            (self.min_power_w, self.max_power_w, "power_w"),
        ):
            if (low is not None and low < 0) or (high is not None and high < 0):
                raise TariffError(f"min_{name}/max_{name} must not be negative")
            if low is not None and high is not None and low >= high:
                raise TariffError(f"min_{name} must be below max_{name}")
        if (self.start_time is None) != (self.end_time is None):
            raise TariffError("start_time and end_time come together")
        if self.start_time is not None and self.start_time == self.end_time:
            raise TariffError("start_time and end_time must differ")


@dataclass(frozen=True)
class TariffElement:
    components: tuple[PriceComponent, ...]
    restrictions: Restrictions = field(default_factory=Restrictions)

    def __post_init__(self) -> None:
        if not self.components:
            raise TariffError("an element prices at least one dimension")
        types = [c.type for c in self.components]
        if len(set(types)) != len(types):
            raise TariffError("an element prices each dimension at most once")

    def component(self, dimension: Dimension) -> PriceComponent | None:
        return next((c for c in self.components if c.type == dimension), None)


@dataclass(frozen=True)
class Tariff:
    """One version of a tariff. A new price is a new version; a session is priced with the
    version valid when it started (`valid_from`)."""

    tariff_id: str
    version: int
    currency: str
    tax_rate_bp: int  # basis points: 1900 is 19 %
    time_zone: str
    elements: tuple[TariffElement, ...]
    valid_from: datetime

    def __post_init__(self) -> None:
        if not TWO_DIGIT_CURRENCY.fullmatch(self.currency):
            raise TariffError(f"currency must be an ISO 4217 code, not {self.currency!r}")
        if self.currency in ZERO_DIGIT_CURRENCIES:
            raise TariffError(f"{self.currency} has no cents: not supported yet")
        if not 0 <= self.tax_rate_bp <= MAX_TAX_RATE_BP:
            raise TariffError("tax_rate_bp must be 0..10000 (0 to 100 %)")
        if self.version < 1:
            raise TariffError("version starts at 1")
        if not self.elements:
            raise TariffError("a tariff has at least one element")
        if self.valid_from.tzinfo is None:
            raise TariffError("valid_from must carry its time zone")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise TariffError(f"unknown time zone {self.time_zone!r}") from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def elements_document(elements: tuple[TariffElement, ...]) -> list[dict[str, object]]:
    """The elements as plain JSON values (stored with the version; OCPI-like field names)."""
    return [
        {
            "priceComponents": [
                {"type": c.type, "price": c.price, "stepSize": c.step_size, "graceS": c.grace_s}
                for c in element.components
            ],
            "restrictions": {
                key: value
                for key, value in {
                    "startTime": _hhmm(element.restrictions.start_time),
                    "endTime": _hhmm(element.restrictions.end_time),
                    "daysOfWeek": sorted(element.restrictions.days_of_week, key=DAYS_OF_WEEK.index),
                    "minWh": element.restrictions.min_wh,
                    "maxWh": element.restrictions.max_wh,
                    "minDurationS": element.restrictions.min_duration_s,
                    "maxDurationS": element.restrictions.max_duration_s,
                    "minPowerW": element.restrictions.min_power_w,
                    "maxPowerW": element.restrictions.max_power_w,
                }.items()
                if value not in (None, [])
            },
        }
        for element in elements
    ]


def elements_from_document(document: list[dict[str, Any]]) -> tuple[TariffElement, ...]:
    """The inverse of `elements_document`; TariffError for what no tariff could hold."""
    try:
        return tuple(
            TariffElement(
                tuple(
                    PriceComponent(c["type"], c["price"], c.get("stepSize", 1), c.get("graceS", 0))
                    for c in element["priceComponents"]
                ),
                Restrictions(
                    start_time=_time(element.get("restrictions", {}).get("startTime")),
                    end_time=_time(element.get("restrictions", {}).get("endTime")),
                    days_of_week=frozenset(element.get("restrictions", {}).get("daysOfWeek", ())),
                    min_wh=element.get("restrictions", {}).get("minWh"),
                    max_wh=element.get("restrictions", {}).get("maxWh"),
                    min_duration_s=element.get("restrictions", {}).get("minDurationS"),
                    max_duration_s=element.get("restrictions", {}).get("maxDurationS"),
                    min_power_w=element.get("restrictions", {}).get("minPowerW"),
                    max_power_w=element.get("restrictions", {}).get("maxPowerW"),
                ),
            )
            for element in document
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, TariffError):
            raise
        raise TariffError(f"not a tariff's elements: {exc}") from None


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value is not None else None
