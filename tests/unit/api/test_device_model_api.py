"""A station's device model through the operator API."""

from __future__ import annotations

from dataclasses import replace

from shared.ports.device_models import VariableEntry
from tests.unit.api.test_auth_and_errors import assert_error


def entry(component: str, name: str, value: str, request_id: int, **kw) -> VariableEntry:
    return VariableEntry(
        component=component,
        component_instance=kw.get("component_instance"),
        evse_id=kw.get("evse_id"),
        connector_id=kw.get("connector_id"),
        variable=name,
        variable_instance=kw.get("variable_instance"),
        attributes=(
            {"type": "Actual", "value": value, "mutability": "ReadOnly", "persistent": True},
        ),
        characteristics=kw.get("characteristics"),
        request_id=request_id,
        reported_at="2030-01-01T10:00:00.000Z",
        received_at="2030-01-01T10:00:01.000Z",
    )


def stored_model(world) -> None:
    world.online_charger("CP-1", protocol="ocpp2.0.1")
    store = world.deps.device_models
    store.put_variables(
        "CP-1",
        [
            entry("DeviceCtrlr", "ItemsPerMessage", "4", 1, variable_instance="GetVariables"),
            entry(
                "EVSE",
                "Power",
                "22000",
                2,
                evse_id=1,
                characteristics={"dataType": "decimal", "unit": "W", "maxLimit": 22000},
            ),
        ],
    )
    store.record_part("CP-1", 1, 0, True, "2030-01-01T10:00:01.000Z")
    store.record_part("CP-1", 2, 0, False, "2030-01-01T10:00:01.000Z")


def test_the_device_model_with_its_reports(world) -> None:
    stored_model(world)
    reply = world.client.get("/api/chargers/CP-1/device-model")
    assert reply.status == 200
    body = reply.body
    assert [c["name"] for c in body["components"]] == ["DeviceCtrlr", "EVSE"]
    evse = body["components"][1]
    assert (evse["evseId"], evse["connectorId"]) == (1, None)
    (power,) = evse["variables"]
    assert power["attributes"] == [
        {
            "type": "Actual",
            "value": "22000",
            "mutability": "ReadOnly",
            "persistent": True,
            "constant": False,
        }
    ]
    assert power["characteristics"]["unit"] == "W"
    assert power["characteristics"]["maxLimit"] == 22000
    assert power["report"] == {
        "requestId": 2,
        "reportedAt": "2030-01-01T10:00:00.000Z",
        "receivedAt": "2030-01-01T10:00:01.000Z",
        "complete": False,
    }
    items = body["components"][0]["variables"][0]
    assert (items["instance"], items["report"]["complete"]) == ("GetVariables", True)
    assert [(r["requestId"], r["complete"], r["partsReceived"]) for r in body["reports"]] == [
        (1, True, [0]),
        (2, False, [0]),
    ]


def test_filters_by_component_and_variable_in_any_case(world) -> None:
    stored_model(world)
    body = world.client.get("/api/chargers/CP-1/device-model", query={"component": "evse"}).body
    assert [c["name"] for c in body["components"]] == ["EVSE"]
    assert [r["requestId"] for r in body["reports"]] == [2]
    body = world.client.get(
        "/api/chargers/CP-1/device-model", query={"variable": "itemspermessage"}
    ).body
    assert [v["name"] for c in body["components"] for v in c["variables"]] == ["ItemsPerMessage"]
    body = world.client.get("/api/chargers/CP-1/device-model", query={"component": "Nope"}).body
    assert body == {"chargePointId": "CP-1", "components": [], "reports": []}


def test_an_unknown_charger_is_a_404(world) -> None:
    assert_error(world.client.get("/api/chargers/NOPE/device-model"), 404, "NotFound")


def test_the_openapi_document_describes_the_model(world) -> None:
    document = world.client.get("/api/openapi.json").body
    operation = document["paths"]["/api/chargers/{chargePointId}/device-model"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"component", "variable"}
    schemas = document["components"]["schemas"]
    assert set(schemas["ReportRef"]["required"]) == {
        "requestId",
        "reportedAt",
        "receivedAt",
        "complete",
    }
    # What a station reported is shown as sent (a lenient charger's odd values too); what an
    # operator sends is checked against the enums.
    assert schemas["VariableAttributeView"]["properties"]["type"]["type"] == "string"
    attribute_type = schemas["GetVariableData"]["properties"]["attributeType"]["anyOf"][0]
    assert attribute_type["enum"] == ["Actual", "Target", "MinSet", "MaxSet"]


def test_odd_values_of_a_lenient_charger_are_shown_as_sent(world) -> None:
    world.online_charger("CP-1", protocol="ocpp2.0.1")
    odd = replace(
        entry("Vendor", "X", "1", 1, characteristics={"dataType": "float32"}),
        attributes=({"type": "Current", "value": "1", "mutability": "Sometimes"},),
    )
    world.deps.device_models.put_variables("CP-1", [odd])
    reply = world.client.get("/api/chargers/CP-1/device-model")
    assert reply.status == 200
    (variable,) = reply.body["components"][0]["variables"]
    assert variable["attributes"][0]["type"] == "Current"
    assert variable["characteristics"]["dataType"] == "float32"
