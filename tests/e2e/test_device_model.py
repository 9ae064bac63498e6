"""OCPP 2.0.1 device model reporting (B07 GetBaseReport, B08 GetReport) through the local
gateway: a simulated 2.0.1 station sends its report in three parts (seqNo 0..2, tbc), and the
operator API shows the assembled device model."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from csms_cli.client import Client, quote
from simulator import SimulatedCharger
from simulator.handlers import default_handlers
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

V201 = "ocpp2.0.1"


def new_id() -> str:
    return f"DM-{uuid.uuid4().hex[:10]}"


def variable(component: str, name: str, value: str, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "component": {"name": component},
        "variable": {"name": name},
        "variableAttribute": [{"type": "Actual", "value": value, "mutability": "ReadOnly"}],
    }
    if "evse" in extra:
        entry["component"]["evse"] = extra.pop("evse")
    if "instance" in extra:
        entry["variable"]["instance"] = extra.pop("instance")
    if extra:
        entry["variableCharacteristics"] = {"supportsMonitoring": False, **extra}
    return entry


BASE_REPORT = [
    [
        variable(
            "DeviceCtrlr", "ItemsPerMessage", "2", instance="GetVariables", dataType="integer"
        ),
        variable(
            "DeviceCtrlr", "ItemsPerMessage", "2", instance="SetVariables", dataType="integer"
        ),
    ],
    [
        variable("OCPPCommCtrlr", "HeartbeatInterval", "300", unit="s", dataType="integer"),
        variable("EVSE", "Power", "22000", evse={"id": 1}, unit="W", dataType="decimal"),
    ],
    [variable("Connector", "ConnectorType", "cType2", evse={"id": 1, "connectorId": 1})],
]


def parts(request_id: int, data: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        {
            "requestId": request_id,
            "generatedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "seqNo": seq_no,
            "tbc": seq_no < len(data) - 1,
            "reportData": report_data,
        }
        for seq_no, report_data in enumerate(data)
    ]


class Operator:
    def __init__(self, platform: Any) -> None:
        self.client = Client(platform.http_url, "dev-operator-token", timeout_s=30)

    async def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        return await asyncio.to_thread(self.client.request, method, path, query or None, body)

    async def device_model(self, cp_id: str, **query: Any) -> dict[str, Any]:
        model: dict[str, Any] = await self.call(
            "GET", f"/chargers/{quote(cp_id)}/device-model", **query
        )
        return model

    async def complete_report(self, cp_id: str, request_id: int) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while True:
            model = await self.device_model(cp_id)
            if any(r["requestId"] == request_id and r["complete"] for r in model["reports"]):
                return model
            if time.monotonic() > deadline:
                raise AssertionError(f"report {request_id} not complete: {model['reports']}")
            await asyncio.sleep(0.1)


def values(model: dict[str, Any]) -> dict[tuple[str, str, str | None], str]:
    return {
        (c["name"], v["name"], v.get("instance")): v["attributes"][0]["value"]
        for c in model["components"]
        for v in c["variables"]
    }


def test_B07_get_base_report_three_parts_assembled_into_the_device_model(platform):
    cp_id = new_id()
    operator = Operator(platform)
    handlers = default_handlers()

    async def get_base_report(cp: Any, payload: dict[str, Any]) -> dict[str, Any]:
        async def send_report() -> None:
            for message in parts(payload["requestId"], BASE_REPORT):
                assert await cp.call("NotifyReport", message) == {}

        cp.after_answer(send_report())
        return {"status": "Accepted"}

    handlers.register("GetBaseReport", get_base_report, protocol=V201)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201, handlers=handlers) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            answer = await operator.call(
                "POST",
                f"/chargers/{quote(cp_id)}/commands/GetBaseReport",
                {"requestId": 41, "reportBase": "FullInventory"},
            )
            model = await operator.complete_report(cp_id, 41)
            evse = await operator.device_model(cp_id, component="evse")
            return answer, model, evse

    answer, model, evse = run(scenario())
    assert answer["result"] == {"status": "Accepted"}
    assert values(model) == {
        ("Connector", "ConnectorType", None): "cType2",
        ("DeviceCtrlr", "ItemsPerMessage", "GetVariables"): "2",
        ("DeviceCtrlr", "ItemsPerMessage", "SetVariables"): "2",
        ("EVSE", "Power", None): "22000",
        ("OCPPCommCtrlr", "HeartbeatInterval", None): "300",
    }
    (report,) = model["reports"]
    assert (report["partsReceived"], report["lastSeqNo"]) == ([0, 1, 2], 2)
    (component,) = evse["components"]
    assert (component["name"], component["evseId"]) == ("EVSE", 1)
    power = component["variables"][0]
    assert power["characteristics"] == {
        "unit": "W",
        "dataType": "decimal",
        "minLimit": None,
        "maxLimit": None,
        "valuesList": None,
        "supportsMonitoring": False,
    }
    assert power["attributes"][0]["mutability"] == "ReadOnly"
    assert power["report"]["requestId"] == 41 and power["report"]["complete"]


def test_B08_a_get_report_in_three_parts_with_a_resent_part_replaces_what_it_names(platform):
    cp_id = new_id()
    operator = Operator(platform)
    later = [
        [variable("OCPPCommCtrlr", "HeartbeatInterval", "60", unit="s", dataType="integer")],
        [variable("EVSE", "Power", "11000", evse={"id": 1}, unit="W", dataType="decimal")],
        [variable("EVSE", "AvailabilityState", "Available", evse={"id": 1})],
    ]

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            for message in parts(1, BASE_REPORT):
                assert await cp.call("NotifyReport", message) == {}
            first, second, third = parts(2, later)
            assert await cp.call("NotifyReport", first) == {}
            assert await cp.call("NotifyReport", second) == {}
            pending = await operator.device_model(cp_id)
            # The answer to the second part was lost: the station sends it again.
            assert await cp.call("NotifyReport", second) == {}
            assert await cp.call("NotifyReport", third) == {}
            return pending, await operator.complete_report(cp_id, 2)

    pending, model = run(scenario())
    assert [(r["requestId"], r["complete"]) for r in pending["reports"]] == [(1, True), (2, False)]
    assert values(model) == {
        ("Connector", "ConnectorType", None): "cType2",
        ("DeviceCtrlr", "ItemsPerMessage", "GetVariables"): "2",
        ("DeviceCtrlr", "ItemsPerMessage", "SetVariables"): "2",
        ("EVSE", "AvailabilityState", None): "Available",
        ("EVSE", "Power", None): "11000",
        ("OCPPCommCtrlr", "HeartbeatInterval", None): "60",
    }
    reports = {r["requestId"]: r for r in model["reports"]}
    assert reports[2]["partsReceived"] == [0, 1, 2] and reports[2]["complete"]
    heartbeat = next(c for c in model["components"] if c["name"] == "OCPPCommCtrlr")
    assert heartbeat["variables"][0]["report"]["requestId"] == 2


def test_B06_get_variables_split_to_the_reported_items_per_message(platform):
    cp_id = new_id()
    operator = Operator(platform)
    wanted = [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": name}}
        for name in (
            "HeartbeatInterval",
            "WebSocketPingInterval",
            "MessageTimeout",
            "NetworkProfileConnectionAttempts",
            "OfflineThreshold",
        )
    ]

    async def scenario() -> dict[str, Any]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            for message in parts(3, BASE_REPORT):  # ItemsPerMessage[GetVariables] = 2
                assert await cp.call("NotifyReport", message) == {}
            outcome: dict[str, Any] = await operator.call(
                "POST",
                f"/chargers/{quote(cp_id)}/device-model/get-variables",
                {"getVariableData": wanted},
            )
            return outcome

    outcome = run(scenario())
    assert outcome["status"] == "answered"
    assert outcome["limits"] == {"itemsPerMessage": 2, "bytesPerMessage": None}
    assert [len(c["request"]["getVariableData"]) for c in outcome["commands"]] == [2, 2, 1]
    assert [c["status"] for c in outcome["commands"]] == ["answered"] * 3
    assert [r["variable"]["name"] for r in outcome["results"]] == [
        w["variable"]["name"] for w in wanted
    ]
