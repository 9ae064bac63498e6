"""Charging sessions and energy for operators: listings of the network (newest first, within a
bounded window), by charger or by id tag; one session; energy per day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from shared.admin.errors import InvalidRequest, NotFound
from shared.models.transaction import TransactionRecord, TransactionStatus
from shared.ports import (
    ChargerRepository,
    EnergyDay,
    EnergyLedger,
    Page,
    SessionFilter,
    TransactionRepository,
)
from shared.timeutil import iso_utc, utc_now

MAX_ENERGY_DAYS = 366
DEFAULT_ENERGY_DAYS = 30
# The network's sessions are read one UTC day (index partition) at a time: a page reads at
# most this many days. Older sessions: a window further back (from/to).
MAX_NETWORK_DAYS = 31
DEFAULT_NETWORK_DAYS = 7
DEFAULT_NETWORK_SPAN = timedelta(days=DEFAULT_NETWORK_DAYS)


@dataclass(frozen=True)
class EnergyReport:
    charge_point_id: str
    first_day: str
    last_day: str
    days: list[EnergyDay]

    @property
    def energy_wh(self) -> int:
        return sum(d.energy_wh for d in self.days)

    @property
    def sessions(self) -> int:
        return sum(d.sessions for d in self.days)


@dataclass
class SessionReports:
    transactions: TransactionRepository
    chargers: ChargerRepository
    ledger: EnergyLedger
    now: Callable[[], datetime] = utc_now

    def page(
        self,
        limit: int,
        cursor: str | None,
        charge_point_id: str | None = None,
        id_tag: str | None = None,
        started_from: datetime | None = None,
        started_to: datetime | None = None,
        status: TransactionStatus | None = None,
    ) -> Page[TransactionRecord]:
        if started_from is not None and started_to is not None and started_from > started_to:
            raise InvalidRequest(
                "from is after to", [{"field": "query.from", "message": "must not be after to"}]
            )
        where = SessionFilter(
            # Stored timestamps are RFC 3339 UTC with milliseconds: compare in that form.
            started_from=iso_utc(started_from) if started_from else None,
            started_to=iso_utc(started_to) if started_to else None,
            status=status,
        )
        if id_tag is not None:
            # The id-tag index is the narrower read; a named charger becomes a filter.
            where = replace(where, charge_point_id=charge_point_id)
            return self.transactions.by_id_tag(id_tag, where, limit, cursor)
        if charge_point_id is not None:
            return self.transactions.by_charger(charge_point_id, where, limit, cursor)
        return self._network(where, started_from, started_to, limit, cursor)

    def _network(
        self,
        where: SessionFilter,
        started_from: datetime | None,
        started_to: datetime | None,
        limit: int,
        cursor: str | None,
    ) -> Page[TransactionRecord]:
        """Every charger's sessions, newest first, within a window of at most
        MAX_NETWORK_DAYS UTC days (default: the last DEFAULT_NETWORK_DAYS)."""
        last = started_to or self.now()
        # Clipped at the calendar's start rather than overflowing (a `to` in year 1).
        earliest = datetime.min.replace(tzinfo=UTC)
        first = started_from or max(last, earliest + DEFAULT_NETWORK_SPAN) - DEFAULT_NETWORK_SPAN
        if (last.astimezone(UTC).date() - first.astimezone(UTC).date()).days >= MAX_NETWORK_DAYS:
            raise InvalidRequest(
                f"sessions of all chargers: at most {MAX_NETWORK_DAYS} days per request",
                [
                    {
                        "field": "query.from",
                        "message": f"at most {MAX_NETWORK_DAYS} days before to "
                        "(or name a charger or an id tag)",
                    }
                ],
            )
        window = replace(where, started_from=iso_utc(first), started_to=iso_utc(last))
        return self.transactions.recent(window, limit, cursor)

    def get(self, charge_point_id: str, transaction_id: str) -> TransactionRecord:
        record = self.transactions.get(charge_point_id, transaction_id)
        if record is None:
            raise NotFound(f"session {transaction_id!r} of charger {charge_point_id!r} not found")
        return record

    def energy(
        self, charge_point_id: str, first: date | None = None, last: date | None = None
    ) -> EnergyReport:
        if self.chargers.get(charge_point_id) is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        today = self.now().date()
        span = timedelta(days=DEFAULT_ENERGY_DAYS - 1)
        # The default window around a date at either end of the calendar (0001-01-01,
        # 9999-12-31) is clipped there rather than overflowing.
        if last is None:
            last = today if first is None else min(first, date.max - span) + span
        if first is None:
            first = max(last, date.min + span) - span
        if first > last:
            raise InvalidRequest(
                "from is after to", [{"field": "query.from", "message": "must not be after to"}]
            )
        if (last - first).days + 1 > MAX_ENERGY_DAYS:
            raise InvalidRequest(
                f"at most {MAX_ENERGY_DAYS} days per request",
                [{"field": "query.to", "message": f"at most {MAX_ENERGY_DAYS} days after from"}],
            )
        days = self.ledger.days(charge_point_id, first.isoformat(), last.isoformat())
        return EnergyReport(charge_point_id, first.isoformat(), last.isoformat(), days)
