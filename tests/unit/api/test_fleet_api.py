"""The operator console's fleet views: charger states and filters, command history, overview."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from shared.models.connection import ConnectorStatus
from shared.models.transaction import TransactionRecord
from shared.ocpp.framing import CallResult
from tests.unit.api.test_auth_and_errors import assert_error
from tests.unit.api.test_locations_api import site

STATES = ["available", "occupied", "charging", "faulted", "unavailable", "offline", "unknown"]


def status(world, cp: str, connector: int, value: str, **fields: Any) -> None:
    received = fields.pop("received_at_ms", 1)
    world.deps.connectors.apply_status(
        ConnectorStatus(cp, connector, value, "2030-01-01T11:30:00.000Z", received, **fields),
        frozenset(),
    )


def offline(world, cp: str) -> None:
    world.deps.chargers.records[cp] = replace(world.deps.chargers.records[cp], connection_id=None)


def listed(world, **query: Any) -> dict[str, Any]:
    reply = world.client.get("/api/chargers", query=query)
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [item["chargePointId"] for item in body["items"]]


def all_pages(world, **query: Any) -> tuple[list[str], int]:
    """Every match, following cursors; and how many pages it took."""
    found: list[str] = []
    pages = 0
    cursor = None
    while True:
        body = listed(world, **query, **({"cursor": cursor} if cursor else {}))
        found += ids(body)
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            return found, pages


@pytest.fixture
def fleet(world) -> None:
    """CP-A available, CP-B charging, CP-C faulted, CP-D offline, CP-E no status, CP-F
    charging (another vendor), cp-g available (lower case id)."""
    for cp in ("CP-A", "CP-B", "CP-C", "CP-D", "CP-E", "CP-F", "cp-g"):
        world.online_charger(cp, connection_id=f"conn-{cp}")
    status(world, "CP-A", 1, "Available")
    status(world, "CP-A", 2, "Unavailable")
    status(world, "CP-B", 1, "Charging", error_code="NoError")
    status(world, "CP-C", 1, "Available", error_code="GroundFailure", info="RCD")
    status(world, "CP-D", 1, "Available")
    offline(world, "CP-D")
    world.deps.chargers.records["CP-F"] = replace(
        world.deps.chargers.records["CP-F"], vendor="Other", model="DC150"
    )
    status(world, "CP-F", 1, "Charging")
    status(world, "cp-g", 1, "Available")


def test_list_items_carry_state_location_and_connectors(world, fleet) -> None:
    created = world.client.post("/api/locations", site(evses=[evse("E1", "CP-A", connectorId=1)]))
    assert created.status == 201, created.body
    body = listed(world)
    by_id = {item["chargePointId"]: item for item in body["items"]}
    assert {cp: item["state"] for cp, item in by_id.items()} == {
        "CP-A": "available",
        "CP-B": "charging",
        "CP-C": "faulted",
        "CP-D": "offline",
        "CP-E": "unknown",
        "CP-F": "charging",
        "cp-g": "available",
    }
    assert by_id["CP-A"]["locationId"] == "ALEX"
    assert by_id["CP-B"]["locationId"] is None
    assert by_id["CP-A"]["connectors"] == [
        {
            "connectorId": 1,
            "evseId": None,
            "status": "Available",
            "errorCode": None,
            "updatedAt": "2030-01-01T11:30:00.000Z",
            "chargingState": None,
        },
        {
            "connectorId": 2,
            "evseId": None,
            "status": "Unavailable",
            "errorCode": None,
            "updatedAt": "2030-01-01T11:30:00.000Z",
            "chargingState": None,
        },
    ]
    assert by_id["CP-E"]["connectors"] == []


def test_the_detail_shows_the_same_state(world, fleet) -> None:
    for cp, state in (("CP-A", "available"), ("CP-B", "charging"), ("CP-C", "faulted")):
        assert world.client.get(f"/api/chargers/{cp}").body["state"] == state
    assert world.client.get("/api/chargers/CP-D").body["state"] == "offline"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "charging"}, ["CP-B", "CP-F"]),
        ({"state": "available"}, ["CP-A", "cp-g"]),
        ({"state": "offline"}, ["CP-D"]),
        ({"state": "unknown"}, ["CP-E"]),
        ({"state": "occupied"}, []),
        ({"vendor": "Other"}, ["CP-F"]),
        ({"vendor": "Acme", "model": "Wallbox", "state": "charging"}, ["CP-B"]),
        ({"model": "DC150"}, ["CP-F"]),
        ({"vendor": "acme"}, []),  # vendor and model match exactly
        ({"q": "cp-"}, ["CP-A", "CP-B", "CP-C", "CP-D", "CP-E", "CP-F", "cp-g"]),
        ({"q": "G"}, ["cp-g"]),
        ({"q": "p-a"}, ["CP-A"]),
        ({"q": "P-", "state": "available", "online": "true"}, ["CP-A", "cp-g"]),
        ({"online": "false"}, ["CP-D"]),
    ],
)
def test_filters_compose(world, fleet, query, expected) -> None:
    found, _ = all_pages(world, **query)
    assert sorted(found) == sorted(expected)


def test_a_match_on_a_later_page_is_reached_by_the_cursor(world, fleet) -> None:
    # Listed in id order, one charger per read and four reads per request at most: CP-E, the
    # fifth charger, is not reached by the first request, which ends short with a cursor.
    first = listed(world, state="unknown", limit=1)
    assert first["items"] == []
    assert first["nextCursor"] is not None
    second = listed(world, state="unknown", limit=1, cursor=first["nextCursor"])
    assert ids(second) == ["CP-E"]
    found, pages = all_pages(world, state="unknown", limit=1)
    # Short, CP-E, then the rest of the registry read without a match.
    assert (found, pages) == (["CP-E"], 3)
    # A filter never makes a page longer than the limit, and paging never repeats a charger.
    found, _ = all_pages(world, state="available", limit=1)
    assert found == ["CP-A", "cp-g"]
    everything, _ = all_pages(world, limit=2)
    assert everything == sorted(everything)
    assert len(set(everything)) == 7


def evse(uid: str, cp: str, **binding: int) -> dict[str, Any]:
    return {**site()["evses"][0], "uid": uid, "charger": {"chargePointId": cp, **binding}}


def test_location_filter(world, fleet) -> None:
    evses = [evse("E1", "CP-C", connectorId=1), evse("E2", "CP-F", evseId=1)]
    assert world.client.post("/api/locations", site(evses=evses)).status == 201
    other = site(locationId="OTHER", evses=[evse("E1", "CP-B", connectorId=1)])
    assert world.client.post("/api/locations", other).status == 201
    found, _ = all_pages(world, locationId="ALEX")
    assert found == ["CP-C", "CP-F"]
    body = listed(world, locationId="ALEX", state="charging")
    assert ids(body) == ["CP-F"]
    assert body["items"][0]["locationId"] == "ALEX"
    assert all_pages(world, locationId="NOWHERE")[0] == []


def test_listing_writes_nothing(world, fleet) -> None:
    chargers = dict(world.deps.chargers.records)
    connectors = dict(world.deps.connectors.records)
    all_pages(world, state="charging", limit=1)
    world.client.get("/api/chargers/CP-B")
    world.client.get("/api/overview")
    assert world.deps.chargers.records == chargers
    assert world.deps.connectors.records == connectors


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"state": "broken"}, "query.state"),
        ({"state": "Charging"}, "query.state"),
        ({"q": ""}, "query.q"),
        ({"vendor": ""}, "query.vendor"),
        ({"locationId": "x" * 65}, "query.locationId"),
        ({"limit": "0"}, "query.limit"),
    ],
)
def test_bad_filters_are_400(world, fleet, query, field) -> None:
    reply = world.client.get("/api/chargers", query=query)
    assert_error(reply, 400, "ValidationError")
    assert [d["field"] for d in reply.error["details"]] == [field]
    if "state" in query:
        message = reply.error["details"][0]["message"]
        assert all(f"'{state}'" in message for state in STATES)


def test_a_cursor_of_another_listing_is_400(world, fleet) -> None:
    world.client.post("/api/id-tags", {"idTag": "TAG-1"})
    world.client.post("/api/id-tags", {"idTag": "TAG-2"})
    other = world.client.get("/api/id-tags", query={"limit": "1"}).body["nextCursor"]
    assert other is not None
    assert_error(world.client.get("/api/chargers", query={"cursor": other}), 400, "InvalidCursor")


# -- command history -----------------------------------------------------------------------


def send(world, action: str, payload: dict[str, Any], answer: dict[str, Any] | None) -> str:
    reply = world.client.post(
        f"/api/chargers/CP-1/commands/{action}", payload, query={"wait": "false"}
    )
    assert reply.status == 202, reply.body
    command_id: str = reply.body["commandId"]
    if answer is not None:
        world.services.engine.on_reply("CP-1", CallResult(message_id=command_id, payload=answer))
    world.clock.now += timedelta(seconds=1)
    return command_id


@pytest.fixture
def commands(world) -> list[str]:
    """Five commands of CP-1, a second apart (oldest first); the last still pending."""
    world.online_charger("CP-1")
    world.online_charger("CP-2", connection_id="conn-2")
    return [
        send(world, "Reset", {"type": "Soft"}, {"status": "Accepted"}),
        send(world, "ClearCache", {}, {"status": "Rejected"}),
        send(world, "Reset", {"type": "Hard"}, {"status": "Accepted"}),
        send(world, "ClearCache", {}, {"status": "Accepted"}),
        send(world, "Reset", {"type": "Soft"}, None),
    ]


def history(world, cp: str = "CP-1", **query: Any) -> dict[str, Any]:
    reply = world.client.get(f"/api/chargers/{cp}/commands", query=query)
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def test_history_is_newest_first_as_the_single_get_shows_each(world, commands) -> None:
    body = history(world)
    assert [c["commandId"] for c in body["items"]] == commands[::-1]
    assert body["nextCursor"] is None
    for item in body["items"]:
        single = world.client.get(f"/api/chargers/CP-1/commands/{item['commandId']}").body
        assert item == single
    assert body["items"][0]["status"] == "pending"
    assert body["items"][1]["result"] == {"status": "Accepted"}
    assert history(world, "CP-2")["items"] == []


def test_history_pages(world, commands) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        body = history(world, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(body["items"]) <= 2
        seen += [c["commandId"] for c in body["items"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == commands[::-1]


def test_history_filters_by_action_and_status(world, commands) -> None:
    resets = history(world, action="Reset")["items"]
    assert [c["commandId"] for c in resets] == [commands[4], commands[2], commands[0]]
    answered_clears = history(world, action="ClearCache", status="answered")["items"]
    assert [c["commandId"] for c in answered_clears] == [commands[3], commands[1]]
    pending = history(world, status="pending")["items"]
    assert [c["commandId"] for c in pending] == [commands[4]]
    # A status filter that matches on a later page: the cursor reaches it.
    first = history(world, status="pending", limit=1, action="ClearCache")
    assert first["items"] == []
    oldest_reset = history(world, action="Reset", limit=2)
    rest = history(world, action="Reset", limit=2, cursor=oldest_reset["nextCursor"])
    assert [c["commandId"] for c in rest["items"]] == [commands[0]]


def test_a_pending_command_past_its_deadline_shows_as_timeout(world, commands) -> None:
    world.clock.now += timedelta(minutes=10)
    assert history(world, status="pending")["items"] == []
    timed_out = history(world, status="timeout")["items"]
    assert [c["commandId"] for c in timed_out] == [commands[4]]
    assert timed_out[0]["error"]["code"] == "Timeout"


def test_history_errors(world, commands) -> None:
    assert_error(world.client.get("/api/chargers/NOPE/commands"), 404, "NotFound")
    bad = world.client.get("/api/chargers/CP-1/commands", query={"status": "done"})
    assert_error(bad, 400, "ValidationError")
    assert "'answered'" in bad.error["details"][0]["message"]
    cursor = history(world, limit=1)["nextCursor"]
    # A cursor of CP-1's history is not one of CP-2's.
    reply = world.client.get("/api/chargers/CP-2/commands", query={"cursor": cursor})
    assert_error(reply, 400, "InvalidCursor")
    reply = world.client.get("/api/chargers/CP-1/commands", query={"cursor": "not-a-cursor"})
    assert_error(reply, 400, "InvalidCursor")


# -- overview ------------------------------------------------------------------------------


def session(cp: str, tx: str, started: str, **fields: Any) -> TransactionRecord:
    return TransactionRecord(
        charge_point_id=cp,
        transaction_id=tx,
        status=fields.pop("status", "active"),
        protocol="ocpp1.6",
        connector_id=1,
        started_at=started,
        meter_start_wh=1_000,
        **fields,
    )


def test_overview_counts(world, fleet) -> None:
    # World time: 2030-01-01T12:00Z.
    status(
        world,
        "CP-B",
        2,
        "Faulted",
        error_code="GroundFailure",
        vendor_error_code="E7",
        received_at_ms=5,
    )
    # Sessions that stopped today (UTC) count; yesterday's do not.
    for cp, tx, stopped, energy in (
        ("CP-A", "1", "2030-01-01T09:00:00.000Z", 2_000),
        ("CP-B", "2", "2030-01-01T11:00:00.000Z", 500),
        ("CP-A", "4", "2029-12-31T23:00:00.000Z", 9_000),
    ):
        world.deps.transactions.create(
            session(cp, tx, "2029-12-31T08:00:00.000Z", status="completed", energy_wh=energy)
        )
        world.deps.energy.add_session_once(cp, tx, stopped[:10], energy, stopped[:13] + ":00:00Z")
    body = world.client.get("/api/overview").body
    assert body["generatedAt"] == "2030-01-01T12:00:00.000Z"
    assert body["chargers"] == {
        "total": 7,
        "byState": {
            "available": 2,
            "occupied": 0,
            "charging": 1,
            "faulted": 2,
            "unavailable": 0,
            "offline": 1,
            "unknown": 1,
        },
    }
    # CP-B and CP-F charge (online); CP-D's last status was before it went offline.
    assert body["sessions"] == {"charging": 2, "stoppedToday": 2, "energyTodayWh": 2_500}
    assert [(f["chargePointId"], f["connectorId"]) for f in body["recentFaults"]] == [
        ("CP-B", 2),
        ("CP-C", 1),
    ]
    assert body["recentFaults"][0] == {
        "chargePointId": "CP-B",
        "connectorId": 2,
        "evseId": None,
        "status": "Faulted",
        "errorCode": "GroundFailure",
        "info": None,
        "vendorErrorCode": "E7",
        "at": "2030-01-01T11:30:00.000Z",
    }


def test_overview_of_an_empty_network_has_every_state(world) -> None:
    body = world.client.get("/api/overview").body
    assert body["chargers"] == {"total": 0, "byState": dict.fromkeys(STATES, 0)}
    assert body["sessions"] == {"charging": 0, "stoppedToday": 0, "energyTodayWh": 0}
    assert body["recentFaults"] == []


def test_overview_keeps_the_twenty_latest_faults(world) -> None:
    for n in range(25):
        world.online_charger(f"CP-{n:02}", connection_id=f"c{n}")
        status(world, f"CP-{n:02}", 1, "Faulted", received_at_ms=n + 1)
    body = world.client.get("/api/overview").body
    assert body["chargers"]["byState"]["faulted"] == 25
    assert [f["chargePointId"] for f in body["recentFaults"]] == [
        f"CP-{n:02}" for n in range(24, 4, -1)
    ]


def test_openapi_describes_the_new_fields(world) -> None:
    spec = world.client.get("/api/openapi.json").body
    schemas = spec["components"]["schemas"]
    assert set(schemas["ChargerListItem"]["properties"]) >= {"state", "locationId", "connectors"}
    assert schemas["ChargerListItem"]["properties"]["state"]["enum"] == STATES
    assert "state" in schemas["ChargerDetailView"]["required"]
    assert set(schemas["StateCounts"]["required"]) == set(STATES)
    parameters = {p["name"] for p in spec["paths"]["/api/chargers"]["get"]["parameters"]}
    assert parameters >= {"state", "locationId", "model", "vendor", "q", "limit", "cursor"}
    commands = spec["paths"]["/api/chargers/{chargePointId}/commands"]["get"]
    assert {p["name"] for p in commands["parameters"]} >= {"limit", "cursor", "action", "status"}
    assert "/api/overview" in spec["paths"]
