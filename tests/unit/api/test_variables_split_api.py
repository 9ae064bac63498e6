"""GetVariables / SetVariables split to the charger's reported ItemsPerMessage and
BytesPerMessage (issue 16 point 3), through the operator API."""

from __future__ import annotations

from typing import Any

from shared.commands.variables import MessageLimits, split
from shared.ocpp.framing import CallError, CallResult
from shared.ports.device_models import VariableEntry
from tests.unit.api.test_auth_and_errors import assert_error


def reported(world, name: str, instance: str, value: str) -> None:
    world.deps.device_models.put_variables(
        "CP-1",
        [
            VariableEntry(
                "DeviceCtrlr",
                None,
                None,
                None,
                name,
                instance,
                ({"type": "Actual", "value": value, "mutability": "ReadOnly"},),
                {"dataType": "integer"},
                1,
                "2030-01-01T10:00:00.000Z",
                "2030-01-01T10:00:00.000Z",
            )
        ],
    )


def wanted(n: int) -> list[dict[str, Any]]:
    return [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": f"V{i}"}} for i in range(n)
    ]


def station_answers(world, fail_at: int | None = None) -> None:
    """Answer every GetVariables/SetVariables CALL as it is sent (the n-th with a CALLERROR
    when `fail_at` says so)."""
    answered: set[str] = set()

    def deliver() -> None:
        for call in world.sent_calls():
            _, message_id, action, payload = call
            if message_id in answered:
                continue
            answered.add(message_id)
            if fail_at is not None and len(answered) == fail_at:
                world.services.engine.on_reply(
                    "CP-1", CallError(message_id, "InternalError", "busy")
                )
                continue
            key = "getVariableData" if action == "GetVariables" else "setVariableData"
            results = [
                {
                    "attributeStatus": "Accepted",
                    "component": entry["component"],
                    "variable": entry["variable"],
                    **({"attributeValue": "1"} if action == "GetVariables" else {}),
                }
                for entry in payload[key]
            ]
            result_key = "getVariableResult" if action == "GetVariables" else "setVariableResult"
            world.services.engine.on_reply("CP-1", CallResult(message_id, {result_key: results}))

    world.clock.on_sleep = deliver


def test_split_by_items_and_bytes_keeps_the_order():
    entries = wanted(7)
    assert [len(c) for c in split("GetVariables", entries, MessageLimits(items=3))] == [3, 3, 1]
    assert split("GetVariables", entries, MessageLimits()) == [entries]
    chunks = split("GetVariables", entries, MessageLimits(bytes=250))
    assert [e for chunk in chunks for e in chunk] == entries
    assert len(chunks) > 1 and all(len(chunk) >= 1 for chunk in chunks)
    # An entry larger than the limit on its own still goes (alone).
    assert len(split("GetVariables", entries[:2], MessageLimits(bytes=10))) == 2


def test_get_variables_beyond_items_per_message_goes_out_in_turn_and_is_merged(world) -> None:
    world.online_charger("CP-1", protocol="ocpp2.0.1")
    reported(world, "ItemsPerMessage", "GetVariables", "2")
    station_answers(world)
    reply = world.client.post(
        "/api/chargers/CP-1/device-model/get-variables", {"getVariableData": wanted(5)}
    )
    assert reply.status == 200, reply.body
    body = reply.body
    assert body["status"] == "answered"
    assert body["limits"] == {"itemsPerMessage": 2, "bytesPerMessage": None}
    assert [len(c["request"]["getVariableData"]) for c in body["commands"]] == [2, 2, 1]
    assert [r["variable"]["name"] for r in body["results"]] == [f"V{i}" for i in range(5)]
    assert body["unsent"] == []
    assert [call[2] for call in world.sent_calls()] == ["GetVariables"] * 3


def test_set_variables_stops_at_the_first_call_not_answered(world) -> None:
    world.online_charger("CP-1", protocol="ocpp2.0.1")
    reported(world, "ItemsPerMessage", "SetVariables", "2")
    station_answers(world, fail_at=2)
    entries = [{**e, "attributeValue": "10"} for e in wanted(5)]
    reply = world.client.post(
        "/api/chargers/CP-1/device-model/set-variables", {"setVariableData": entries}
    )
    body = reply.body
    assert (reply.status, body["status"]) == (200, "error")
    assert body["error"]["code"] == "InternalError"
    assert [c["status"] for c in body["commands"]] == ["answered", "error"]
    assert [r["variable"]["name"] for r in body["results"]] == ["V0", "V1"]
    assert [e["variable"]["name"] for e in body["unsent"]] == ["V4"]


def test_without_reported_limits_one_call(world) -> None:
    world.online_charger("CP-1", protocol="ocpp2.0.1")
    station_answers(world)
    body = world.client.post(
        "/api/chargers/CP-1/device-model/get-variables", {"getVariableData": wanted(5)}
    ).body
    assert len(body["commands"]) == 1 and len(body["results"]) == 5


def test_the_first_call_refused_is_an_error_like_a_single_command(world) -> None:
    assert_error(
        world.client.post(
            "/api/chargers/NOPE/device-model/get-variables", {"getVariableData": wanted(1)}
        ),
        404,
        "NotFound",
    )
    world.online_charger("CP-1", protocol="ocpp2.0.1")
    reply = world.client.post(
        "/api/chargers/CP-1/device-model/get-variables", {"getVariableData": []}
    )
    assert reply.status == 400
