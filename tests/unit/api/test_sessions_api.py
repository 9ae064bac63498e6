"""Session and energy routes."""

from __future__ import annotations

from shared.models.transaction import TransactionRecord
from tests.unit.api.test_auth_and_errors import assert_error


def session(cp: str, tx: str, tag: str | None, started: str | None, status: str = "completed"):
    return TransactionRecord(
        charge_point_id=cp,
        transaction_id=tx,
        status=status,  # type: ignore[arg-type]
        protocol="ocpp1.6",
        connector_id=1,
        id_tag=tag,
        started_at=started,
        meter_start_wh=100,
        meter_stop_wh=1100 if status == "completed" else None,
        energy_wh=1000 if status == "completed" else None,
    )


def seed(world) -> None:
    rows = [
        ("CP-1", "1", "TAG-A", "2030-01-01T08:00:00.000Z", "completed"),
        ("CP-1", "2", "TAG-B", "2030-01-01T09:00:00.000Z", "completed"),
        ("CP-1", "3", "TAG-A", "2030-01-02T08:00:00.000Z", "active"),
        ("CP-2", "1", "TAG-A", "2030-01-03T08:00:00.000Z", "completed"),
        ("CP-2", "9", None, None, "orphan"),
    ]
    for cp, tx, tag, started, status in rows:
        world.deps.transactions.create(session(cp, tx, tag, started, status))


def ids(body) -> list[tuple[str, str]]:
    return [(s["chargePointId"], s["transactionId"]) for s in body["items"]]


def test_sessions_of_a_charger(world) -> None:
    seed(world)
    body = world.client.get("/api/sessions", query={"chargePointId": "CP-1"}).body
    assert ids(body) == [("CP-1", "1"), ("CP-1", "2"), ("CP-1", "3")]
    assert body["nextCursor"] is None
    first = body["items"][0]
    assert (first["idTag"], first["energyWh"], first["status"]) == ("TAG-A", 1000, "completed")
    active = world.client.get("/api/sessions", query={"chargePointId": "CP-1", "status": "active"})
    assert ids(active.body) == [("CP-1", "3")]
    window = world.client.get(
        "/api/sessions",
        query={
            "chargePointId": "CP-1",
            "from": "2030-01-01T08:30:00Z",
            "to": "2030-01-01T23:00:00Z",
        },
    )
    assert ids(window.body) == [("CP-1", "2")]
    orphans = world.client.get("/api/sessions", query={"chargePointId": "CP-2", "status": "orphan"})
    assert ids(orphans.body) == [("CP-2", "9")]


def test_sessions_of_an_id_tag_newest_first_with_paging(world) -> None:
    seed(world)
    page1 = world.client.get("/api/sessions", query={"idTag": "TAG-A", "limit": 2}).body
    assert ids(page1) == [("CP-2", "1"), ("CP-1", "3")]
    page2 = world.client.get(
        "/api/sessions", query={"idTag": "TAG-A", "limit": 2, "cursor": page1["nextCursor"]}
    ).body
    assert ids(page2) == [("CP-1", "1")]
    assert page2["nextCursor"] is None
    ranged = world.client.get(
        "/api/sessions",
        query={"idTag": "TAG-A", "from": "2030-01-02T00:00:00+00:00", "chargePointId": "CP-1"},
    ).body
    assert ids(ranged) == [("CP-1", "3")]


def test_sessions_of_the_network_newest_first_within_a_window(world) -> None:
    seed(world)
    # The clock stands at 2030-01-01T12:00Z: by default, since 7 days ago.
    assert ids(world.client.get("/api/sessions").body) == [("CP-1", "2"), ("CP-1", "1")]
    window = {"from": "2030-01-01T00:00:00Z", "to": "2030-01-03T23:59:59Z"}
    page1 = world.client.get("/api/sessions", query={**window, "limit": 3}).body
    assert ids(page1) == [("CP-2", "1"), ("CP-1", "3"), ("CP-1", "2")]
    page2 = world.client.get(
        "/api/sessions", query={**window, "limit": 3, "cursor": page1["nextCursor"]}
    ).body
    assert ids(page2) == [("CP-1", "1")] and page2["nextCursor"] is None
    active = world.client.get("/api/sessions", query={**window, "status": "active"}).body
    assert ids(active) == [("CP-1", "3")]
    # The cursor belongs to its window: another window's listing refuses it.
    other = {"from": "2030-02-01T00:00:00Z", "to": "2030-02-02T00:00:00Z"}
    refused = world.client.get("/api/sessions", query={**other, "cursor": page1["nextCursor"]})
    assert_error(refused, 400, "InvalidCursor")
    too_wide = world.client.get(
        "/api/sessions", query={"from": "2029-12-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"}
    )
    assert_error(too_wide, 400, "InvalidRequest")
    assert too_wide.body["error"]["details"][0]["field"] == "query.from"
    # 31 UTC days is the most a page reads.
    widest = {"from": "2029-12-02T23:00:00Z", "to": "2030-01-01T00:00:00Z"}
    assert world.client.get("/api/sessions", query=widest).status == 200


def test_session_listing_errors(world) -> None:
    seed(world)
    reversed_range = world.client.get(
        "/api/sessions",
        query={
            "chargePointId": "CP-1",
            "from": "2030-01-02T00:00:00Z",
            "to": "2030-01-01T00:00:00Z",
        },
    )
    assert_error(reversed_range, 400, "InvalidRequest")
    assert_error(
        world.client.get("/api/sessions", query={"chargePointId": "CP-1", "from": "yesterday"}),
        400,
        "ValidationError",
    )
    assert_error(
        world.client.get("/api/sessions", query={"chargePointId": "CP-1", "status": "paused"}),
        400,
        "ValidationError",
    )
    # A cursor of the id-tag listing, or of another charger, is not accepted here.
    tag_cursor = world.client.get("/api/sessions", query={"idTag": "TAG-A", "limit": 1}).body[
        "nextCursor"
    ]
    for query in (
        {"chargePointId": "CP-1", "cursor": tag_cursor},
        {"idTag": "TAG-B", "cursor": tag_cursor},
    ):
        assert_error(world.client.get("/api/sessions", query=query), 400, "InvalidCursor")


def test_one_session(world) -> None:
    seed(world)
    body = world.client.get("/api/chargers/CP-1/sessions/2").body
    assert (body["transactionId"], body["idTag"], body["meterStopWh"]) == ("2", "TAG-B", 1100)
    assert_error(world.client.get("/api/chargers/CP-1/sessions/404"), 404, "NotFound")


def test_energy_per_day(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-E"})
    world.ledger.totals[("CP-E", "2029-12-20")] = (5000, 2)
    world.ledger.totals[("CP-E", "2030-01-01")] = (1500, 1)
    world.ledger.totals[("CP-E", "2029-11-01")] = (999, 1)  # before the default 30 days
    world.ledger.totals[("CP-OTHER", "2030-01-01")] = (7, 1)
    body = world.client.get("/api/chargers/CP-E/energy").body
    assert (body["firstDay"], body["lastDay"]) == ("2029-12-03", "2030-01-01")
    assert body["days"] == [
        {"day": "2029-12-20", "energyWh": 5000, "sessions": 2},
        {"day": "2030-01-01", "energyWh": 1500, "sessions": 1},
    ]
    assert (body["energyWh"], body["sessions"]) == (6500, 3)
    explicit = world.client.get(
        "/api/chargers/CP-E/energy", query={"from": "2029-11-01", "to": "2029-11-30"}
    ).body
    assert explicit["energyWh"] == 999


def test_energy_errors(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-E"})
    assert_error(world.client.get("/api/chargers/NOPE/energy"), 404, "NotFound")
    assert_error(
        world.client.get(
            "/api/chargers/CP-E/energy", query={"from": "2029-01-01", "to": "2030-06-01"}
        ),
        400,
        "InvalidRequest",
    )
    assert_error(
        world.client.get(
            "/api/chargers/CP-E/energy", query={"from": "2030-02-01", "to": "2030-01-01"}
        ),
        400,
        "InvalidRequest",
    )
    assert_error(
        world.client.get("/api/chargers/CP-E/energy", query={"from": "01/02/2030"}),
        400,
        "ValidationError",
    )


def test_energy_windows_at_the_ends_of_the_calendar_are_clipped(world) -> None:
    world.client.post("/api/chargers", {"chargePointId": "CP-E"})
    early = world.client.get("/api/chargers/CP-E/energy", query={"to": "0001-01-01"})
    assert early.status == 200
    assert (early.body["firstDay"], early.body["lastDay"]) == ("0001-01-01", "0001-01-01")
    late = world.client.get("/api/chargers/CP-E/energy", query={"from": "9999-12-31"})
    assert late.status == 200
    assert (late.body["firstDay"], late.body["lastDay"]) == ("9999-12-31", "9999-12-31")
