"""In-memory locations, charger claims and geo index: the DynamoDB adapter's rules
(conditional versions, one location per charger) over dicts."""

from __future__ import annotations

import threading
from collections.abc import Callable

from shared.adapters.dynamodb.paging import key_values
from shared.adapters.memory.paging import page_after
from shared.models.location import Location
from shared.ports import Page
from shared.ports.locations import GEOHASH_PRECISION, GeoEntry, SaveOutcome


class MemoryLocationRepository:
    def __init__(self, encode_geohash: Callable[[float, float, int], str]) -> None:
        self.records: dict[str, Location] = {}
        self.claims: dict[str, str] = {}  # charger -> location
        self.cell_reads: list[str] = []  # what searches asked the index for
        self._geohash = encode_geohash
        self._lock = threading.Lock()

    def get(self, location_id: str) -> Location | None:
        return self.records.get(location_id)

    def save(self, location: Location, previous: Location | None) -> SaveOutcome:
        with self._lock:
            stored = self.records.get(location.location_id)
            if (previous is None and stored is not None) or (
                previous is not None and (stored is None or stored.version != previous.version)
            ):
                return SaveOutcome(saved=False, stale=True)
            before = previous.charger_ids if previous else frozenset()
            claim = sorted(location.charger_ids - before)
            for charge_point_id in claim:
                owner = self.claims.get(charge_point_id, location.location_id)
                if owner != location.location_id:
                    return SaveOutcome(saved=False, taken=(charge_point_id, owner))
            for charge_point_id in before - location.charger_ids:
                self.claims.pop(charge_point_id, None)
            for charge_point_id in claim:
                self.claims[charge_point_id] = location.location_id
            self.records[location.location_id] = location
            return SaveOutcome(saved=True)

    def delete(self, location: Location) -> SaveOutcome:
        with self._lock:
            stored = self.records.get(location.location_id)
            if stored is None or stored.version != location.version:
                return SaveOutcome(saved=False, stale=True)
            del self.records[location.location_id]
            for charge_point_id in location.charger_ids:
                if self.claims.get(charge_point_id) == location.location_id:
                    del self.claims[charge_point_id]
            return SaveOutcome(saved=True)

    def owner_of(self, charge_point_id: str) -> str | None:
        return self.claims.get(charge_point_id)

    def in_cell(self, cell: str) -> list[GeoEntry]:
        self.cell_reads.append(cell)
        entries = []
        for location in self.records.values():
            point = location.coordinates
            if self._geohash(point.latitude, point.longitude, GEOHASH_PRECISION).startswith(cell):
                entries.append(
                    GeoEntry(
                        location.location_id,
                        point.latitude,
                        point.longitude,
                        location.offers(),
                        location.publish,
                    )
                )
        return entries

    def list_page(self, limit: int, cursor: str | None) -> Page[Location]:
        return page_after(
            list(self.records.values()),
            lambda location: {"locationId": location.location_id},
            ("locationId",),
            limit,
            key_values(cursor, ("locationId",)),
        )
