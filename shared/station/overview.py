"""The network at a glance for the operator console: chargers by state, today's energy, the
latest faults.

It reads the whole Chargers and Connectors tables (two Scans) and one item of the network's
energy ledger (today's, docs/adr/0034), and writes nothing. At 10,000 chargers one overview
reads about 1,800 read request units, whatever the hour: the console polls it every 60 s at
most, only while it is visible (docs/adr/0035-operator-console-queries.md).

Today's energy is the ledger's: sessions that stopped today (UTC), the same figure the energy
chart adds up per hour. Reading every session started today instead would cost a read unit
per session, several times the rest of the overview late in a busy day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shared.models.charger import ChargerRecord
from shared.models.connection import ConnectorStatus
from shared.ports import ChargerRepository, ConnectorRepository
from shared.ports.sessions import EnergyLedger
from shared.station.fleet import CHARGER_STATES, ChargerState, charger_state, is_charging, is_fault
from shared.timeutil import iso_utc

RECENT_FAULTS = 20


@dataclass(frozen=True)
class SessionCounts:
    charging: int
    stopped_today: int
    energy_today_wh: int


@dataclass(frozen=True)
class Overview:
    generated_at: str
    chargers_total: int
    by_state: dict[ChargerState, int]
    sessions: SessionCounts
    recent_faults: list[ConnectorStatus]


@dataclass
class NetworkOverview:
    chargers: ChargerRepository
    connectors: ConnectorRepository
    ledger: EnergyLedger
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
            sessions=self._sessions(now, statuses, records),
            recent_faults=faults[:RECENT_FAULTS],
        )

    def _sessions(
        self,
        now: datetime,
        statuses: dict[str, list[ConnectorStatus]],
        records: list[ChargerRecord],
    ) -> SessionCounts:
        """Connectors charging now (of online chargers), and the sessions that stopped today
        (UTC) with their energy, from the ledger's day."""
        day = now.strftime("%Y-%m-%d")
        today = self.ledger.network("day", day, day)
        charging = sum(
            is_charging(s) for r in records if r.online for s in statuses.get(r.charge_point_id, [])
        )
        return SessionCounts(
            charging=charging,
            stopped_today=sum(p.sessions for p in today),
            energy_today_wh=sum(p.energy_wh for p in today),
        )
