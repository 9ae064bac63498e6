"""A location's grid over the operator API (docs/adr/0052): schedule and sources PUT/GET/DELETE,
the 422 of a schedule that cannot be (every problem with its field), secrets by name only,
unknown locations 404, and the limit in force now with its source and next change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.ports.grid_signals import GridSignal, SignalSnapshot
from tests.unit.api.test_auth_and_errors import assert_error
from tests.unit.api.world import START
from tests.unit.load_management.examples import DEPOT, depot_location, depot_model

GRID = f"/api/locations/{DEPOT}/grid"
SCHEDULE = f"{GRID}/schedule"
SOURCES = f"{GRID}/sources"

# START is Tuesday 2030-01-01 13:00 in Berlin.
EVENING: dict[str, Any] = {
    "timeZone": "Europe/Berlin",
    "windows": [
        {"days": ["TU"], "start": "12:00", "end": "14:00", "maxCurrent": 40},
        {"start": "17:00", "end": "21:00", "maxCurrent": {"L1": 30, "L2": 31, "L3": 32}},
    ],
    "exceptions": [{"date": "2030-12-25", "windows": []}],
}
SOURCES_BODY: dict[str, Any] = {
    "openadr": {
        "vtnUrl": "https://vtn.example.com/openadr3",
        "programIds": ["dso-congestion"],
        "clientId": "depot-ven",
        "clientSecretName": "csms/grid/depot-ven",
    },
    "entsoe": {"biddingZone": "10YNL----------L", "tokenSecretName": "csms/grid/entsoe"},
}


@pytest.fixture(autouse=True)
def depot(world) -> None:
    assert world.deps.locations.save(depot_location(), None).saved


def test_a_schedule_is_put_read_and_deleted(world) -> None:
    put = world.client.put(SCHEDULE, EVENING)
    assert put.status == 200, put.body
    assert put.body["locationId"] == DEPOT and put.body["updatedAt"] == "2030-01-01T12:00:00.000Z"
    assert put.body["windows"][1]["maxCurrent"] == {"L1": 30, "L2": 31, "L3": 32}
    assert put.body["windows"][1]["days"] == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    assert world.client.get(SCHEDULE).body == put.body
    assert world.client.delete(SCHEDULE).status == 204
    assert_error(world.client.get(SCHEDULE), 404, "NotFound")
    assert_error(world.client.delete(SCHEDULE), 404, "NotFound")


def test_a_schedule_that_cannot_be_is_a_422_naming_each_field(world) -> None:
    bad = {
        "timeZone": "Mars/Olympus",
        "windows": [{"days": ["XX"], "start": "25:00", "end": "06:00", "maxCurrent": 10}],
        "exceptions": [{"date": "2030-02-30"}],
    }
    reply = world.client.put(SCHEDULE, bad)
    assert_error(reply, 422, "InvalidSchedule")
    fields = [d["field"] for d in reply.error["details"]]
    assert fields == [
        "body.timeZone",
        "body.windows[0].start",
        "body.windows[0].days",
        "body.exceptions[0].date",
    ]
    assert world.client.get(SCHEDULE).status == 404  # nothing stored


def test_a_schedule_of_the_wrong_shape_is_a_400(world) -> None:
    reply = world.client.put(SCHEDULE, {"timeZone": "UTC", "windows": "always"})
    assert_error(reply, 400, "ValidationError")


def test_unknown_locations_are_404(world) -> None:
    for reply in (
        world.client.put("/api/locations/NOPE/grid/schedule", EVENING),
        world.client.put("/api/locations/NOPE/grid/sources", SOURCES_BODY),
        world.client.get("/api/locations/NOPE/grid"),
    ):
        assert_error(reply, 404, "NotFound")


def test_sources_are_put_and_list_the_site_for_polling(world) -> None:
    put = world.client.put(SOURCES, SOURCES_BODY)
    assert put.status == 200, put.body
    assert put.body["openadr"]["clientSecretName"] == "csms/grid/depot-ven"
    assert put.body["openadr"]["scopes"] == [] and put.body["openadr"]["tokenUrl"] is None
    assert world.client.get(SOURCES).body == put.body
    assert world.deps.grid_signals.sites_with_sources() == [DEPOT]
    assert world.client.delete(SOURCES).status == 204
    assert world.deps.grid_signals.sites_with_sources() == []
    assert_error(world.client.get(SOURCES), 404, "NotFound")


@pytest.mark.parametrize(
    "change",
    [
        {"openadr": {**SOURCES_BODY["openadr"], "clientSecret": "s3cr3t"}},  # a secret itself
        {"openadr": {**SOURCES_BODY["openadr"], "vtnUrl": "http://vtn.example.com"}},
        {"openadr": {**SOURCES_BODY["openadr"], "programIds": []}},
        {"entsoe": {"biddingZone": "NL", "tokenSecretName": "csms/grid/x"}},
        {"entsoe": {"biddingZone": "10YNL----------L", "tokenSecretName": "other/x"}},
        {"openadr": None, "entsoe": None},
    ],
)
def test_sources_that_cannot_be_used_are_400(world, change) -> None:
    reply = world.client.put(SOURCES, {**SOURCES_BODY, **change})
    assert_error(reply, 400, "ValidationError")
    assert world.deps.grid_signals.sites_with_sources() == []


def test_a_vtn_on_this_machine_may_speak_plain_http(world) -> None:
    body = {"openadr": {**SOURCES_BODY["openadr"], "vtnUrl": "http://127.0.0.1:8090/openadr3"}}
    assert world.client.put(SOURCES, body).status == 200


def test_the_grid_now_names_the_binding_source_and_next_change(world) -> None:
    assert world.client.put(f"/api/locations/{DEPOT}/electrical", depot_model()).status == 200
    world.client.put(SCHEDULE, EVENING)
    vtn = GridSignal(
        source="openadr",
        kind="import_limit",
        start=START + timedelta(minutes=30),
        end=START + timedelta(hours=2),
        received_at=START,
        watts=3 * 230 * 20,
        group="event-1",
    )
    price = GridSignal(
        source="entsoe", kind="price", start=START, end=START + timedelta(hours=1),
        received_at=START, value=0.25, currency="EUR", group="2030-01-01",
    )  # fmt: skip
    world.deps.grid_signals.put_snapshot(DEPOT, SignalSnapshot("openadr", START, (vtn, price)))
    reply = world.client.get(GRID)
    assert reply.status == 200, reply.body
    body = reply.body
    assert body["limitA"] == {"L1": 40, "L2": 40, "L3": 40}
    assert body["source"] == "schedule" and body["limited"] is True
    # the VTN's drop starts in 30 minutes: looked at 5 minutes before it starts
    assert body["nextChange"] == "2030-01-01T12:25:00.000Z"
    assert [(s["source"], s["start"]) for s in body["signals"]][:2] == [
        ("schedule", "2030-01-01T11:00:00.000Z"),
        ("openadr", "2030-01-01T12:30:00.000Z"),
    ]
    assert body["signals"][1]["maxPowerW"] == 13800
    assert body["prices"] == [
        {
            "start": "2030-01-01T12:00:00.000Z",
            "end": "2030-01-01T13:00:00.000Z",
            "value": 0.25,
            "currency": "EUR",
            "source": "entsoe",
        }
    ]
    world.clock.now = START + timedelta(minutes=26)
    later = world.client.get(GRID).body
    assert later["limitA"] == {"L1": 40, "L2": 40, "L3": 40}
    assert later["allocatorLimitA"] == {"L1": 20, "L2": 20, "L3": 20}
    assert later["upcomingAt"] == "2030-01-01T12:30:00.000Z"


def test_a_site_without_grid_signals_is_not_limited(world) -> None:
    body = world.client.get(GRID).body
    assert body["limited"] is False and body["limitA"] is None and body["signals"] == []


def test_a_schedule_that_changes_the_limit_is_announced_once(world) -> None:
    world.client.put(SCHEDULE, EVENING)  # 40 A from 12:00 UTC on Tuesdays, in force now
    changes = world.deps.publisher.of_type("GridLimitChanged")
    assert [c.detail["limitA"] for c in changes] == [{"L1": 40, "L2": 40, "L3": 40}]
    assert changes[0].detail["source"] == "schedule"
    world.client.put(SCHEDULE, EVENING)  # the same again: nothing new to announce
    assert len(world.deps.publisher.of_type("GridLimitChanged")) == 1
    world.client.delete(SCHEDULE)
    last = world.deps.publisher.of_type("GridLimitChanged")[-1]
    assert last.detail["limited"] is False and last.detail["limitA"] is None
