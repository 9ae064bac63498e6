"""The network's energy per UTC day or hour, every period of a range present (zeros included).

A session's energy counts in the day and hour it stopped (the energy rollup adds it once, on
TransactionStopped; docs/adr/0034-session-curves-and-network-energy.md): a session running
over midnight is all in the day of its stop, like the per-charger days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.ports import EnergyGranularity, EnergyLedger, EnergyPeriod
from shared.timeutil import parse_timestamp, utc_now

GRANULARITIES: tuple[EnergyGranularity, ...] = ("day", "hour")
# The widest range per request, in UTC days, and the default one (ending today).
MAX_DAYS: dict[EnergyGranularity, int] = {"day": 366, "hour": 7}
DEFAULT_DAYS: dict[EnergyGranularity, int] = {"day": 14, "hour": 7}


class EnergyRangeError(ValueError):
    """A range the report cannot serve; `field` names the query parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def hour_of(moment: datetime) -> str:
    """The hour period of a moment: YYYY-MM-DDTHH:00:00Z (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def stop_periods(stopped_at: str) -> tuple[str, str | None]:
    """(day, hour) a session stopped at counts in; the hour is None for a timestamp that does
    not read as one (the day is then its first ten characters, as the per-charger days)."""
    moment = parse_timestamp(stopped_at)
    if moment is None or moment.tzinfo is None:
        return stopped_at[:10], None
    return day_of(moment), hour_of(moment)


def periods(granularity: EnergyGranularity, first: date, last: date) -> list[str]:
    """Every period from the start of `first` to the end of `last` (UTC), oldest first."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if granularity == "day":
        return [d.isoformat() for d in days]
    return [
        hour_of(datetime.combine(d, time(hour), tzinfo=UTC)) for d in days for hour in range(24)
    ]


@dataclass(frozen=True)
class NetworkEnergyReport:
    granularity: EnergyGranularity
    first: date
    last: date
    items: list[EnergyPeriod]


@dataclass
class NetworkEnergy:
    ledger: EnergyLedger
    now: Callable[[], datetime] = utc_now

    def report(
        self,
        granularity: EnergyGranularity = "day",
        first: date | None = None,
        last: date | None = None,
    ) -> NetworkEnergyReport:
        if granularity not in GRANULARITIES:
            raise EnergyRangeError("query.granularity", "must be day or hour")
        widest = MAX_DAYS[granularity]
        span = timedelta(days=DEFAULT_DAYS[granularity] - 1)
        # A default window at either end of the calendar is clipped there, not overflowing.
        if last is None:
            today = self.now().astimezone(UTC).date()
            last = today if first is None else min(first, date.max - span) + span
        if first is None:
            first = max(last, date.min + span) - span
        if first > last:
            raise EnergyRangeError("query.from", "from must not be after to")
        if (last - first).days + 1 > widest:
            raise EnergyRangeError(
                "query.to", f"by {granularity}: at most {widest} days from from to to"
            )
        wanted = periods(granularity, first, last)
        stored = {p.period: p for p in self.ledger.network(granularity, wanted[0], wanted[-1])}
        items = [stored.get(period, EnergyPeriod(period, 0, 0)) for period in wanted]
        return NetworkEnergyReport(granularity, first, last, items)
