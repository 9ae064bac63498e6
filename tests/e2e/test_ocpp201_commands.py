"""OCPP 2.0.1 commands beyond the core, sent through the operator API's generic command route
and the local gateway to a simulated 2.0.1 station, named after the use cases they exercise:
B08 GetReport, N02 GetMonitoringReport, O01 SetDisplayMessage, O04 GetDisplayMessages, E14
GetTransactionStatus, I03 CostUpdated."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from csms_cli.client import ApiError, Client, quote
from simulator import SimulatedCharger
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

V201 = "ocpp2.0.1"
HEARTBEAT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
MESSAGE = {
    "id": 7,
    "priority": "NormalCycle",
    "message": {"format": "UTF8", "content": "0.35 EUR/kWh"},
}


def new_id() -> str:
    return f"CMD-{uuid.uuid4().hex[:10]}"


class Operator:
    def __init__(self, platform: Any) -> None:
        self.client = Client(platform.http_url, "dev-operator-token", timeout_s=30)

    async def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        return await asyncio.to_thread(self.client.request, method, path, query or None, body)

    async def command(self, cp_id: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The command as answered (the API waits for the station)."""
        answer: dict[str, Any] = await self.call(
            "POST", f"/chargers/{quote(cp_id)}/commands/{action}", payload
        )
        assert answer["status"] == "answered", answer
        return answer


async def until(condition: Any, what: str, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout_s} s: {what}")
        await asyncio.sleep(0.1)


def test_B08_get_report_of_one_variable_lands_in_the_device_model(platform):
    cp_id = new_id()
    operator = Operator(platform)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            answer = await operator.command(
                cp_id, "GetReport", {"requestId": 81, "componentVariable": [HEARTBEAT]}
            )

            async def reported() -> bool:
                model = await operator.call("GET", f"/chargers/{quote(cp_id)}/device-model")
                return any(r["requestId"] == 81 and r["complete"] for r in model["reports"])

            await until(reported, "NotifyReport 81 stored")
            model = await operator.call("GET", f"/chargers/{quote(cp_id)}/device-model")
            return answer, model

    answer, model = run(scenario())
    assert answer["result"] == {"status": "Accepted"}
    (component,) = model["components"]
    assert component["name"] == "OCPPCommCtrlr"
    assert [v["name"] for v in component["variables"]] == ["HeartbeatInterval"]


def test_N02_get_monitoring_report_after_set_variable_monitoring(platform):
    cp_id = new_id()
    operator = Operator(platform)
    monitor = {"value": 900, "type": "UpperThreshold", "severity": 4, **HEARTBEAT}

    async def scenario() -> tuple[dict[str, Any], ...]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            base = await operator.command(cp_id, "SetMonitoringBase", {"monitoringBase": "All"})
            level = await operator.command(cp_id, "SetMonitoringLevel", {"severity": 5})
            created = await operator.command(
                cp_id, "SetVariableMonitoring", {"setMonitoringData": [monitor]}
            )
            report = await operator.command(cp_id, "GetMonitoringReport", {"requestId": 82})
            cleared = await operator.command(cp_id, "ClearVariableMonitoring", {"id": [1]})
            empty = await operator.command(cp_id, "GetMonitoringReport", {"requestId": 83})
            return base, level, created, report, cleared, empty

    base, level, created, report, cleared, empty = run(scenario())
    assert base["result"] == level["result"] == {"status": "Accepted"}
    (result,) = created["result"]["setMonitoringResult"]
    assert (result["status"], result["id"]) == ("Accepted", 1)
    assert report["result"] == {"status": "Accepted"}
    assert cleared["result"] == {"clearMonitoringResult": [{"id": 1, "status": "Accepted"}]}
    assert empty["result"] == {"status": "EmptyResultSet"}


def test_O01_set_display_message_then_O04_get_and_clear_it(platform):
    cp_id = new_id()
    operator = Operator(platform)

    async def scenario() -> tuple[Any, ...]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            shown = await operator.command(cp_id, "SetDisplayMessage", {"message": MESSAGE})
            kept = dict(cp.device.display_messages)
            asked = await operator.command(cp_id, "GetDisplayMessages", {"requestId": 84})
            cleared = await operator.command(cp_id, "ClearDisplayMessage", {"id": 7})
            none = await operator.command(cp_id, "GetDisplayMessages", {"requestId": 85})
            return shown, kept, asked, cleared, none

    shown, kept, asked, cleared, none = run(scenario())
    assert shown["result"] == {"status": "Accepted"}
    assert kept == {7: MESSAGE}
    assert asked["result"] == {"status": "Accepted"}
    assert cleared["result"] == {"status": "Accepted"}
    assert none["result"] == {"status": "Unknown"}


def test_E14_get_transaction_status_of_a_running_and_an_unknown_transaction(platform):
    cp_id = new_id()
    operator = Operator(platform)

    async def scenario() -> tuple[dict[str, Any], ...]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            started = await cp.charging.transaction_event("Started", id_token="E14-TAG")
            running = await operator.command(
                cp_id, "GetTransactionStatus", {"transactionId": started.transaction_id}
            )
            unknown = await operator.command(
                cp_id, "GetTransactionStatus", {"transactionId": "no-such-transaction"}
            )
            queue = await operator.command(cp_id, "GetTransactionStatus", {})
            return running, unknown, queue

    running, unknown, queue = run(scenario())
    assert running["result"] == {"messagesInQueue": False, "ongoingIndicator": True}
    assert unknown["result"] == {"messagesInQueue": False, "ongoingIndicator": False}
    assert queue["result"] == {"messagesInQueue": False}


def test_I03_cost_updated_reaches_the_station_during_a_transaction(platform):
    cp_id = new_id()
    operator = Operator(platform)

    async def scenario() -> tuple[dict[str, Any], dict[str, float], str]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            started = await cp.charging.transaction_event("Started", id_token="I03-TAG")
            cost = {"totalCost": 4.27, "transactionId": started.transaction_id}
            answer = await operator.command(cp_id, "CostUpdated", cost)
            return answer, dict(cp.device.running_costs), started.transaction_id

    answer, costs, transaction_id = run(scenario())
    assert answer["result"] == {}
    assert answer["request"] == {"totalCost": 4.27, "transactionId": transaction_id}
    assert costs == {transaction_id: 4.27}


def test_a_2_0_1_command_body_that_breaks_its_schema_never_reaches_the_station(platform):
    cp_id = new_id()
    operator = Operator(platform)

    async def scenario() -> ApiError:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            with pytest.raises(ApiError) as refused:
                await operator.call(
                    "POST",
                    f"/chargers/{quote(cp_id)}/commands/SetDisplayMessage",
                    {"message": {**MESSAGE, "priority": "Loudest"}},
                )
            assert cp.device.display_messages == {}
            return refused.value

    error = run(scenario())
    assert (error.status, error.code) == (400, "InvalidCommand")
    assert error.details[0]["field"] == "body.message.priority"
