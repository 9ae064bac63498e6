"""A location's electrical model and last allocation over the operator API (docs/adr/0047):
PUT/GET/DELETE with revisions, every problem of a refused model in one 400, the allocation
view or "no allocation yet"."""

from __future__ import annotations

from typing import Any

import pytest

from shared.load_management.sites import SiteLoads
from shared.smart_charging.allocator import allocate
from shared.smart_charging.site import EvseLive
from tests.unit.api.test_auth_and_errors import assert_error
from tests.unit.api.world import START
from tests.unit.load_management.examples import DEPOT, depot_location, depot_model

ELECTRICAL = f"/api/locations/{DEPOT}/electrical"
ALLOCATION = f"/api/locations/{DEPOT}/allocation"


@pytest.fixture(autouse=True)
def depot(world) -> None:
    assert world.deps.locations.save(depot_location(), None).saved


def test_put_then_get_gives_the_model_back_with_defaults_and_a_revision(world) -> None:
    put = world.client.put(ELECTRICAL, depot_model())
    assert put.status == 200, put.body
    assert put.body["revision"] == 1 and put.body["locationId"] == DEPOT
    assert put.body["updatedAt"] == "2030-01-01T12:00:00.000Z"
    got = world.client.get(ELECTRICAL)
    assert got.status == 200 and got.body == put.body
    first = got.body["evses"][0]
    assert first == {
        "id": "CP-A-1",
        "node": "circuit-1",
        "chargePointId": "CP-A",
        "evseId": 1,
        "phases": ["L1", "L2", "L3"],
        "minCurrentA": 6.0,
        "maxCurrentA": 32.0,
        "tier": 0,
        "weight": 1.0,
        "acceptsProfiles": True,
        "defaultLimitA": 0.0,
    }
    assert got.body["nodes"][1] == {
        "id": "circuit-1",
        "parent": "grid",
        "maxCurrent": {"L1": 32.0, "L2": 32.0, "L3": 32.0},
        "maxPowerW": None,
        "voltageV": 230.0,
    }
    assert [e["phases"] for e in got.body["evses"]][1] == ["L2", "L3", "L1"]


def test_a_stale_revision_is_a_409_and_changes_nothing(world) -> None:
    world.client.put(ELECTRICAL, depot_model())
    changed = depot_model(revision=1)
    changed["nodes"][0]["maxCurrent"] = {"L1": 50, "L2": 50, "L3": 50}
    assert world.client.put(ELECTRICAL, changed).body["revision"] == 2
    assert_error(world.client.put(ELECTRICAL, depot_model(revision=1)), 409, "Conflict")
    stored = world.client.get(ELECTRICAL).body
    assert stored["revision"] == 2 and stored["nodes"][0]["maxCurrent"]["L1"] == 50


def test_every_problem_is_listed_in_the_400(world) -> None:
    model = depot_model()
    model["nodes"][1]["parent"] = "circuit-2"
    model["nodes"][2]["parent"] = "circuit-1"  # a cycle
    model["evses"][0].update(minCurrentA=40, phases=["L4"], weight=0)
    model["evses"][4]["chargePointId"] = "CP-Z"
    reply = world.client.put(ELECTRICAL, model)
    assert_error(reply, 400, "InvalidRequest")
    details = reply.error["details"]
    fields = [d["field"] for d in details]
    assert fields.count("body.evses") == 1 and fields.count("body") >= 4
    text = " ".join(d["message"] for d in details)
    for word in ("cycle", "L4", "minimum", "weight", "CP-Z"):
        assert word in text, word
    assert_error(world.client.get(ELECTRICAL), 404, "NotFound")


@pytest.mark.parametrize(
    "change",
    [
        {"nodes": "grid"},
        {"nodes": [{"id": "grid", "maxCurrent": {"L1": "lots", "L2": 1, "L3": 1}}]},
        {"evses": [{"id": "x", "node": "grid", "chargePointId": "CP-A"}]},
        {"revision": 0},
        {"unknown": 1},
    ],
)
def test_a_body_of_the_wrong_shape_is_a_validation_error(world, change: dict[str, Any]) -> None:
    assert_error(world.client.put(ELECTRICAL, depot_model(**change)), 400, "ValidationError")


def test_an_unknown_location_is_a_404(world) -> None:
    path = "/api/locations/NOWHERE/electrical"
    for reply in (
        world.client.put(path, depot_model()),
        world.client.get(path),
        world.client.delete(path),
        world.client.get("/api/locations/NOWHERE/allocation"),
    ):
        assert_error(reply, 404, "NotFound")


def test_delete_with_a_stale_revision_is_a_409_then_it_goes(world) -> None:
    world.client.put(ELECTRICAL, depot_model())
    assert_error(world.client.delete(ELECTRICAL, query={"revision": "2"}), 409, "Conflict")
    assert world.client.delete(ELECTRICAL, query={"revision": "1"}).status == 204
    assert_error(world.client.get(ELECTRICAL), 404, "NotFound")
    assert_error(world.client.delete(ELECTRICAL), 404, "NotFound")


def test_the_allocation_is_404_until_there_is_one_then_per_evse_and_node(world) -> None:
    assert_error(world.client.get(ALLOCATION), 404, "NotFound")
    world.client.put(ELECTRICAL, depot_model())
    no_allocation = world.client.get(ALLOCATION)
    assert_error(no_allocation, 404, "NotFound")
    assert no_allocation.error["message"] == "location 'DEPOT': no allocation yet"

    loads = SiteLoads(world.deps.site_loads)
    loads.put_live(DEPOT, ("CP-A", 1), EvseLive(session_active=True, car_phases=1), 1)
    loads.put_live(DEPOT, ("CP-C", 2), EvseLive(session_active=True), 1)
    site = loads.state(DEPOT).site()
    assert site is not None
    loads.put_allocation(DEPOT, allocate(site, None, None, START))

    reply = world.client.get(ALLOCATION)
    assert reply.status == 200, reply.body
    body = reply.body
    assert body["at"] == "2030-01-01T12:00:00.000Z" and body["modelRevision"] == 1
    assert body["overloaded"] == []
    evses = {e["id"]: e for e in body["evses"]}
    # A 1-phase car on L1 and a rotated 3-phase one (L3, L1, L2) share L1's 63 A.
    assert evses["CP-A-1"]["kind"] == "active" and evses["CP-A-1"]["limitA"] == 31.5
    assert evses["CP-C-2"]["kind"] == "active" and evses["CP-C-2"]["limitA"] == 31.5
    assert evses["CP-A-2"] == {
        "id": "CP-A-2",
        "chargePointId": "CP-A",
        "evseId": 2,
        "node": "circuit-1",
        "kind": "idle",
        "limitA": None,
        "changedAt": None,
        "runningSince": None,
    }
    nodes = {n["id"]: n for n in body["nodes"]}
    # The 1-phase car loads L1 only.
    assert nodes["circuit-1"]["loadA"] == {"L1": 31.5, "L2": 0.0, "L3": 0.0}
    assert nodes["circuit-2"]["loadA"] == {"L1": 31.5, "L2": 31.5, "L3": 31.5}
    assert nodes["grid"]["loadA"] == {"L1": 63.0, "L2": 31.5, "L3": 31.5}
    assert nodes["grid"]["maxCurrent"] == {"L1": 63.0, "L2": 63.0, "L3": 63.0}


def test_the_routes_are_in_the_published_openapi_document(world) -> None:
    document = world.client.get("/api/openapi.json").body
    paths = document["paths"]
    assert set(paths["/api/locations/{locationId}/electrical"]) >= {"put", "get", "delete"}
    assert "get" in paths["/api/locations/{locationId}/allocation"]
    schemas = document["components"]["schemas"]
    assert schemas["ElectricalModelBody"]["examples"]
    assert "phase" in schemas["ElectricalEvseBody"]["properties"]["phases"]["description"]
