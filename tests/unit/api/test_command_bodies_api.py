"""The generic command route with typed bodies: the OpenAPI document shows each action's
official request schema, and the route still takes any command as before."""

from __future__ import annotations

from shared.api.models.command_bodies import body_name
from shared.commands.engine import CSMS_ACTIONS
from shared.ocpp.versions import OcppVersion
from tests.unit.api.test_auth_and_errors import assert_error

PATH = "/api/chargers/{chargePointId}/commands/{action}"


def test_each_actions_body_schema_is_in_the_openapi_document(world) -> None:
    document = world.client.get("/api/openapi.json").body
    schemas = document["components"]["schemas"]
    operation = document["paths"][PATH]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    alternatives = {ref["$ref"].rsplit("/", 1)[-1] for ref in body["anyOf"]}
    for version, actions in CSMS_ACTIONS.items():
        for action in actions:
            name = body_name(version, action)
            assert name in alternatives
            assert schemas[name]["type"] == "object", name
    (action,) = [p for p in operation["parameters"] if p["name"] == "action"]
    assert set(action["schema"]["enum"]) == set().union(*CSMS_ACTIONS.values())
    # The official schemas' refs point at components that exist, and nothing at the web.
    text = str(schemas)
    assert "#/definitions/" not in text and "json-schema.org" not in text
    display = schemas[body_name(OcppVersion.V201, "SetDisplayMessage")]
    assert display["properties"]["message"] == {
        "$ref": "#/components/schemas/Ocpp201MessageInfoType"
    }
    assert schemas["Ocpp201MessageInfoType"]["required"] == ["id", "priority", "message"]


def test_a_2_0_1_command_body_that_breaks_its_schema_is_a_400_naming_the_field(world) -> None:
    world.online_charger(protocol="ocpp2.0.1")
    broken = {"message": {"id": 1, "priority": "InFront"}}
    reply = world.client.post("/api/chargers/CP-1/commands/SetDisplayMessage", broken)
    assert_error(reply, 400, "InvalidCommand")
    assert reply.error["details"][0]["field"] == "body.message.message"
    assert world.sent_calls() == []


def test_a_new_2_0_1_command_goes_out_through_the_generic_route(world) -> None:
    world.online_charger(protocol="ocpp2.0.1")
    world.reply({"status": "Accepted"})
    payload = {"requestId": 3, "componentCriteria": ["Problem"]}
    reply = world.client.post("/api/chargers/CP-1/commands/GetReport", payload)
    assert reply.status == 200
    assert reply.body["status"] == "answered"
    [call] = world.sent_calls()
    assert call[2:] == ["GetReport", payload]
