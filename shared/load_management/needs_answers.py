"""The answer to an EV's charging needs (2.0.1 NotifyEVChargingNeeds, K15) once sessions can be
scheduled (docs/adr/0054-price-and-carbon-aware-scheduling.md).

K15: Accepted promises the EV a charging profile; Rejected lets the station give the EV its own
schedule at once. The platform promises one only when it can keep the promise:

- the needs name a departure time and an energy (needs_from_iso15118);
- the charger belongs to a location with an electrical model, and the model has this EVSE and
  does not say it takes no profiles;
- prices or carbon intensities are known for the site before the departure
  (`values_known(site_id, now, departure)`, from the grid-signal store).

Otherwise, and when any of it cannot be read, Rejected: what the station did before. The
station handler stores and publishes the needs with the answer either way
(EVChargingNeedsReceived); the per-site loop sends the scheduled profile for an Accepted one
(schedule_for).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from shared.load_management.session_schedules import needs_from_iso15118
from shared.ports.site_loads import StoredModel
from shared.station.notifications import NeedsAnswer


class Owners(Protocol):
    def owner_of(self, charge_point_id: str) -> str | None: ...


class Models(Protocol):
    def get_model(self, site_id: str) -> StoredModel | None: ...


ValuesKnown = Callable[[str, datetime, datetime], bool]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SchedulingNeedsAnswer:
    """StationNotifications.needs_answer for sites that schedule (see the module docstring)."""

    locations: Owners
    models: Models
    values_known: ValuesKnown
    clock: Callable[[], datetime] = _now

    def __call__(self, charge_point_id: str, evse_id: int, needs: Mapping[str, Any]) -> NeedsAnswer:
        try:
            return self._answer(charge_point_id, evse_id, needs)
        except Exception:  # a store that cannot be read: promise nothing
            return "Rejected"

    def _answer(self, charge_point_id: str, evse_id: int, needs: Mapping[str, Any]) -> NeedsAnswer:
        parsed = needs_from_iso15118(needs, None)
        if parsed is None:
            return "Rejected"
        site_id = self.locations.owner_of(charge_point_id)
        if site_id is None:
            return "Rejected"
        model = self.models.get_model(site_id)
        if model is None or not _controllable(model.document, charge_point_id, evse_id):
            return "Rejected"
        now = self.clock()
        if parsed.departure <= now or not self.values_known(site_id, now, parsed.departure):
            return "Rejected"
        return "Accepted"


def _controllable(document: Mapping[str, Any], charge_point_id: str, evse_id: int) -> bool:
    for evse in document.get("evses") or []:
        if evse.get("chargePointId") == charge_point_id and evse.get("evseId") == evse_id:
            return evse.get("acceptsProfiles", True) is not False
    return False
