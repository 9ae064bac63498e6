"""Location administration: create, replace, delete, and bind chargers to EVSEs
(docs/adr/0022-locations-and-geo-search.md).

Every change names the version it replaces (or reads it first and writes conditionally on it):
two operators editing one site cannot overwrite each other silently, and the store claims the
chargers a location binds in the same write, so no charger is ever on two sites.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from shared.admin.errors import Conflict, InvalidRequest, NotFound
from shared.models.location import EvseBinding, Location, LocationError
from shared.ports import ChargerRepository, Page, TariffRepository
from shared.ports.locations import LocationRepository, SaveOutcome
from shared.timeutil import iso_utc

# Binding an EVSE without a version re-reads and retries this often when another edit won.
BIND_ATTEMPTS = 3


@dataclass
class LocationAdmin:
    locations: LocationRepository
    chargers: ChargerRepository
    tariffs: TariffRepository
    now: Callable[[], datetime]

    def get(self, location_id: str) -> Location:
        location = self.locations.get(location_id)
        if location is None:
            raise NotFound(f"location {location_id!r} not found")
        return location

    def page(self, limit: int, cursor: str | None) -> Page[Location]:
        return self.locations.list_page(limit, cursor)

    def create(self, location: Location) -> Location:
        """Store a new location at version 1; Conflict if the id is taken or a charger it
        binds belongs to another location."""
        self._check_references(location, None)
        created = replace(location, version=1, last_updated=iso_utc(self.now()))
        self._saved(self.locations.save(created, None), created)
        return created

    def replace(self, location: Location, expected_version: int | None = None) -> Location:
        """Replace a location whole (PUT). `expected_version`, when given, must be the stored
        version (Conflict otherwise); without it the edit applies to whatever is stored."""
        current = self.get(location.location_id)
        if expected_version is not None and expected_version != current.version:
            raise Conflict(
                f"location {location.location_id!r} is at version {current.version}, "
                f"not {expected_version}"
            )
        self._check_references(location, current)
        updated = replace(location, version=current.version + 1, last_updated=iso_utc(self.now()))
        self._saved(self.locations.save(updated, current), updated)
        return updated

    def delete(self, location_id: str, expected_version: int | None = None) -> Location:
        """Remove a location and release its chargers."""
        current = self.get(location_id)
        if expected_version is not None and expected_version != current.version:
            raise Conflict(f"location {location_id!r} is at version {current.version}")
        self._saved(self.locations.delete(current), current)
        return current

    def bind_evse(
        self,
        location_id: str,
        uid: str,
        binding: EvseBinding | None,
        expected_version: int | None = None,
    ) -> Location:
        """Serve EVSE `uid` by a charger's OCPP address (or by none: unassign)."""
        for attempt in range(BIND_ATTEMPTS):
            current = self.get(location_id)
            if expected_version is not None and expected_version != current.version:
                raise Conflict(f"location {location_id!r} is at version {current.version}")
            evse = current.evse(uid)
            if evse is None:
                raise NotFound(f"location {location_id!r} has no EVSE {uid!r}")
            evses = tuple(replace(e, binding=binding) if e.uid == uid else e for e in current.evses)
            try:
                updated = replace(
                    current,
                    evses=evses,
                    version=current.version + 1,
                    last_updated=iso_utc(self.now()),
                )
            except LocationError as exc:
                raise InvalidRequest(str(exc)) from None
            self._check_references(updated, current)
            outcome = self.locations.save(updated, current)
            if outcome.stale and expected_version is None and attempt + 1 < BIND_ATTEMPTS:
                continue  # another edit landed in between: apply this one to it
            self._saved(outcome, updated)
            return updated
        raise AssertionError("unreachable")  # pragma: no cover

    def owner_of(self, charge_point_id: str) -> str | None:
        """The id of the location a charger belongs to, if any."""
        return self.locations.owner_of(charge_point_id)

    def _check_references(self, location: Location, current: Location | None) -> None:
        """Chargers newly bound must be registered; tariffs named must be published."""
        before = current.charger_ids if current else frozenset()
        for charge_point_id in sorted(location.charger_ids - before):
            if self.chargers.get(charge_point_id) is None:
                message = f"charger {charge_point_id!r} is not registered"
                raise InvalidRequest(message, [{"field": "chargePointId", "message": message}])
        named = set(location.tariff_ids) | {
            t for e in location.evses for c in e.connectors for t in c.tariff_ids
        }
        known = set(current.tariff_ids) if current else set()
        for tariff_id in sorted(named - known):
            if not self.tariffs.versions(tariff_id):
                message = f"tariff {tariff_id!r} is not published"
                raise InvalidRequest(message, [{"field": "tariffIds", "message": message}])

    @staticmethod
    def _saved(outcome: SaveOutcome, location: Location) -> None:
        if outcome.saved:
            return
        if outcome.taken is not None:
            charge_point_id, owner = outcome.taken
            raise Conflict(f"charger {charge_point_id!r} already belongs to location {owner!r}")
        raise Conflict(
            f"location {location.location_id!r} was changed (or created) by someone else: "
            "read it again"
        )
