"""The normal traffic goes through the ocpp package: its message classes build the frames
and its schemas judge both directions, so a run doubles as an interoperability check."""

import pytest

from simulator import CallErrorReply, CommandHandlerTable, SimulatedCharger
from simulator.ocpp_link import InvalidRequest
from tests.unit.simulator.scripted_csms import ScriptedCsms, async_test


@async_test
async def test_an_answer_the_ocpp_package_rejects_is_counted_and_still_returned():
    def responder(cp, action, payload):
        return {"idTagInfo": {"status": "Maybe"}} if action == "Authorize" else {}

    async with (
        ScriptedCsms(responder=responder) as csms,
        SimulatedCharger(csms.url, "CP-1") as charger,
    ):
        answer = await charger.authorize("TAG-1")
    assert answer == {"idTagInfo": {"status": "Maybe"}}
    assert charger.stats.errors == {"invalid_response.Authorize": 1}
    assert "Maybe" in charger.stats.error_details["invalid_response.Authorize"]


@pytest.mark.parametrize(
    ("protocol", "action", "payload"),
    [
        ("ocpp1.6", "BootNotification", {"chargePointModel": "X1"}),
        ("ocpp1.6", "BootNotification", {"chargePointVendor": 42, "chargePointModel": "X1"}),
        ("ocpp2.0.1", "Heartbeat", {"unexpected": True}),
        ("ocpp1.6", "MakeCoffee", {"size": "large"}),
    ],
)
@async_test
async def test_call_refuses_what_the_package_refuses_and_call_raw_sends_it(
    protocol, action, payload
):
    async with (
        ScriptedCsms() as csms,
        SimulatedCharger(csms.url, "CP-1", protocol=protocol) as charger,
    ):
        with pytest.raises(InvalidRequest, match=action):
            await charger.call(action, payload)
        assert csms.calls(action) == []
        await charger.call_raw(action, payload)
        await csms.wait_until(lambda: len(csms.calls(action)) == 1)
    assert csms.calls(action)[0].payload == payload


@pytest.mark.parametrize(
    ("protocol", "payload", "code"),
    [
        ("ocpp1.6", {"type": "Sideways"}, "FormatViolation"),
        ("ocpp2.0.1", {}, "ProtocolError"),
    ],
)
@async_test
async def test_csms_commands_are_checked_against_the_schemas_before_a_handler_runs(
    protocol, payload, code
):
    handled = []
    handlers = CommandHandlerTable()

    @handlers.handler("Reset")
    async def reset(charger, call_payload):
        handled.append(call_payload)
        return {"status": "Accepted"}

    async with (
        ScriptedCsms() as csms,
        SimulatedCharger(csms.url, "CP-1", protocol=protocol, handlers=handlers),
    ):
        answer = await csms.send_call("CP-1", "Reset", payload)
    assert answer[0] == 4
    assert answer[2] == code
    assert handled == []


@async_test
async def test_a_handler_answer_outside_the_schema_becomes_a_callerror_not_a_bad_frame():
    handlers = CommandHandlerTable()

    @handlers.handler("ClearCache")
    async def clear_cache(charger, payload):
        return {"status": "Sometimes"}

    @handlers.handler("UnlockConnector")
    async def unlock(charger, payload):
        raise CallErrorReply("OccurenceConstraintViolation", "no such connector", {"n": 9})

    async with (
        ScriptedCsms() as csms,
        SimulatedCharger(csms.url, "CP-1", handlers=handlers),
    ):
        bad = await csms.send_call("CP-1", "ClearCache", {})
        refused = await csms.send_call("CP-1", "UnlockConnector", {"connectorId": 9})
    assert bad[0] == 4
    assert bad[2] == "FormatViolation"
    assert refused == [4, refused[1], "OccurenceConstraintViolation", "no such connector", {"n": 9}]
