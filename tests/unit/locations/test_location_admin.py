"""Location administration: versions, charger claims, EVSE binding, references."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.admin.errors import Conflict, InvalidRequest, NotFound
from shared.admin.locations import LocationAdmin
from shared.models.charger import ChargerRecord
from shared.models.location import EvseBinding
from shared.ports.locations import SaveOutcome
from tests.fakes import memory_deps
from tests.unit.locations.builders import location

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def deps():
    deps = memory_deps()
    for charge_point_id in ("CP-1", "CP-2", "CP-3"):
        deps.chargers.create(ChargerRecord(charge_point_id))
    return deps


@pytest.fixture
def admin(deps) -> LocationAdmin:
    return LocationAdmin(deps.locations, deps.chargers, deps.tariffs, lambda: NOW)


def test_a_site_is_created_edited_and_deleted_by_version(admin, deps) -> None:
    created = admin.create(location())
    assert (created.version, created.last_updated) == (1, "2030-01-01T12:00:00.000Z")
    assert deps.locations.claims == {"CP-1": "LOC-1", "CP-2": "LOC-1"}
    with pytest.raises(Conflict):
        admin.create(location())  # the id is taken
    edited = admin.replace(replace(created, name="Alex garage"), expected_version=1)
    assert (edited.version, admin.get("LOC-1").name) == (2, "Alex garage")
    with pytest.raises(Conflict, match="version 2"):
        admin.replace(created, expected_version=1)  # stale
    with pytest.raises(Conflict):
        admin.delete("LOC-1", expected_version=1)
    admin.delete("LOC-1", expected_version=2)
    assert deps.locations.claims == {}
    with pytest.raises(NotFound):
        admin.get("LOC-1")


def test_a_charger_belongs_to_one_site_at_most(admin, deps) -> None:
    admin.create(location())
    with pytest.raises(Conflict, match=r"CP-1.*LOC-1"):
        admin.create(location("LOC-2", latitude=48.1))
    assert "LOC-2" not in deps.locations.records  # nothing of it was written
    # Unbinding E1 releases CP-1 for another site.
    admin.bind_evse("LOC-1", "E1", None)
    assert deps.locations.claims == {"CP-2": "LOC-1"}
    other = location("LOC-2", evses=location().evses[:1])
    assert admin.create(other).charger_ids == {"CP-1"}
    with pytest.raises(Conflict, match="CP-1"):
        admin.bind_evse("LOC-1", "E1", EvseBinding("CP-1", connector_id=1))


def test_binding_an_evse_checks_the_evse_the_charger_and_the_address(admin) -> None:
    admin.create(location())
    bound = admin.bind_evse("LOC-1", "E1", EvseBinding("CP-3", connector_id=2))
    assert bound.evse("E1").binding == EvseBinding("CP-3", connector_id=2)
    assert bound.version == 2
    with pytest.raises(NotFound):
        admin.bind_evse("LOC-1", "E9", None)
    with pytest.raises(NotFound):
        admin.bind_evse("NOPE", "E1", None)
    with pytest.raises(InvalidRequest, match="not registered"):
        admin.bind_evse("LOC-1", "E1", EvseBinding("CP-404", connector_id=1))
    with pytest.raises(InvalidRequest, match="same charger"):
        admin.bind_evse("LOC-1", "E1", EvseBinding("CP-2", evse_id=1))
    with pytest.raises(Conflict):
        admin.bind_evse("LOC-1", "E1", None, expected_version=1)


def test_binding_without_a_version_is_applied_to_a_concurrent_edit(admin, deps) -> None:
    admin.create(location())
    save = deps.locations.save
    raced: list[bool] = []

    def save_after_another_edit(new, previous):
        if not raced:
            raced.append(True)
            current = deps.locations.get("LOC-1")
            assert save(
                replace(current, name="Renamed", version=current.version + 1), current
            ).saved
        return save(new, previous)

    deps.locations.save = save_after_another_edit
    result = admin.bind_evse("LOC-1", "E1", None)
    assert (result.name, result.version, result.evse("E1").binding) == ("Renamed", 3, None)


def test_tariffs_named_must_be_published(admin) -> None:
    with pytest.raises(InvalidRequest, match="AC-STANDARD"):
        admin.create(location(tariff_ids=("AC-STANDARD",)))


def test_a_lost_race_for_a_claim_is_a_conflict_naming_the_owner(admin, deps) -> None:
    deps.locations.save = lambda new, previous: SaveOutcome(False, taken=("CP-1", "ELSEWHERE"))
    with pytest.raises(Conflict, match="ELSEWHERE"):
        admin.create(location())
