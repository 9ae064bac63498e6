"""The port of locations: sites with their EVSEs, the charger -> location claims, and the
geo index the search reads (docs/adr/0022-locations-and-geo-search.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.models.location import Location
from shared.ports.paging import Page

# The geo index: partition = the geohash of this many characters (about 39 x 20 km at the
# equator); sort key = the geohash of GEOHASH_PRECISION (a few metres), so a search can also
# ask for a finer prefix of a partition.
INDEX_CELL_PRECISION = 4
GEOHASH_PRECISION = 9


@dataclass(frozen=True)
class GeoEntry:
    """A location as the geo index holds it: enough to measure and filter, nothing more."""

    location_id: str
    latitude: float
    longitude: float
    offers: dict[str, int]  # connector standard -> most power (W)
    publish: bool


@dataclass(frozen=True)
class SaveOutcome:
    """Whether a write happened; if not, why: the version moved on (`stale`) or a charger is
    claimed by another location (`taken_by`: charger -> location)."""

    saved: bool
    stale: bool = False
    taken: tuple[str, str] | None = None


class LocationRepository(Protocol):
    def get(self, location_id: str) -> Location | None: ...

    def save(self, location: Location, previous: Location | None) -> SaveOutcome:
        """Create `location` (previous None: only if the id is free) or replace `previous`
        (only if the stored version is still previous.version), and in the same atomic write
        claim the chargers it binds and release those `previous` bound and it does not."""
        ...

    def delete(self, location: Location) -> SaveOutcome:
        """Remove the location (only at `location.version`) and release its chargers."""
        ...

    def owner_of(self, charge_point_id: str) -> str | None:
        """The location a charger belongs to, if any."""
        ...

    def in_cell(self, cell: str) -> list[GeoEntry]:
        """The entries of one geohash cell of INDEX_CELL_PRECISION characters or more (an
        index read: never a scan)."""
        ...

    def list_page(self, limit: int, cursor: str | None) -> Page[Location]:
        """Locations by id; raises InvalidCursor for another listing's cursor."""
        ...


def cells_by_partition(cells: Sequence[str]) -> dict[str, list[str]]:
    """Cells grouped by their index partition (their first INDEX_CELL_PRECISION characters)."""
    grouped: dict[str, list[str]] = {}
    for cell in cells:
        grouped.setdefault(cell[:INDEX_CELL_PRECISION], []).append(cell)
    return grouped
