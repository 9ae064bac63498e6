"""The electrical model service (docs/adr/0047): a location's model put, read and deleted
under revisions, every problem of a refused model answered at once, and the last allocation
with the loads it permits per node and phase."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.memory.locations import MemoryLocationRepository
from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.admin.errors import Conflict, InvalidRequest, NotFound
from shared.load_management.sites import SiteLoads, SiteModels, allocation_view
from shared.locations import geohash
from shared.ports.site_loads import Document, StoredModel
from shared.smart_charging.allocation import Allocation, EvseLimit
from shared.smart_charging.allocator import allocate
from shared.smart_charging.site import Evse, EvseLive, Site
from tests.unit.load_management.examples import DEPOT, depot_location, depot_model

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> MemorySiteLoadStore:
    return MemorySiteLoadStore()


@pytest.fixture
def models(store: MemorySiteLoadStore) -> SiteModels:
    locations = MemoryLocationRepository(geohash.encode)
    assert locations.save(depot_location(), None).saved
    return SiteModels(store, locations, lambda: NOW)


def messages(error: InvalidRequest) -> list[tuple[str, str]]:
    return [(d["field"], d["message"]) for d in error.details]


def test_a_model_is_stored_under_the_location_id_at_revision_1(models: SiteModels) -> None:
    saved = models.put(DEPOT, depot_model())
    assert saved.revision == 1 and saved.updated_at == "2030-01-01T12:00:00.000Z"
    assert saved.site.id == DEPOT
    assert models.get(DEPOT) == saved
    assert [e.phases for e in saved.site.evses][:3] == [
        ("L1", "L2", "L3"),
        ("L2", "L3", "L1"),
        ("L3", "L1", "L2"),
    ]


def test_each_change_moves_the_revision_and_a_stale_one_changes_nothing(
    models: SiteModels,
) -> None:
    models.put(DEPOT, depot_model())
    smaller = depot_model()
    smaller["nodes"][0]["maxCurrent"] = {"L1": 50, "L2": 50, "L3": 50}
    assert models.put(DEPOT, smaller, expected_revision=1).revision == 2
    with pytest.raises(Conflict, match="at revision 2, not 1"):
        models.put(DEPOT, depot_model(), expected_revision=1)
    stored = models.get(DEPOT)
    assert stored.revision == 2 and stored.site.root.max_current is not None
    assert stored.site.root.max_current.l1 == 50
    # Without a revision the model replaces whatever is stored.
    assert models.put(DEPOT, depot_model()).revision == 3


def test_a_revision_for_a_model_that_does_not_exist_is_a_conflict(models: SiteModels) -> None:
    with pytest.raises(Conflict, match="has no electrical model"):
        models.put(DEPOT, depot_model(), expected_revision=4)
    with pytest.raises(NotFound):
        models.get(DEPOT)


def test_a_write_that_loses_the_race_is_a_conflict(
    models: SiteModels, store: MemorySiteLoadStore
) -> None:
    models.put(DEPOT, depot_model())
    real_put = store.put_model

    def other_edit_first(
        site_id: str, document: Document, expected: int | None, at: str
    ) -> StoredModel | None:
        real_put(site_id, document, expected, at)  # another edit lands between read and write
        return real_put(site_id, document, expected, at)

    store.put_model = other_edit_first  # type: ignore[method-assign,assignment]
    with pytest.raises(Conflict, match="changed meanwhile"):
        models.put(DEPOT, depot_model())
    stored = store.get_model(DEPOT)
    assert stored is not None and stored.revision == 2


@pytest.mark.parametrize("call", ["get", "put", "delete", "allocation"])
def test_an_unknown_location_is_not_found(models: SiteModels, call: str) -> None:
    def run() -> object:
        if call == "put":
            return models.put("NOWHERE", depot_model())
        return getattr(models, call)("NOWHERE")

    with pytest.raises(NotFound, match="location 'NOWHERE' not found"):
        run()


def test_every_problem_of_a_model_is_listed_at_once(models: SiteModels) -> None:
    model = depot_model()
    model["nodes"].append({"id": "grid2", "maxCurrent": {"L1": 0, "L2": 10, "L3": 10}})
    model["evses"][0].update(phases=["L1", "L1"], minCurrentA=20, maxCurrentA=16)
    model["evses"][1]["node"] = "nowhere"
    model["evses"][2].update(chargePointId="CP-X", evseId=1)
    model["evses"][5]["evseId"] = 3
    with pytest.raises(InvalidRequest) as raised:
        models.put(DEPOT, model)
    found = messages(raised.value)
    text = " | ".join(message for _, message in found)
    for expected in ("root", "L1", "minimum", "nowhere", "grid2"):
        assert expected in text, expected
    assert [m for f, m in found if f == "body.evses"] == [
        "EVSE 'CP-B-1': charger 'CP-X' EVSE 1 is not an EVSE of this location",
        "EVSE 'CP-C-2': charger 'CP-C' EVSE 3 is not an EVSE of this location",
    ]
    assert len([f for f, _ in found if f == "body"]) >= 4
    assert "problem(s)" in raised.value.message
    with pytest.raises(NotFound):
        models.get(DEPOT)  # nothing stored


def test_evses_of_another_location_alone_are_refused(models: SiteModels) -> None:
    model = depot_model()
    model["evses"][3]["chargePointId"] = "CP-ELSEWHERE"
    with pytest.raises(InvalidRequest) as raised:
        models.put(DEPOT, model)
    assert messages(raised.value) == [
        (
            "body.evses",
            "EVSE 'CP-B-2': charger 'CP-ELSEWHERE' EVSE 2 is not an EVSE of this location",
        )
    ]


def test_a_malformed_model_is_a_listed_problem_too(models: SiteModels) -> None:
    with pytest.raises(InvalidRequest) as raised:
        models.put(DEPOT, {"evses": []})
    assert messages(raised.value) == [("body", "not a site: missing field 'nodes'")]


def test_delete_needs_the_current_revision(models: SiteModels, store: MemorySiteLoadStore) -> None:
    models.put(DEPOT, depot_model())
    models.put(DEPOT, depot_model())
    with pytest.raises(Conflict, match="at revision 2, not 1"):
        models.delete(DEPOT, expected_revision=1)
    models.delete(DEPOT, expected_revision=2)
    with pytest.raises(NotFound, match="has no electrical model"):
        models.delete(DEPOT)
    assert models.put(DEPOT, depot_model()).revision == 1


def test_no_allocation_yet_is_not_found(models: SiteModels) -> None:
    with pytest.raises(NotFound, match="has no electrical model"):
        models.allocation(DEPOT)
    models.put(DEPOT, depot_model())
    with pytest.raises(NotFound, match="no allocation yet"):
        models.allocation(DEPOT)


def test_the_allocation_view_gives_each_evse_and_the_load_on_every_node_per_phase(
    models: SiteModels, store: MemorySiteLoadStore
) -> None:
    models.put(DEPOT, depot_model())
    loads = SiteLoads(store)
    # Three cars on circuit 1 (one on each rotation), CP-B-2 takes no profiles.
    for number, (cp, evse) in enumerate([("CP-A", 1), ("CP-A", 2), ("CP-B", 1)]):
        loads.put_live(DEPOT, (cp, evse), EvseLive(session_active=True), 1000 + number)
    loads.put_live(DEPOT, ("CP-B", 2), EvseLive(responsive=False), 1000)
    site = loads.state(DEPOT).site()
    assert site is not None
    allocation = allocate(site, None, None, NOW)
    assert loads.put_allocation(DEPOT, allocation)

    view = models.allocation(DEPOT)
    assert view.at == NOW and view.model_revision == 1 and view.overloaded == ()
    kinds = {a.evse.id: (a.kind, a.limit_a) for a in view.evses}
    # The unresponsive EVSE holds 32 A of the 63 A connection on every phase: three 3-phase
    # cars share the 31 A left (10.3 + 10.3 + 10.4, rounded down, the quantum left handed on).
    assert sorted(limit or 0 for kind, limit in kinds.values() if kind == "active") == [
        10.3,
        10.3,
        10.4,
    ]
    assert kinds["CP-B-2"] == ("reserved", None)
    assert kinds["CP-C-1"] == ("idle", None) and kinds["CP-C-2"] == ("idle", None)
    node_loads = {n.node_id: n.load_a for n in view.nodes}
    assert node_loads["circuit-1"] == (31.0, 31.0, 31.0)
    assert node_loads["circuit-2"] == (32.0, 32.0, 32.0)
    assert node_loads["grid"] == (63.0, 63.0, 63.0)
    assert {n.node_id: n.max_current_a for n in view.nodes}["grid"] == (63.0, 63.0, 63.0)


def test_an_active_evse_not_allocated_yet_counts_at_its_default_limit(
    models: SiteModels, store: MemorySiteLoadStore
) -> None:
    model = depot_model()
    model["evses"][0]["defaultLimitA"] = 6
    models.put(DEPOT, model)
    loads = SiteLoads(store)
    loads.put_live(DEPOT, ("CP-A", 1), EvseLive(session_active=True, car_phases=1), 1)
    loads.put_allocation(DEPOT, Allocation({"other": EvseLimit(100, NOW, NOW)}, NOW))
    view = models.allocation(DEPOT)
    first = next(a for a in view.evses if a.evse.id == "CP-A-1")
    assert first.kind == "active" and first.limit_a is None
    # A 1-phase car on the unrotated EVSE: L1 only.
    assert {n.node_id: n.load_a for n in view.nodes}["circuit-1"] == (6.0, 0.0, 0.0)


def _depot_allocation(models: SiteModels, lives: list[EvseLive]) -> dict[str, Any]:
    stored = models.put(DEPOT, depot_model())
    site = Site(
        stored.site.id,
        stored.site.nodes,
        tuple(
            Evse.from_dict({**evse.to_dict(), "live": live.to_dict()})
            for evse, live in zip(stored.site.evses, lives, strict=True)
        ),
    )
    allocation = allocate(site, None, None, NOW)
    return {
        "limits": [allocation.limit_da(e.id) for e in site.evses],
        "loads": {
            n.node_id: n.load_a for n in allocation_view(site, allocation, stored.revision).nodes
        },
    }


THREE_PHASE = EvseLive(session_active=True)
ONE_PHASE = EvseLive(session_active=True, car_phases=1)


def test_the_worked_example_of_the_operators_guide(models: SiteModels) -> None:
    """docs/smart-charging.md, "Sites and circuits": the numbers it quotes."""
    six_three_phase = _depot_allocation(models, [THREE_PHASE] * 6)
    assert six_three_phase["limits"] == [105] * 6
    assert six_three_phase["loads"]["grid"] == (63.0, 63.0, 63.0)
    # Rotated phases put two 1-phase cars on each grid phase: 31.5 A each, not 10.5.
    six_one_phase = _depot_allocation(models, [ONE_PHASE] * 6)
    assert six_one_phase["limits"] == [315] * 6
    mixed = _depot_allocation(models, [ONE_PHASE] * 3 + [THREE_PHASE] * 3)
    assert mixed["limits"] == [310, 310, 310, 107, 107, 106]
    assert mixed["loads"]["circuit-2"] == (32.0, 32.0, 32.0)


def test_each_put_and_delete_publishes_site_model_changed(models: SiteModels) -> None:
    from shared.adapters.memory.publishing import MemoryEventPublisher
    from shared.models.event_catalogue import CATALOGUE

    bus = MemoryEventPublisher()
    models.publisher = bus
    models.put(DEPOT, depot_model())
    models.put(DEPOT, depot_model(), expected_revision=1)
    models.delete(DEPOT)
    details = [e.detail for e in bus.of_type("SiteModelChanged")]
    assert [(d["siteId"], d["revision"], d["deleted"]) for d in details] == [
        (DEPOT, 1, False),
        (DEPOT, 2, False),
        (DEPOT, 2, True),
    ]
    for event in bus.events:
        CATALOGUE[event.detail_type].model_validate(event.full_detail())
    # a bus that does not take the event never undoes the operator's change
    bus.fail = True
    assert models.put(DEPOT, depot_model()).revision == 1
