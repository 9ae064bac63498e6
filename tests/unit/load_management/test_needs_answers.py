"""The answer to NotifyEVChargingNeeds when sessions can be scheduled: Accepted only when a
schedule can follow (ADR 0054), Rejected (as before) otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.load_management.needs_answers import SchedulingNeedsAnswer
from shared.load_management.session_schedules import needs_of_record
from shared.models.domain_events import EV_CHARGING_NEEDS_RECEIVED
from shared.station.notifications import StationNotifications
from tests.unit.transactions.helpers import V201, Station, make_deps

NOW = datetime(2026, 12, 7, 18, tzinfo=UTC)
MODEL = {
    "nodes": [{"id": "grid", "maxCurrent": {"L1": 63, "L2": 63, "L3": 63}}],
    "evses": [
        {"id": "CP1-1", "node": "grid", "chargePointId": "CP1", "evseId": 1},
        {
            "id": "CP1-2",
            "node": "grid",
            "chargePointId": "CP1",
            "evseId": 2,
            "acceptsProfiles": False,
        },
    ],
}
NEEDS = {
    "requestedEnergyTransfer": "AC_three_phase",
    "departureTime": "2026-12-08T07:00:00Z",
    "acChargingParameters": {
        "energyAmount": 30000,
        "evMinCurrent": 6,
        "evMaxCurrent": 32,
        "evMaxVoltage": 400,
    },
}


class Owners:
    def __init__(self, owners: dict[str, str]) -> None:
        self.owners = owners

    def owner_of(self, charge_point_id: str) -> str | None:
        return self.owners.get(charge_point_id)


class Broken:
    def get_model(self, site_id: str) -> Any:
        raise ConnectionError("the table cannot be read")


asked_for: list[tuple[str, datetime, datetime]] = []


def policy(known: bool = True, models: Any = None) -> SchedulingNeedsAnswer:
    if models is None:
        models = MemorySiteLoadStore()
        models.put_model("DEPOT", MODEL, None, "2026-12-01T00:00:00Z")

    def values_known(site: str, now: datetime, departure: datetime) -> bool:
        asked_for.append((site, now, departure))
        return known

    return SchedulingNeedsAnswer(Owners({"CP1": "DEPOT"}), models, values_known, lambda: NOW)


def test_accepted_only_when_a_schedule_can_follow() -> None:
    answer = policy()
    asked_for.clear()
    assert answer("CP1", 1, NEEDS) == "Accepted"
    assert asked_for == [("DEPOT", NOW, datetime(2026, 12, 8, 7, tzinfo=UTC))]
    assert answer("CP1", 2, NEEDS) == "Rejected"  # takes no profiles
    assert answer("CP1", 3, NEEDS) == "Rejected"  # not in the model
    assert answer("CP9", 1, NEEDS) == "Rejected"  # at no location
    assert policy(known=False)("CP1", 1, NEEDS) == "Rejected"  # no prices, no carbon
    assert policy(models=MemorySiteLoadStore())("CP1", 1, NEEDS) == "Rejected"  # no model
    assert policy(models=Broken())("CP1", 1, NEEDS) == "Rejected"  # cannot tell: no promise
    no_departure = {k: v for k, v in NEEDS.items() if k != "departureTime"}
    assert answer("CP1", 1, no_departure) == "Rejected"
    passed = {**NEEDS, "departureTime": (NOW - timedelta(minutes=1)).isoformat()}
    assert answer("CP1", 1, passed) == "Rejected"


def test_the_station_handler_answers_stores_and_publishes_with_it() -> None:
    deps = make_deps()
    s = Station(deps, V201)
    s.clock = datetime.now(UTC)  # kept 90 days from receipt
    notifications = StationNotifications(deps.charger_events, deps.publisher, 90)
    notifications.needs_answer = policy()
    notifications.register(s.router)
    answer = s.call(
        "NotifyEVChargingNeeds", {"evseId": 1, "chargingNeeds": NEEDS, "maxScheduleTuples": 12}
    )
    assert answer == {"status": "Accepted"}
    (event,) = deps.publisher.of_type(EV_CHARGING_NEEDS_RECEIVED)
    assert event.detail["answer"] == "Accepted"
    assert event.detail["maxScheduleTuples"] == 12
    (stored,) = deps.charger_events.newest("CP1", "ev-needs", 10, None).items
    assert stored.detail["answer"] == "Accepted"
    # what the loop schedules with, from the event or from the stored item alike
    needs = needs_of_record(event.detail)
    assert needs is not None
    assert needs == needs_of_record(stored.detail)
    assert (needs.departure, needs.energy_wh, needs.max_periods) == (
        datetime(2026, 12, 8, 7, tzinfo=UTC),
        30_000,
        12,
    )
    assert needs.car.min_current_a == 6 and needs.car.max_current_a == 32
    assert needs_of_record({"content": "not json"}) is None
    assert needs_of_record({}) is None
