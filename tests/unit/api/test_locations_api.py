"""Locations over the operator API: create, edit, bind chargers, search near a point."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shared.models.connection import ConnectorStatus
from tests.unit.api.test_auth_and_errors import assert_error

SITE: dict[str, Any] = {
    "locationId": "ALEX",
    "name": "Alexanderplatz garage",
    "address": "Alexanderstrasse 1",
    "city": "Berlin",
    "postalCode": "10178",
    "country": "DEU",
    "coordinates": {"latitude": 52.5219, "longitude": 13.4132},
    "timeZone": "Europe/Berlin",
    "operator": {"name": "Acme Charging", "website": "https://acme.example"},
    "openingTimes": {
        "twentyfourseven": False,
        "regularHours": [{"weekday": "MONDAY", "periodBegin": "06:00", "periodEnd": "22:00"}],
    },
    "evses": [
        {
            "uid": "E1",
            "evseId": "DE*ACM*E1000*1",
            "charger": {"chargePointId": "CP-1", "connectorId": 1},
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "powerType": "AC_3_PHASE",
                    "maxVoltage": 230,
                    "maxAmperage": 32,
                    "maxElectricPower": 22000,
                }
            ],
        },
        {
            "uid": "E2",
            "charger": {"chargePointId": "CP-2", "evseId": 1},
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2_COMBO",
                    "format": "CABLE",
                    "powerType": "DC",
                    "maxVoltage": 920,
                    "maxAmperage": 200,
                    "maxElectricPower": 150000,
                }
            ],
        },
    ],
}


def given(value: Any) -> Any:
    """A view without its null and empty-list fields: what a body that left them out holds."""
    if isinstance(value, dict):
        return {k: given(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [given(v) for v in value]
    return value


def site(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(SITE)
    body.update(changes)
    return body


@pytest.fixture
def chargers(world) -> None:
    world.online_charger("CP-1", connection_id="conn-1")
    world.online_charger("CP-2", protocol="ocpp2.0.1", connection_id="conn-2")
    world.online_charger("CP-3", connection_id="conn-3")


def created(world, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = world.client.post("/api/locations", body or site())
    assert reply.status == 201, reply.body
    assert reply.headers["Location"] == f"/api/locations/{reply.body['locationId']}"
    result: dict[str, Any] = reply.body
    return result


def test_a_location_is_created_read_edited_listed_and_deleted(world, chargers) -> None:
    first = created(world)
    assert (first["version"], first["lastUpdated"]) == (1, "2030-01-01T12:00:00.000Z")
    assert given(first["evses"]) == SITE["evses"]
    detail = world.client.get("/api/locations/ALEX").body
    assert detail["location"] == first
    assert detail["distanceM"] is None
    edited = world.client.put("/api/locations/ALEX", {**site(name="Alex"), "version": 1})
    assert edited.status == 400  # the body of a PUT holds no locationId
    change = {k: v for k, v in site(name="Alex").items() if k != "locationId"}
    edited = world.client.put("/api/locations/ALEX", {**change, "version": 1})
    assert (edited.status, edited.body["version"], edited.body["name"]) == (200, 2, "Alex")
    assert_error(world.client.put("/api/locations/ALEX", {**change, "version": 1}), 409, "Conflict")
    created(world, site(locationId="EMPTY", evses=[]))
    listed = world.client.get("/api/locations", query={"limit": "1"}).body
    rest = world.client.get("/api/locations", query={"cursor": listed["nextCursor"]}).body
    assert [x["locationId"] for x in listed["items"] + rest["items"]] == ["ALEX", "EMPTY"]
    assert_error(
        world.client.delete("/api/locations/ALEX", query={"version": "1"}), 409, "Conflict"
    )
    assert world.client.delete("/api/locations/ALEX").status == 204
    assert_error(world.client.get("/api/locations/ALEX"), 404, "NotFound")
    assert_error(world.client.delete("/api/locations/ALEX"), 404, "NotFound")
    assert_error(world.client.put("/api/locations/ALEX", change), 404, "NotFound")


def test_a_charger_serves_one_location_only(world, chargers) -> None:
    created(world)
    other = site(locationId="OTHER")
    assert_error(world.client.post("/api/locations", other), 409, "Conflict")
    reply = world.client.post("/api/locations", site(locationId="OTHER", evses=[]))
    assert reply.status == 201
    taken = world.client.put(
        "/api/locations/OTHER/evses/E1/charger", {"chargePointId": "CP-1", "connectorId": 1}
    )
    assert_error(taken, 404, "NotFound")  # OTHER has no EVSE E1
    world.client.put(
        "/api/locations/OTHER",
        {k: v for k, v in SITE.items() if k not in ("locationId", "evses")}
        | {"evses": [{**SITE["evses"][0], "charger": None}]},
    )
    taken = world.client.put(
        "/api/locations/OTHER/evses/E1/charger", {"chargePointId": "CP-1", "connectorId": 1}
    )
    assert_error(taken, 409, "Conflict")
    assert "ALEX" in taken.error["message"]
    # Released at ALEX, it can serve OTHER.
    released = world.client.delete("/api/locations/ALEX/evses/E1/charger")
    assert released.status == 200 and released.body["evses"][0].get("charger") is None
    moved = world.client.put(
        "/api/locations/OTHER/evses/E1/charger",
        {"chargePointId": "CP-1", "connectorId": 1, "version": 2},
    )
    assert moved.status == 200, moved.body
    assert given(moved.body["evses"][0]["charger"]) == {"chargePointId": "CP-1", "connectorId": 1}
    unknown = world.client.put(
        "/api/locations/ALEX/evses/E1/charger", {"chargePointId": "CP-404", "connectorId": 1}
    )
    assert_error(unknown, 400, "InvalidRequest")
    both = world.client.put(
        "/api/locations/ALEX/evses/E1/charger",
        {"chargePointId": "CP-3", "connectorId": 1, "evseId": 1},
    )
    assert_error(both, 400, "InvalidRequest")


def test_live_availability_and_search_near_a_point(world, chargers) -> None:
    created(world)
    connectors = world.deps.connectors
    connectors.apply_status(ConnectorStatus("CP-1", 1, "Charging", "t", 1), frozenset())
    connectors.apply_status(ConnectorStatus("CP-2", 1, "Available", "t", 1, 1), frozenset())
    body = world.client.get("/api/locations/ALEX").body
    assert [(e["uid"], e["status"]) for e in body["evses"]] == [
        ("E1", "CHARGING"),
        ("E2", "AVAILABLE"),
    ]
    assert body["evses"][0]["connectors"][0]["powerW"] == 22000
    query = {"lat": "52.5200", "lon": "13.4050", "radiusM": "2000"}
    found = world.client.get("/api/locations/nearby", query=query)
    assert found.status == 200, found.body
    (item,) = found.body["items"]
    assert item["location"]["locationId"] == "ALEX"
    assert 550 < item["distanceM"] < 650
    assert item["availableEvses"] == 1

    def ids(**extra: str) -> list[str]:
        reply = world.client.get("/api/locations/nearby", query={**query, **extra})
        assert reply.status == 200, reply.body
        return [i["location"]["locationId"] for i in reply.body["items"]]

    assert ids(standard="IEC_62196_T2", availableNow="true") == []  # E1 is charging
    assert ids(standard="IEC_62196_T2_COMBO,CHADEMO", availableNow="true") == ["ALEX"]
    assert ids(minPowerW="200000") == []
    assert ids(radiusM="100") == []
    world.deps.chargers.detach_connection("CP-2", "conn-2", world.clock.now)
    assert ids(availableNow="true") == []  # offline: UNKNOWN


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"coordinates": {"latitude": 91, "longitude": 0}}, "body.coordinates.latitude"),
        ({"country": "DE"}, "body.country"),
        ({"name": ""}, "body.name"),
        ({"locationId": "a b"}, "body.locationId"),
        ({"evses": [{"uid": "E1", "connectors": []}]}, "body.evses.0.connectors"),
        (
            {"evses": [{**SITE["evses"][0], "connectors": [{"id": "1", "standard": "USB"}]}]},
            "body.evses.0.connectors.0.standard",
        ),
        ({"evses": [{"uid": f"E{i}", "connectors": []} for i in range(500)]}, "body.evses"),
        ({"tariffIds": ["bad id"]}, "body.tariffIds.0"),
        ({"unexpected": 1}, "body.unexpected"),
    ],
)
def test_a_malformed_location_is_a_400_naming_the_field(world, change, field) -> None:
    reply = world.client.post("/api/locations", site(**change))
    assert_error(reply, 400, "ValidationError")
    assert field in {d["field"] for d in reply.body["error"]["details"]}, reply.body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timeZone": "Mars/Olympus"}, "time zone"),
        ({"tariffIds": ["NOT-PUBLISHED"]}, "not published"),
        ({"evses": [SITE["evses"][0], {**SITE["evses"][0], "uid": "E2"}]}, "same charger"),
        (
            {
                "openingTimes": {
                    "twentyfourseven": True,
                    "regularHours": [
                        {"weekday": "MONDAY", "periodBegin": "06:00", "periodEnd": "22:00"}
                    ],
                }
            },
            "not both",
        ),
    ],
)
def test_a_location_that_cannot_be_stored_is_a_400_saying_why(
    world, chargers, change, message
) -> None:
    reply = world.client.post("/api/locations", site(**change))
    assert_error(reply, 400, "InvalidRequest")
    assert message in reply.error["message"]


@pytest.mark.parametrize(
    "query",
    [
        {"lat": "91", "lon": "0"},
        {"lat": "0"},
        {"lat": "0", "lon": "0", "radiusM": "0"},
        {"lat": "0", "lon": "0", "radiusM": "1000000"},
        {"lat": "nan", "lon": "0"},
        {"lat": "0", "lon": "0", "standard": "USB_C"},
        {"lat": "0", "lon": "0", "limit": "1000"},
    ],
)
def test_a_search_out_of_range_is_a_400(world, query) -> None:
    assert_error(world.client.get("/api/locations/nearby", query=query), 400, "ValidationError")


def test_locations_are_in_the_published_openapi_document(world) -> None:
    document = world.client.get("/api/openapi.json").body
    assert {"/api/locations", "/api/locations/nearby", "/api/locations/{locationId}"} <= set(
        document["paths"]
    )
    assert "LocationBody" in document["components"]["schemas"]
