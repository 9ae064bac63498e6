"""Password rotation routes (A01): rotate, the outcome, the state; the password never shown."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from shared.access.passwords import hash_password, verify_password
from shared.ocpp.framing import CallResult
from tests.unit.api.test_auth_and_errors import assert_error

OLD = "old-Password-0123456789"
ACCEPTED_201 = {
    "setVariableResult": [
        {
            "attributeStatus": "Accepted",
            "component": {"name": "SecurityCtrlr"},
            "variable": {"name": "BasicAuthPassword"},
        }
    ]
}


def charger_with_password(world, protocol="ocpp2.0.1"):
    record = world.online_charger(protocol=protocol)
    world.deps.chargers.records["CP-1"] = replace(record, password_hash=hash_password(OLD))


def test_A01_rotation_accepted_while_the_api_waits(world) -> None:
    charger_with_password(world)
    world.reply(ACCEPTED_201)
    reply = world.client.post("/api/chargers/CP-1/password/rotate", None)
    assert reply.status == 200, reply.body
    body = reply.body
    assert body["passwordChanged"] is True
    assert body["command"]["action"] == "SetVariables"
    assert body["command"]["request"]["setVariableData"][0]["attributeValue"] == "[redacted]"
    assert body["password"]["rotationCommandId"] is None
    assert body["password"]["previousPasswordValidUntil"] is not None
    [call] = world.sent_calls()
    password = call[3]["setVariableData"][0]["attributeValue"]
    assert password not in json.dumps(body)
    assert verify_password(password, world.deps.chargers.get("CP-1").password_hash)
    # The history shows the request redacted as well.
    history = world.client.get("/api/chargers/CP-1/commands").body
    assert password not in json.dumps(history)
    state = world.client.get("/api/chargers/CP-1/password").body
    assert state["hasPassword"] is True and state["rotationCommandId"] is None


def test_rotation_of_a_16_charger_is_a_hex_authorization_key(world) -> None:
    charger_with_password(world, "ocpp1.6")
    world.reply({"status": "Rejected"})
    reply = world.client.post("/api/chargers/CP-1/password/rotate", None)
    assert reply.status == 200
    assert reply.body["passwordChanged"] is False
    assert reply.body["command"]["request"] == {"key": "AuthorizationKey", "value": "[redacted]"}
    [call] = world.sent_calls()
    assert len(bytes.fromhex(call[3]["value"])) == 20
    assert verify_password(OLD, world.deps.chargers.get("CP-1").password_hash)


def test_A01_unanswered_rotation_is_504_and_a_late_answer_completes_it(world) -> None:
    charger_with_password(world)
    reply = world.client.post("/api/chargers/CP-1/password/rotate", None, query={"timeout": 5})
    assert reply.status == 504
    command_id = reply.body["command"]["commandId"]
    state = world.client.get("/api/chargers/CP-1/password").body
    assert state["rotationCommandId"] == command_id
    world.clock.now += timedelta(seconds=30)
    world.services.engine.on_reply("CP-1", CallResult(command_id, ACCEPTED_201))
    state = world.client.get("/api/chargers/CP-1/password").body
    assert state["rotationCommandId"] is None and state["previousPasswordValidUntil"]


def test_rotation_refusals(world) -> None:
    world.online_charger()
    assert_error(world.client.post("/api/chargers/CP-1/password/rotate", None), 409, "NoPassword")
    assert_error(world.client.post("/api/chargers/NOPE/password/rotate", None), 404, "NotFound")
    assert world.client.get("/api/chargers/NOPE/password").status == 404
    charger_with_password(world)
    payload = {
        "setVariableData": [
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "attributeValue": "y" * 32,
            }
        ]
    }
    refused = world.client.post("/api/chargers/CP-1/commands/SetVariables", payload)
    assert_error(refused, 400, "PasswordNotSettable")
