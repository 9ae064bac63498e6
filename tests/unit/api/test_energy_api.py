"""The network's energy and a session's meter-values curve through the operator API."""

from __future__ import annotations

from typing import Any

import pytest

from shared.models.transaction import TransactionRecord
from tests.unit.api.test_auth_and_errors import assert_error


def test_network_energy_lists_every_day_with_zeros_by_default(world) -> None:
    world.deps.transactions.create(TransactionRecord("CP-1", "1", "completed"))
    world.ledger.add_session_once("CP-1", "1", "2029-12-31", 4200, hour="2029-12-31T22:00:00Z")
    reply = world.client.get("/api/energy")
    assert reply.status == 200
    body = reply.body
    # The world's clock is 2030-01-01T12:00Z: the last 14 UTC days, ending today.
    assert (body["granularity"], body["from"], body["to"]) == ("day", "2029-12-19", "2030-01-01")
    assert [item["period"] for item in body["items"]][:2] == ["2029-12-19", "2029-12-20"]
    assert len(body["items"]) == 14
    assert body["items"][-2] == {"period": "2029-12-31", "energyWh": 4200, "sessions": 1}
    assert body["items"][-1] == {"period": "2030-01-01", "energyWh": 0, "sessions": 0}


def test_network_energy_by_hour(world) -> None:
    world.deps.transactions.create(TransactionRecord("CP-1", "1", "completed"))
    world.ledger.add_session_once("CP-1", "1", "2029-12-31", 4200, hour="2029-12-31T22:00:00Z")
    body = world.client.get(
        "/api/energy", query={"from": "2029-12-31", "to": "2030-01-01", "granularity": "hour"}
    ).body
    assert (body["granularity"], body["from"], body["to"]) == ("hour", "2029-12-31", "2030-01-01")
    assert len(body["items"]) == 48
    assert body["items"][0]["period"] == "2029-12-31T00:00:00Z"
    assert body["items"][22] == {"period": "2029-12-31T22:00:00Z", "energyWh": 4200, "sessions": 1}
    assert body["items"][-1]["period"] == "2030-01-01T23:00:00Z"


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"from": "2030-02-30"}, "InvalidRequest", "query.from"),
        ({"to": "2030-13-01"}, "InvalidRequest", "query.to"),
        ({"from": "01/01/2030"}, "ValidationError", "query.from"),
        ({"from": "2030-01-05", "to": "2030-01-01"}, "InvalidRequest", "query.from"),
        ({"granularity": "week"}, "ValidationError", "query.granularity"),
        ({"from": "2029-01-01", "to": "2030-01-02"}, "InvalidRequest", "query.to"),
        (
            {"from": "2030-01-01", "to": "2030-01-08", "granularity": "hour"},
            "InvalidRequest",
            "query.to",
        ),
    ],
)
def test_network_energy_refuses_bad_ranges(world, query, code, field) -> None:
    reply = world.client.get("/api/energy", query=query)
    assert_error(reply, 400, code)
    assert [detail["field"] for detail in reply.error["details"]] == [field]


def test_a_sessions_meter_values(world) -> None:
    world.deps.transactions.create(
        TransactionRecord(
            "CP-1",
            "7",
            "completed",
            meter_start_wh=1000,
            started_at="2030-01-01T10:00:00.000Z",
            stopped_at="2030-01-01T10:30:00.000Z",
            meter_stop_wh=4000,
        )
    )
    world.deps.transactions.record_meter_progress(
        "CP-1", "7", 2000, "2030-01-01T10:10:00.000Z", (600, 1000)
    )
    reply = world.client.get("/api/chargers/CP-1/sessions/7/meter-values")
    assert reply.status == 200
    assert reply.body == {
        "chargePointId": "CP-1",
        "transactionId": "7",
        "points": [
            {"at": "2030-01-01T10:00:00.000Z", "energyWh": 0, "powerW": None},
            {"at": "2030-01-01T10:10:00.000Z", "energyWh": 1000, "powerW": 6000},
            {"at": "2030-01-01T10:30:00.000Z", "energyWh": 3000, "powerW": 6000},
        ],
    }


def test_meter_values_of_an_unknown_session_are_a_404(world) -> None:
    assert_error(world.client.get("/api/chargers/CP-1/sessions/404/meter-values"), 404, "NotFound")


def test_the_openapi_document_describes_both_bodies(world) -> None:
    document = world.client.get("/api/openapi.json").body
    schemas = document["components"]["schemas"]

    def success(path: str) -> dict[str, Any]:
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        ref = content["application/json"]["schema"]["$ref"]
        schema: dict[str, Any] = schemas[ref.rsplit("/", 1)[-1]]
        return schema

    energy = success("/api/energy")
    assert set(energy["required"]) == {"granularity", "from", "to", "items"}
    assert energy["properties"]["granularity"]["enum"] == ["day", "hour"]
    period = schemas["EnergyPeriodView"]
    assert set(period["required"]) == {"period", "energyWh", "sessions"}
    curve = success("/api/chargers/{chargePointId}/sessions/{transactionId}/meter-values")
    assert set(curve["required"]) == {"chargePointId", "transactionId", "points"}
    point = schemas["MeterValuePointView"]
    assert set(point["required"]) == {"at", "energyWh", "powerW"}
    assert {"type": "null"} in point["properties"]["powerW"]["anyOf"]
    curve_path = "/api/chargers/{chargePointId}/sessions/{transactionId}/meter-values"
    assert "404" in document["paths"][curve_path]["get"]["responses"]
    assert "400" in document["paths"]["/api/energy"]["get"]["responses"]
