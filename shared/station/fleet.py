"""The fleet as the operator console sees it: one state per charger, derived from its
connection and its connectors' latest statuses, and a filtered listing of chargers with it.

Nothing here writes: the state is derived at read time from what the charger path already
stores (the charger record and the Connectors table), so the WebSocket path pays nothing for
it. A listing page reads, per charger on the page, one Query of its connectors and, unless the
caller filters by location, one GetItem of its location claim (docs/adr/0035).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from shared.models.charger import ChargerRecord, RegistrationStatus
from shared.models.connection import CHARGING_STATES, ConnectorStatus
from shared.ports import ChargerFilter, ChargerRepository, ConnectorRepository, LocationRepository
from shared.ports.paging import Page

ChargerState = Literal[
    "available", "occupied", "charging", "faulted", "unavailable", "offline", "unknown"
]
CHARGER_STATES: tuple[ChargerState, ...] = (
    "available",
    "occupied",
    "charging",
    "faulted",
    "unavailable",
    "offline",
    "unknown",
)

# A car draws (or may draw at any moment) energy: 1.6 says so in its status, 2.0.1 reports
# the connector Occupied and says so in its session's chargingState, kept on the connector
# (shared/station/charging_state.py, docs/adr/0035).
_CHARGING = CHARGING_STATES
_OCCUPIED = frozenset({"Preparing", "Finishing", "Reserved", "Occupied"})
_NO_ERROR = "NoError"

# Repository pages read per listing request at most, when filters leave a page short: the
# console gets a short page (with a cursor) rather than a request that reads on and on.
MAX_READS_PER_LISTING = 4


def is_fault(status: ConnectorStatus) -> bool:
    """Faulted, or any error code but NoError (1.6 reports errors while a connector still
    works, e.g. a Charging connector with a HighTemperature warning)."""
    return status.status == "Faulted" or status.error_code not in (None, _NO_ERROR)


def is_charging(status: ConnectorStatus) -> bool:
    """Delivering or paused mid-session: 1.6 Charging, SuspendedEV, SuspendedEVSE, or a 2.0.1
    Occupied connector whose session's chargingState is one of those."""
    return status.status in _CHARGING or (
        status.status == "Occupied" and status.charging_state in _CHARGING
    )


def _outlets(connectors: Sequence[ConnectorStatus]) -> list[ConnectorStatus]:
    """The connectors a car plugs into: not the 1.6 connector 0 (the whole charge point),
    unless it is all the charger reported."""
    outlets = [c for c in connectors if c.evse_id is not None or c.connector_id != 0]
    return outlets or list(connectors)


def charger_state(online: bool, connectors: Sequence[ConnectorStatus]) -> ChargerState:
    """The one state rule of the console, first match wins: offline, unknown (no status yet),
    faulted, charging, occupied, unavailable (every connector, or the 1.6 charge point as a
    whole via connector 0), available (at least one), else unknown."""
    if not online:
        return "offline"
    if not connectors:
        return "unknown"
    if any(is_fault(c) for c in connectors):
        return "faulted"
    statuses = {c.status for c in connectors}
    if any(is_charging(c) for c in connectors):
        return "charging"
    if statuses & _OCCUPIED:
        return "occupied"
    whole = [c for c in connectors if c.evse_id is None and c.connector_id == 0]
    if all(c.status == "Unavailable" for c in _outlets(connectors)) or any(
        c.status == "Unavailable" for c in whole
    ):
        return "unavailable"
    if "Available" in statuses:
        return "available"
    return "unknown"


def connector_order(status: ConnectorStatus) -> tuple[int, int]:
    return (status.evse_id or 0, status.connector_id)


@dataclass(frozen=True)
class FleetFilter:
    """What the console narrows the list to; None leaves a criterion out."""

    registration_status: RegistrationStatus | None = None
    online: bool | None = None
    state: ChargerState | None = None
    location_id: str | None = None
    vendor: str | None = None
    model: str | None = None
    text: str | None = None  # case-insensitive substring of the charger id
    tag: str | None = None

    def stored(self) -> ChargerFilter:
        """The part the Chargers table's read can apply itself."""
        return ChargerFilter(
            registration_status=self.registration_status,
            online=self.online,
            vendor=self.vendor,
            model=self.model,
            tag=self.tag,
        )


@dataclass(frozen=True)
class FleetEntry:
    record: ChargerRecord
    connectors: list[ConnectorStatus]
    state: ChargerState
    location_id: str | None = None


@dataclass
class Fleet:
    chargers: ChargerRepository
    connectors: ConnectorRepository
    locations: LocationRepository
    max_reads: int = MAX_READS_PER_LISTING

    def entry(self, record: ChargerRecord, connectors: Iterable[ConnectorStatus]) -> FleetEntry:
        ordered = sorted(connectors, key=connector_order)
        return FleetEntry(record, ordered, charger_state(record.online, ordered))

    def page(self, limit: int, cursor: str | None, where: FleetFilter) -> Page[FleetEntry]:
        """Up to `limit` matching chargers, in the Chargers table's order, and the cursor of
        the next page. Filters the table cannot apply (state, location, text) are applied to
        each page it returns: a page may come back short, even empty, with a cursor, but the
        cursor always continues right after the last charger read, so no match is skipped.
        Reads: at most `max_reads` table pages of at most `limit` chargers; per charger that
        passes the text and location filters, one Query of its connectors; per charger
        listed, one GetItem of its location claim (none when filtering by location: the
        location is read once)."""
        members: frozenset[str] | None = None
        if where.location_id is not None:
            location = self.locations.get(where.location_id)
            members = location.charger_ids if location is not None else frozenset()
            if not members:
                return Page([], None)  # nothing can match: no need to read the registry
        text = where.text.casefold() if where.text else None
        found: list[FleetEntry] = []
        for _ in range(self.max_reads):
            page = self.chargers.list_page(limit - len(found), cursor, where.stored())
            cursor = page.next_cursor
            for record in page.items:
                if text is not None and text not in record.charge_point_id.casefold():
                    continue
                if members is not None and record.charge_point_id not in members:
                    continue
                entry = self.entry(record, self.connectors.list_for(record.charge_point_id))
                if where.state is not None and entry.state != where.state:
                    continue
                location_id = (
                    where.location_id
                    if members is not None
                    else self.locations.owner_of(record.charge_point_id)
                )
                found.append(FleetEntry(entry.record, entry.connectors, entry.state, location_id))
            if cursor is None or len(found) >= limit:
                break
        return Page(found, cursor)
