"""Finding chargers in the driver API: nearby search, one location with prices, and starting
a session by location and EVSE."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.drivers.sessions import app_token
from shared.models.location import Connector, Evse
from shared.timeutil import to_epoch_ms
from tests.fakes import (
    MemoryServices,
    ac_tariff,
    memory_deps,
    memory_services,
    online_charger,
    site,
)
from tests.unit.api.driver_client import DriverClient, drivers
from tests.unit.api.test_auth_and_errors import assert_error

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
TARIFF = ac_tariff(START - timedelta(days=1))
CENTRE = {"lat": "52.52", "lon": "13.405"}


@pytest.fixture
def services() -> MemoryServices:
    deps = memory_deps()
    services = memory_services(deps, now=lambda: START)
    services.engine.clock_ms = lambda: to_epoch_ms(START)
    deps.tariffs.add_version(TARIFF)
    near = site("NEAR", {"CP-1": 1}, TARIFF.tariff_id, 52.5201, 13.405)
    far = site("FAR", {"CP-2": 1}, TARIFF.tariff_id, 52.53, 13.405)
    hidden = replace(site("HIDDEN", {"CP-3": 1}, TARIFF.tariff_id, 52.5200, 13.405), publish=False)
    unserved = replace(
        site("UNSERVED", {}, None, 52.54, 13.405),
        evses=(Evse(uid="E-1", connectors=(_ccs(),)),),
    )
    for location in (near, far, hidden, unserved):
        assert deps.locations.save(location, None).saved
    online_charger(deps, "CP-1")
    return services


def _ccs() -> Connector:
    return Connector(
        id="1", standard="IEC_62196_T2_COMBO", format="CABLE", power_type="DC",
        max_voltage=400, max_amperage=375,
    )  # fmt: skip


@pytest.fixture
def alice(services) -> DriverClient:
    client = drivers(services, "alice-sub")[0]
    setup = client.post("/driver/payment-methods/setup").body
    services.deps.payments.add_payment_method(setup["customerId"], "pm_card_visa")
    return client


def test_nearby_is_published_only_and_nearest_first(alice) -> None:
    reply = alice.get("/driver/locations/nearby", query=CENTRE)
    assert reply.status == 200, reply.body
    items = reply.body["items"]
    assert [i["locationId"] for i in items] == ["NEAR", "FAR", "UNSERVED"]
    near = items[0]
    assert near["distanceM"] < items[1]["distanceM"]
    assert (near["address"], near["city"]) == ("Alexanderstrasse 1", "Berlin")
    assert near["openingTimes"]["twentyfourseven"] is True
    assert (near["evseCount"], near["availableEvses"]) == (1, 1)
    assert near["standards"] == ["IEC_62196_T2"] and near["maxPowerW"] == 22_000


def test_nearby_filters(alice) -> None:
    def ids(**extra: str) -> list[str]:
        reply = alice.get("/driver/locations/nearby", query={**CENTRE, **extra})
        assert reply.status == 200, reply.body
        return [i["locationId"] for i in reply.body["items"]]

    assert ids(standard="IEC_62196_T2_COMBO") == ["UNSERVED"]
    assert ids(minPowerW="50000") == ["UNSERVED"]
    assert ids(availableNow="true") == ["NEAR"]
    assert ids(radiusM="500") == ["NEAR"]
    assert ids(limit="1") == ["NEAR"]


@pytest.mark.parametrize(
    "query",
    [
        {"lon": "13.4"},
        {**CENTRE, "lat": "91"},
        {**CENTRE, "radiusM": "0"},
        {**CENTRE, "radiusM": "50001"},
        {**CENTRE, "standard": "NOPE"},
        {**CENTRE, "limit": "101"},
    ],
)
def test_nearby_rejects_bad_queries(alice, query) -> None:
    assert_error(alice.get("/driver/locations/nearby", query=query), 400, "ValidationError")


def test_a_location_shows_live_status_and_prices_with_and_without_tax(alice) -> None:
    reply = alice.get("/driver/locations/NEAR")
    assert reply.status == 200, reply.body
    (evse,) = reply.body["evses"]
    assert (evse["uid"], evse["status"]) == ("CP-1-1", "AVAILABLE")
    (connector,) = evse["connectors"]
    assert connector["standard"] == "IEC_62196_T2" and connector["powerType"] == "AC_3_PHASE"
    price = connector["price"]
    assert (price["currency"], price["taxRateBp"], price["version"]) == ("EUR", 1900, 1)
    assert [
        (c["type"], c["priceExclTaxMinor"], c["priceInclTaxMinor"], c["stepSize"])
        for c in price["components"]
    ] == [("FLAT", 50, 60, 1), ("ENERGY", 40, 48, 1)]
    offline = alice.get("/driver/locations/FAR").body["evses"][0]
    assert offline["status"] == "UNKNOWN"
    assert (
        alice.get("/driver/locations/UNSERVED").body["evses"][0]["connectors"][0]["price"] is None
    )


@pytest.mark.parametrize("location_id", ["HIDDEN", "NOWHERE", "NEAR2"])
def test_unpublished_and_unknown_locations_are_the_same_404(alice, location_id) -> None:
    assert_error(alice.get(f"/driver/locations/{location_id}"), 404, "NotFound")


def test_a_start_by_location_and_evse_reaches_the_charger(services, alice) -> None:
    reply = alice.post("/driver/sessions", {"locationId": "NEAR", "evseUid": "CP-1-1"})
    assert reply.status == 202, reply.body
    assert (reply.body["chargePointId"], reply.body["connectorId"]) == ("CP-1", 1)
    ((_, _, action, payload),) = [json.loads(t) for _, t in services.deps.sender.sent]
    assert action == "RemoteStartTransaction"
    assert payload == {"connectorId": 1, "idTag": app_token("alice-sub")}


def test_a_start_by_charger_still_works(alice) -> None:
    reply = alice.post("/driver/sessions", {"chargePointId": "CP-1", "connectorId": 1})
    assert reply.status == 202, reply.body


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"locationId": "HIDDEN", "evseUid": "CP-3-1"}, 404, "NotFound"),
        ({"locationId": "NOWHERE", "evseUid": "CP-3-1"}, 404, "NotFound"),
        ({"locationId": "NEAR", "evseUid": "NOPE"}, 404, "NotFound"),
        ({"locationId": "UNSERVED", "evseUid": "E-1"}, 409, "EvseNotServed"),
    ],
)
def test_starts_by_location_that_cannot_be_sent(services, alice, body, status, code) -> None:
    assert_error(alice.post("/driver/sessions", body), status, code)
    assert services.deps.sender.sent == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"locationId": "NEAR"},
        {"chargePointId": "CP-1"},
        {"chargePointId": "CP-1", "evseUid": "CP-1-1"},
        {"chargePointId": "CP-1", "connectorId": 1, "locationId": "NEAR", "evseUid": "CP-1-1"},
        {"locationId": "NEAR", "evseUid": "CP-1-1", "connectorId": 1},
    ],
)
def test_bad_start_bodies_are_400(services, alice, body) -> None:
    assert_error(alice.post("/driver/sessions", body), 400, "ValidationError")
    assert services.deps.sender.sent == []
