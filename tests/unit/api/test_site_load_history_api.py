"""A location's load over time over the operator API (docs/adr/0053): the samples recorded from
allocation views, the last 24 hours by default, every wrong range a 400 naming its field, an
unknown location a 404, another site's samples never shown, long ranges thinned to peaks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.load_management.sites import NodeLoad, SiteAllocationView, SiteLoads
from shared.smart_charging.allocator import allocate
from shared.smart_charging.site import EvseLive
from tests.unit.api.test_auth_and_errors import assert_error
from tests.unit.api.world import START
from tests.unit.load_management.examples import DEPOT, depot_location, depot_model
from tests.unit.locations.builders import location

HISTORY = f"/api/locations/{DEPOT}/load-history"
OTHER = "DEPOT-2"


def allocated_view(world: Any, location_id: str = DEPOT) -> SiteAllocationView:
    """The depot with one 1-phase car on CP-A-1 and a 3-phase one on CP-C-2, allocated."""
    assert world.client.put(f"/api/locations/{location_id}/electrical", depot_model()).status == 200
    loads = SiteLoads(world.deps.site_loads)
    loads.put_live(location_id, ("CP-A", 1), EvseLive(session_active=True, car_phases=1), 1)
    loads.put_live(location_id, ("CP-C", 2), EvseLive(session_active=True), 1)
    site = loads.state(location_id).site()
    assert site is not None
    loads.put_allocation(location_id, allocate(site, None, None, world.clock.now))
    view = world.services.site_models.allocation(location_id)
    assert isinstance(view, SiteAllocationView)
    return view


@pytest.fixture(autouse=True)
def depots(world) -> None:
    assert world.deps.locations.save(depot_location(), None).saved
    assert world.deps.locations.save(location(OTHER), None).saved


def test_recorded_allocations_come_back_per_node_and_phase_over_the_last_24_hours(world) -> None:
    view = allocated_view(world)
    history = world.deps.site_load_history
    history.record(DEPOT, view, START - timedelta(hours=25))  # outside the default range
    history.record(DEPOT, view, START - timedelta(minutes=3, seconds=10))
    history.record(DEPOT, view, START - timedelta(seconds=5))
    reply = world.client.get(HISTORY)
    assert reply.status == 200, reply.body
    body = reply.body
    assert body["locationId"] == DEPOT and body["stepMinutes"] == 1
    assert body["from"] == "2029-12-31T12:00:00.000Z" and body["to"] == "2030-01-01T12:00:00.000Z"
    assert [s["at"] for s in body["samples"]] == [
        "2030-01-01T11:56:00.000Z",
        "2030-01-01T11:59:00.000Z",
    ]
    nodes = {n["id"]: n for n in body["samples"][0]["nodes"]}
    assert list(nodes) == ["grid", "circuit-1", "circuit-2"]
    # The 1-phase car on L1 and the rotated 3-phase one share the grid's L1.
    assert nodes["grid"] == {
        "id": "grid",
        "limitA": {"L1": 63.0, "L2": 63.0, "L3": 63.0},
        "loadA": {"L1": 63.0, "L2": 31.5, "L3": 31.5},
    }
    assert nodes["circuit-1"]["loadA"] == {"L1": 31.5, "L2": 0.0, "L3": 0.0}


def test_an_explicit_range_reads_its_minutes_only(world) -> None:
    view = allocated_view(world)
    for minute in range(10):
        world.deps.site_load_history.record(DEPOT, view, START - timedelta(minutes=minute))
    reply = world.client.get(
        HISTORY, query={"from": "2030-01-01T11:55:00Z", "to": "2030-01-01T11:57:30Z"}
    )
    assert reply.status == 200, reply.body
    assert [s["at"][11:16] for s in reply.body["samples"]] == ["11:55", "11:56", "11:57"]


def test_another_sites_samples_are_never_returned(world) -> None:
    # The history keeps whatever view it is given: the depot's loads under the other site.
    world.deps.site_load_history.record(OTHER, allocated_view(world), START)
    reply = world.client.get(HISTORY)
    assert reply.status == 200 and reply.body["samples"] == []
    assert len(world.client.get(f"/api/locations/{OTHER}/load-history").body["samples"]) == 1


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "yesterday"}, "query.from", "from is not an ISO 8601 date-time"),
        ({"to": "2030-13-01T00:00:00Z"}, "query.to", "to is not an ISO 8601 date-time"),
        (
            {"from": "2030-01-01T12:00:00Z", "to": "2030-01-01T12:00:00Z"},
            "query.from",
            "from must be before to",
        ),
        ({"from": "2030-01-02T00:00:00Z"}, "query.from", "from must be before to"),
        (
            {"from": "2029-12-24T11:59:59Z", "to": "2030-01-01T12:00:00Z"},
            "query.to",
            "the range is at most 8 days",
        ),
    ],
)
def test_a_wrong_range_is_a_400_naming_its_field(
    world, query: dict[str, str], field: str, message: str
) -> None:
    reply = world.client.get(HISTORY, query=query)
    assert_error(reply, 400, "InvalidRequest")
    assert reply.error["message"] == message
    assert reply.error["details"] == [{"field": field, "message": message}]


def test_exactly_8_days_is_accepted(world) -> None:
    reply = world.client.get(
        HISTORY, query={"from": "2029-12-24T12:00:00Z", "to": "2030-01-01T12:00:00Z"}
    )
    assert reply.status == 200, reply.body
    assert reply.body["stepMinutes"] == 8  # 11,520 minutes in at most 1,441 samples


def test_an_unknown_location_is_a_404(world) -> None:
    assert_error(world.client.get("/api/locations/NOWHERE/load-history"), 404, "NotFound")


def test_a_long_range_is_thinned_to_the_peak_of_each_step(world) -> None:
    view = allocated_view(world)
    history = world.deps.site_load_history
    quiet = SiteAllocationView(
        view.location_id, view.at, (), view.evses,
        tuple(type(n)(n.node_id, (1.0, 1.0, 1.0), n.max_current_a, None) for n in view.nodes),
        1,
    )  # fmt: skip
    since = START - timedelta(days=2)
    for minute in range(2 * 24 * 60):
        # One peak minute in every hour, quiet otherwise.
        history.record(
            DEPOT, view if minute % 60 == 30 else quiet, since + timedelta(minutes=minute)
        )
    reply = world.client.get(HISTORY, query={"from": "2029-12-30T12:00:00Z"})
    body = reply.body
    assert reply.status == 200 and body["stepMinutes"] == 2  # 2,880 minutes, 1,440 steps
    assert len(body["samples"]) <= 1441
    peaks = [s for s in body["samples"] if s["nodes"][0]["loadA"]["L1"] == 63.0]
    assert len(peaks) == 48  # every hour's peak survives the thinning
    assert peaks[0]["at"] == "2029-12-30T12:30:00.000Z"


def test_the_route_is_in_the_published_openapi_document(world) -> None:
    document = world.client.get("/api/openapi.json").body
    operation = document["paths"]["/api/locations/{locationId}/load-history"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"locationId", "from", "to"}
    assert "SiteLoadHistoryView" in document["components"]["schemas"]


def test_a_day_asked_for_a_moment_early_is_still_a_day_of_minutes(world) -> None:
    # A browser asks for "24 hours before now" by its own clock, a few ms before the API's.
    reply = world.client.get(HISTORY, query={"from": "2029-12-31T11:59:59.995Z"})
    assert reply.status == 200 and reply.body["stepMinutes"] == 1


def wide_view(nodes: int, load: float) -> SiteAllocationView:
    return SiteAllocationView(
        DEPOT, START, (), (),
        tuple(NodeLoad(f"n{i}", (load, load, load), (32.0, 32.0, 32.0), None)
              for i in range(nodes)),
        1,
    )  # fmt: skip


def test_one_node_comes_back_alone_and_a_large_sites_day_is_thinned_unless_one_is_asked_for(
    world,
) -> None:
    history = world.deps.site_load_history
    for minute in range(1, 24 * 60):
        history.record(DEPOT, wide_view(40, float(minute % 7)), START - timedelta(minutes=minute))
    whole = world.client.get(HISTORY).body
    # 40 nodes: at most 28,800 node-samples, so one sample per 2 minutes.
    assert whole["stepMinutes"] == 2 and len(whole["samples"]) == 720
    one = world.client.get(HISTORY, query={"node": "n7"}).body
    assert one["stepMinutes"] == 1 and len(one["samples"]) == 24 * 60 - 1
    assert {n["id"] for s in one["samples"] for n in s["nodes"]} == {"n7"}
    assert world.client.get(HISTORY, query={"node": "nowhere"}).body["samples"] == []
