"""Finding charging locations: near a point, or one by id, with live EVSE availability.

The two entry points the operator and driver APIs call:

- `LocationSearch.nearby(latitude, longitude, radius_m, filters, limit)`: locations within the
  radius, nearest first, each with its EVSEs' live status;
- `LocationSearch.detail(location_id)`: one location with the same, or None.

How (docs/adr/0022-locations-and-geo-search.md): the geohash cells covering the circle are read
from the geo index (one Query each, never a Scan); the entries are measured (haversine),
pre-filtered on what the index holds (connector standards and power) and sorted; only then are
the nearest locations read whole, with their chargers and connector statuses, until `limit`
match. With `available_now`, a page may come short when the nearest sites are all busy: at
most `max(3 * limit, 30)` candidates are examined.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shared.locations.availability import EvseStatus, evse_status
from shared.locations.geohash import covering_cells, distance_m
from shared.models.connection import ConnectorStatus
from shared.models.location import CONNECTOR_STANDARDS, Connector, Evse, Location
from shared.ports import ChargerRepository, ConnectorRepository
from shared.ports.locations import INDEX_CELL_PRECISION, GeoEntry, LocationRepository

MAX_RADIUS_M = 50_000
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
# Finer prefixes of the index partition are tried first while they need at most this many
# Queries; the partition precision itself may need up to MAX_CELLS.
FINE_CELLS = 9
MAX_CELLS = 64
FINEST_PRECISION = 6


class SearchError(ValueError):
    """A search that cannot be run as asked; the message says which argument."""


@dataclass(frozen=True)
class SearchFilters:
    """Every given filter must hold for one and the same EVSE: a connector of one of
    `standards` (any, when empty) delivering at least `min_power_w`, on an EVSE that is
    AVAILABLE when `available_now`. Unpublished locations only with `include_unpublished`
    (operators)."""

    standards: frozenset[str] = frozenset()
    min_power_w: int = 0
    available_now: bool = False
    include_unpublished: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.standards) - set(CONNECTOR_STANDARDS)
        if unknown:
            raise SearchError(f"unknown connector standards {sorted(unknown)}")
        if self.min_power_w < 0:
            raise SearchError("min_power_w must not be negative")

    def connector_matches(self, connector: Connector) -> bool:
        return (
            not self.standards or connector.standard in self.standards
        ) and connector.power_w >= self.min_power_w

    def offers_match(self, offers: dict[str, int]) -> bool:
        """Whether a location may hold a matching connector (exact for standard and power,
        which the index keeps as the most power per standard)."""
        if not self.standards and not self.min_power_w and not self.available_now:
            return True
        return any(
            (not self.standards or standard in self.standards) and power >= self.min_power_w
            for standard, power in offers.items()
        )


@dataclass(frozen=True)
class EvseAvailability:
    evse: Evse
    status: EvseStatus


@dataclass(frozen=True)
class LocationAvailability:
    """A location with the live status of each of its EVSEs (in the location's order), and
    its distance from the search centre in metres (None outside a search)."""

    location: Location
    evses: tuple[EvseAvailability, ...]
    distance_m: float | None = None

    @property
    def available_evses(self) -> int:
        return sum(1 for e in self.evses if e.status == "AVAILABLE")


@dataclass
class LocationSearch:
    locations: LocationRepository
    chargers: ChargerRepository
    connectors: ConnectorRepository

    def nearby(
        self,
        latitude: float,
        longitude: float,
        radius_m: float,
        filters: SearchFilters | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[LocationAvailability]:
        """Locations within `radius_m` metres of the point, nearest first (ties by id), at
        most `limit`; SearchError for arguments out of range."""
        filters = filters or SearchFilters()
        _check_point(latitude, longitude)
        if not (0 < radius_m <= MAX_RADIUS_M):
            raise SearchError(f"radius_m must be within 0..{MAX_RADIUS_M}")
        if not 1 <= limit <= MAX_LIMIT:
            raise SearchError(f"limit must be 1..{MAX_LIMIT}")
        candidates: dict[str, tuple[float, GeoEntry]] = {}
        for cell in search_cells(latitude, longitude, radius_m):
            for entry in self.locations.in_cell(cell):
                distance = distance_m(latitude, longitude, entry.latitude, entry.longitude)
                if (
                    distance <= radius_m
                    and (entry.publish or filters.include_unpublished)
                    and filters.offers_match(entry.offers)
                ):
                    candidates[entry.location_id] = (distance, entry)
        ordered = sorted(candidates.values(), key=lambda c: (c[0], c[1].location_id))
        results: list[LocationAvailability] = []
        for distance, entry in ordered[: max(3 * limit, 30)]:
            location = self.locations.get(entry.location_id)
            if location is None:  # deleted since the index was read
                continue
            found = self._with_availability(location, distance)
            if _matches(found, filters):
                results.append(found)
                if len(results) == limit:
                    break
        return results

    def detail(self, location_id: str) -> LocationAvailability | None:
        """The location with its EVSEs' live status; None if there is no such location."""
        location = self.locations.get(location_id)
        return None if location is None else self._with_availability(location, None)

    def _with_availability(
        self, location: Location, distance: float | None
    ) -> LocationAvailability:
        chargers = {cp: self.chargers.get(cp) for cp in sorted(location.charger_ids)}
        statuses: dict[str, list[ConnectorStatus]] = {
            cp: self.connectors.list_for(cp) for cp, record in chargers.items() if record
        }
        evses = tuple(
            EvseAvailability(
                evse,
                evse_status(
                    evse,
                    chargers.get(evse.binding.charge_point_id) if evse.binding else None,
                    statuses.get(evse.binding.charge_point_id, []) if evse.binding else [],
                ),
            )
            for evse in location.evses
        )
        return LocationAvailability(location, evses, distance)


def search_cells(latitude: float, longitude: float, radius_m: float) -> list[str]:
    """The geohash prefixes a search reads: the finest precision (down to the index
    partition's) that covers the circle in at most FINE_CELLS cells."""
    for precision in range(FINEST_PRECISION, INDEX_CELL_PRECISION, -1):
        cells = covering_cells(latitude, longitude, radius_m, precision)
        if len(cells) <= FINE_CELLS:
            return cells
    cells = covering_cells(latitude, longitude, radius_m, INDEX_CELL_PRECISION)
    if len(cells) > MAX_CELLS:
        raise SearchError("the radius is too large this close to a pole")
    return cells


def _matches(found: LocationAvailability, filters: SearchFilters) -> bool:
    if not filters.standards and not filters.min_power_w and not filters.available_now:
        return True
    return any(
        (not filters.available_now or e.status == "AVAILABLE")
        and any(filters.connector_matches(c) for c in e.evse.connectors)
        for e in found.evses
    )


def _check_point(latitude: float, longitude: float) -> None:
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise SearchError("latitude must be within -90..90")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise SearchError("longitude must be within -180..180")
