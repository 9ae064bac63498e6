"""The network at a glance for the operator console: chargers by state, today's sessions and
energy, the latest faults.

It reads the whole Chargers and Connectors tables (two Scans) and today's sessions from the
ByStartDay index (docs/adr/0031), and writes nothing. Its cost grows with the fleet and the
day's sessions: at 10,000 chargers one overview costs about 7,400 read request units on
average (12,600 late in a UTC day), so the console polls it every 60 s at most, only while it
is visible (the figures: docs/adr/0035-operator-console-queries.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.models.connection import ConnectorStatus
from shared.models.transaction import TransactionRecord
from shared.ports import ChargerRepository, ConnectorRepository, SessionFilter
from shared.ports.sessions import TransactionRepository
from shared.station.fleet import CHARGER_STATES, ChargerState, charger_state, is_fault
from shared.timeutil import iso_utc

RECENT_FAULTS = 20
# Sessions per index page while counting a day's sessions.
SESSIONS_PAGE = 100


@dataclass(frozen=True)
class SessionCounts:
    active: int
    started_today: int
    energy_today_wh: int


@dataclass(frozen=True)
class Overview:
    generated_at: str
    chargers_total: int
    by_state: dict[ChargerState, int]
    sessions: SessionCounts
    recent_faults: list[ConnectorStatus]


def session_energy_wh(session: TransactionRecord) -> int:
    """A stopped session's energy, or an active one's so far (its latest register reading)."""
    if session.energy_wh is not None:
        return max(0, session.energy_wh)
    if session.stopped or session.last_meter_wh is None or session.meter_start_wh is None:
        return 0
    return max(0, session.last_meter_wh - session.meter_start_wh)


@dataclass
class NetworkOverview:
    chargers: ChargerRepository
    connectors: ConnectorRepository
    transactions: TransactionRepository
    now: Callable[[], datetime]

    def build(self) -> Overview:
        now = self.now()
        statuses: dict[str, list[ConnectorStatus]] = {}
        for status in self.connectors.list_all():
            statuses.setdefault(status.charge_point_id, []).append(status)
        records = self.chargers.list_all()
        states = Counter(
            charger_state(r.online, statuses.get(r.charge_point_id, [])) for r in records
        )
        # Statuses left behind by a deleted charger are not the network's faults.
        faults = [s for r in records for s in statuses.get(r.charge_point_id, []) if is_fault(s)]
        faults.sort(key=lambda s: s.received_at_ms, reverse=True)
        return Overview(
            generated_at=iso_utc(now),
            chargers_total=len(records),
            by_state={state: states.get(state, 0) for state in CHARGER_STATES},
            sessions=self._sessions(now),
            recent_faults=faults[:RECENT_FAULTS],
        )

    def _sessions(self, now: datetime) -> SessionCounts:
        """Today's sessions (UTC) in full, and yesterday's still active: a session that
        started before yesterday and never stopped is a lost stop, not a car charging."""
        today = now.strftime("%Y-%m-%dT00:00:00.000Z")
        yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00.000Z")
        started = active = energy = 0
        for session in self._started(SessionFilter(started_from=today, started_to=iso_utc(now))):
            started += 1
            energy += session_energy_wh(session)
            active += session.status == "active"
        before_today = iso_utc(datetime.fromisoformat(today[:-1]) - timedelta(milliseconds=1))
        active += sum(
            1
            for _ in self._started(
                SessionFilter(started_from=yesterday, started_to=before_today, status="active")
            )
        )
        return SessionCounts(active=active, started_today=started, energy_today_wh=energy)

    def _started(self, where: SessionFilter) -> Iterator[TransactionRecord]:
        cursor: str | None = None
        while True:
            page = self.transactions.recent(where, SESSIONS_PAGE, cursor)
            yield from page.items
            cursor = page.next_cursor
            if cursor is None:
                return
