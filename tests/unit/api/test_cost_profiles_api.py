"""Cost profile routes: listing, applying to 1.6 and 2.0.1 chargers through the command
engine, the 1.6 sequence of ChangeConfiguration, what the charger record shows, the errors."""

from __future__ import annotations

from typing import Any

from shared.commands.cost_profiles import MAX_GROUP
from shared.models.charger import ChargerRecord
from shared.ocpp.framing import CallError, CallResult
from shared.station.cost_profiles import COST_PROFILES
from tests.unit.api.test_auth_and_errors import assert_error
from tests.unit.api.world import World

APPLY = "/api/cost-profiles/{}/apply"


def _answer(world: World, charge_point_id: str, payload: dict[str, Any]) -> None:
    """The charger answers the last CALL it got."""
    message_id = world.sent_calls()[-1][1]
    world.services.engine.on_reply(charge_point_id, CallResult(message_id, payload))


def test_the_profiles_and_their_ocpp_settings(world: World) -> None:
    reply = world.client.get("/api/cost-profiles")
    assert reply.status == 200
    by_name = {p["name"]: p for p in reply.body["items"]}
    assert set(by_name) == set(COST_PROFILES)
    lean = by_name["lean"]
    assert lean["meterValueSampleIntervalS"] == 120
    assert lean["sampledMeasurands"] == ["Energy.Active.Import.Register"]
    assert lean["clockAlignedDataIntervalS"] == 0
    assert {"key": "MeterValueSampleInterval", "value": "120"} in lean["ocpp16"]
    assert {
        "component": "SampledDataCtrlr",
        "variable": "TxUpdatedInterval",
        "value": "120",
    } in lean["ocpp201"]
    assert world.client.get("/api/cost-profiles/lean").body == lean
    assert_error(world.client.get("/api/cost-profiles/cheap"), 404, "NotFound")


def test_a_16_charger_gets_one_change_configuration_per_key_in_turn(world: World) -> None:
    world.online_charger("CP-1")
    reply = world.client.post(APPLY.format("lean"), {"chargePointIds": ["CP-1"]})
    assert reply.status == 202
    assert (reply.body["sent"], reply.body["refused"]) == (1, 0)
    [charger] = reply.body["chargers"]
    assert charger["status"] == "sent" and charger["protocol"] == "ocpp1.6"
    planned = charger["commands"]
    expected = [{"key": k, "value": v} for k, v in COST_PROFILES["lean"].configuration_v16()]
    assert [c["request"] for c in planned] == expected
    assert {c["action"] for c in planned} == {"ChangeConfiguration"}
    assert [c["sent"] for c in planned] == [True, False, False, False]
    # One command in flight: the next key goes out when the charger answered the previous.
    assert [call[1:] for call in world.sent_calls()] == [
        [planned[0]["commandId"], "ChangeConfiguration", expected[0]]
    ]
    for step in range(len(expected)):
        _answer(world, "CP-1", {"status": "Accepted"})
        assert len(world.sent_calls()) == min(step + 2, len(expected))
    assert [call[1] for call in world.sent_calls()] == [c["commandId"] for c in planned]
    assert [call[3] for call in world.sent_calls()] == expected
    for command in planned:
        outcome = world.client.get(f"/api/chargers/CP-1/commands/{command['commandId']}").body
        assert outcome["status"] == "answered"
        assert outcome["requestedBy"] == "local-operator"
    shown = world.client.get("/api/chargers/CP-1").body
    assert shown["costProfile"] == "lean"
    assert shown["costProfileAppliedAt"] == "2030-01-01T12:00:00.000Z"


def test_a_201_charger_gets_one_set_variables(world: World) -> None:
    world.online_charger("CS-2", protocol="ocpp2.0.1", connection_id="conn-2")
    reply = world.client.post(APPLY.format("detailed"), {"chargePointIds": ["CS-2"]})
    assert reply.status == 202
    [command] = reply.body["chargers"][0]["commands"]
    assert command["action"] == "SetVariables" and command["sent"]
    [call] = world.sent_calls()
    assert call[2] == "SetVariables"
    variables = call[3]["setVariableData"]
    assert {
        (v["component"]["name"], v["variable"]["name"]): v["attributeValue"] for v in variables
    } == {(c, n): value for c, n, value in COST_PROFILES["detailed"].variables_v201()}
    assert world.client.get("/api/chargers/CS-2").body["costProfile"] is None
    _answer(
        world,
        "CS-2",
        {
            "setVariableResult": [
                {
                    "attributeStatus": "RebootRequired" if i == 0 else "Accepted",
                    "component": v["component"],
                    "variable": v["variable"],
                }
                for i, v in enumerate(variables)
            ]
        },
    )
    assert world.client.get("/api/chargers/CS-2").body["costProfile"] == "detailed"
    assert len(world.sent_calls()) == 1


def test_a_rejected_variable_leaves_the_profile_unrecorded(world: World) -> None:
    world.online_charger("CS-2", protocol="ocpp2.0.1", connection_id="conn-2")
    world.client.post(APPLY.format("lean"), {"chargePointIds": ["CS-2"]})
    variables = world.sent_calls()[0][3]["setVariableData"]
    _answer(
        world,
        "CS-2",
        {
            "setVariableResult": [
                {
                    "attributeStatus": "UnknownVariable" if i == 1 else "Accepted",
                    "component": v["component"],
                    "variable": v["variable"],
                }
                for i, v in enumerate(variables)
            ]
        },
    )
    assert world.client.get("/api/chargers/CS-2").body["costProfile"] is None


def test_a_rejected_key_goes_on_but_is_not_recorded_and_a_callerror_stops(world: World) -> None:
    world.online_charger("CP-1")
    world.client.post(APPLY.format("lean"), {"chargePointIds": ["CP-1"]})
    _answer(world, "CP-1", {"status": "NotSupported"})
    _answer(world, "CP-1", {"status": "Accepted"})
    _answer(world, "CP-1", {"status": "Accepted"})
    _answer(world, "CP-1", {"status": "Accepted"})
    assert len(world.sent_calls()) == 4
    assert world.deps.chargers.get("CP-1").cost_profile is None

    world.online_charger("CP-2", connection_id="conn-2")
    world.client.post(APPLY.format("lean"), {"chargePointIds": ["CP-2"]})
    message_id = world.sent_calls()[-1][1]
    world.services.engine.on_reply("CP-2", CallError(message_id, "InternalError", "busy"))
    assert len(world.sent_calls()) == 5  # nothing more for CP-2


def test_a_mixed_group_reports_each_charger(world: World) -> None:
    world.online_charger("CP-1")
    world.online_charger("CS-2", protocol="ocpp2.0.1", connection_id="conn-2")
    world.deps.chargers.create(ChargerRecord(charge_point_id="CP-OFF", protocol="ocpp1.6"))
    reply = world.client.post(
        APPLY.format("standard"),
        {"chargePointIds": ["CP-1", "CS-2", "NOPE", "CP-OFF", "CP-1"]},
    )
    assert reply.status == 202
    body = reply.body
    assert (body["profile"], body["sent"], body["refused"]) == ("standard", 2, 2)
    outcomes = {c["chargePointId"]: c for c in body["chargers"]}
    assert list(outcomes) == ["CP-1", "CS-2", "NOPE", "CP-OFF"]  # duplicates count once
    assert outcomes["NOPE"]["status"] == "refused"
    assert outcomes["NOPE"]["refusal"]["code"] == "NotFound"
    assert outcomes["CP-OFF"]["refusal"]["code"] == "ChargerOffline"
    assert outcomes["CP-OFF"]["commands"] == []
    assert [call[2] for call in world.sent_calls()] == ["ChangeConfiguration", "SetVariables"]
    # A charger still answering refuses a second application rather than queueing it.
    again = world.client.post(APPLY.format("lean"), {"chargePointIds": ["CP-1"]}).body
    assert again["chargers"][0]["refusal"]["code"] == "CommandInFlight"


def test_a_selector_names_the_chargers_of_the_listing(world: World) -> None:
    world.online_charger("CP-1")
    world.online_charger("CP-2", connection_id="conn-2")
    world.deps.chargers.create(ChargerRecord(charge_point_id="CP-OFF", protocol="ocpp1.6"))
    reply = world.client.post(APPLY.format("lean"), {"selector": {"online": True}})
    assert reply.status == 202
    assert sorted(c["chargePointId"] for c in reply.body["chargers"]) == ["CP-1", "CP-2"]
    nobody = world.client.post(
        APPLY.format("lean"), {"selector": {"registrationStatus": "Pending"}}
    )
    assert_error(nobody, 422, "EmptyGroup")


def test_unknown_profile_is_404_before_anything_is_sent(world: World) -> None:
    world.online_charger("CP-1")
    reply = world.client.post(APPLY.format("cheapest"), {"chargePointIds": ["CP-1"]})
    assert_error(reply, 404, "NotFound")
    assert reply.error["details"]["profiles"] == sorted(COST_PROFILES)
    assert world.sent_calls() == []


def test_empty_or_oversized_groups_are_422(world: World) -> None:
    world.online_charger("CP-1")
    empty = world.client.post(APPLY.format("lean"), {"chargePointIds": []})
    assert_error(empty, 422, "EmptyGroup")
    ids = [f"CP-{i}" for i in range(MAX_GROUP + 1)]
    oversized = world.client.post(APPLY.format("lean"), {"chargePointIds": ids})
    assert_error(oversized, 422, "GroupTooLarge")
    assert str(MAX_GROUP) in oversized.error["message"]
    assert world.sent_calls() == []
    both = world.client.post(
        APPLY.format("lean"), {"chargePointIds": ["CP-1"], "selector": {"online": True}}
    )
    assert_error(both, 400, "ValidationError")


def test_a_selector_naming_too_many_chargers_is_422(world: World) -> None:
    for i in range(MAX_GROUP + 1):
        world.deps.chargers.create(ChargerRecord(charge_point_id=f"CP-{i:03d}"))
    reply = world.client.post(APPLY.format("lean"), {"selector": {}})
    assert_error(reply, 422, "GroupTooLarge")


def test_the_openapi_document_lists_the_routes_and_the_422(world: World) -> None:
    document = world.client.get("/api/openapi.json").body
    apply = document["paths"]["/api/cost-profiles/{name}/apply"]["post"]
    assert {"202", "400", "404", "422"} <= set(apply["responses"])
    assert "/api/cost-profiles" in document["paths"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
