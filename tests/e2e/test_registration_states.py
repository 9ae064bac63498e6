"""Registration states through the local gateway (docs/adr/0040-registration-states.md).

B02: a Pending station is configured (GetBaseReport -> NotifyReport, SetVariables) while every
message it was not asked for gets SecurityError; the operator accepts it, a TriggerMessage
BootNotification brings the Accepted boot at once and normal traffic flows on the same
connection. B03: a Rejected station may only boot, and is told when to try again. OCPP 1.6
keeps its own rule: Pending sends only what a TriggerMessage asked for.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from csms_cli.client import ApiError, Client, quote
from shared.config import settings_from
from simulator import SimulatedCharger
from simulator.errors import CallErrorReceived
from simulator.handlers import default_handlers
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

V16, V201 = "ocpp1.6", "ocpp2.0.1"


def new_id() -> str:
    return f"RS-{uuid.uuid4().hex[:10]}"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Operator:
    def __init__(self, platform: Any) -> None:
        self.client = Client(platform.http_url, "dev-operator-token", timeout_s=30)

    async def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        return await asyncio.to_thread(self.client.request, method, path, query or None, body)

    async def register(self, cp_id: str, status: str) -> None:
        await self.call("POST", "/chargers", {"chargePointId": cp_id, "registrationStatus": status})

    async def command(self, cp_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call(
            "POST", f"/chargers/{quote(cp_id)}/commands/{action}", body
        )
        return answer


async def refused(cp: SimulatedCharger, action: str, payload: dict[str, Any]) -> str:
    """The CALLERROR code a CALL gets (fails if it is served)."""
    try:
        answer = await cp.call(action, payload)
    except CallErrorReceived as exc:
        return exc.code
    raise AssertionError(f"{action} was served: {answer}")


def status_201(evse: int = 1) -> dict[str, Any]:
    return {"timestamp": now(), "connectorStatus": "Available", "evseId": evse, "connectorId": 1}


NOTIFY_EVENT = {
    "generatedAt": "2026-01-01T00:00:00Z",
    "seqNo": 0,
    "eventData": [
        {
            "eventId": 1,
            "timestamp": "2026-01-01T00:00:00Z",
            "trigger": "Delta",
            "actualValue": "Available",
            "eventNotificationType": "HardWiredNotification",
            "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
            "variable": {"name": "AvailabilityState"},
        }
    ],
}
REPORT_DATA = [
    {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "HeartbeatInterval"},
        "variableAttribute": [{"type": "Actual", "value": "300", "mutability": "ReadWrite"}],
    }
]


def notify_report(request_id: int) -> dict[str, Any]:
    return {
        "requestId": request_id,
        "generatedAt": now(),
        "seqNo": 0,
        "tbc": False,
        "reportData": REPORT_DATA,
    }


def test_B02_a_pending_station_is_configured_then_accepted_at_its_triggered_boot(platform):
    cp_id = new_id()
    operator = Operator(platform)
    handlers = default_handlers()
    triggered_boots: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    reports: list[dict[str, Any]] = []

    async def get_base_report(cp: Any, payload: dict[str, Any]) -> dict[str, Any]:
        async def send_report() -> None:
            reports.append(await cp.call("NotifyReport", notify_report(payload["requestId"])))

        cp.after_answer(send_report())
        return {"status": "Accepted"}

    async def trigger_message(cp: Any, payload: dict[str, Any]) -> dict[str, Any]:
        assert payload["requestedMessage"] == "BootNotification"

        async def boot() -> None:
            boot = {**cp.profile.boot_notification(cp.identity), "reason": "Triggered"}
            await triggered_boots.put(await cp.call("BootNotification", boot))

        cp.after_answer(boot())
        return {"status": "Accepted"}

    handlers.register("GetBaseReport", get_base_report, protocol=V201)
    handlers.register("TriggerMessage", trigger_message, protocol=V201)

    async def scenario() -> dict[str, Any]:
        await operator.register(cp_id, "Pending")
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201, handlers=handlers) as cp:
            seen: dict[str, Any] = {"boot": await cp.boot()}
            # Unasked messages are refused (B02.FR.09), and nothing of them is stored.
            seen["unasked"] = [
                await refused(cp, "StatusNotification", status_201()),
                await refused(cp, "NotifyEvent", NOTIFY_EVENT),
                await refused(cp, "Heartbeat", {}),
                await refused(cp, "NotifyReport", notify_report(5)),
            ]
            # Configured: a report asked for and received, a variable set.
            seen["report"] = await operator.command(
                cp_id, "GetBaseReport", {"requestId": 77, "reportBase": "FullInventory"}
            )
            deadline = time.monotonic() + 10
            while not reports and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            seen["reports"] = list(reports)
            seen["model"] = await operator.call("GET", f"/chargers/{quote(cp_id)}/device-model")
            seen["set"] = await operator.command(
                cp_id,
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                            "attributeValue": "120",
                        }
                    ]
                },
            )
            # The report's requestId asked for a report, not for anything else.
            seen["still_unasked"] = await refused(cp, "StatusNotification", status_201())
            # Accepted by the operator: the connection stays, the triggered boot is Accepted.
            seen["accepted"] = await operator.call(
                "PATCH", f"/chargers/{quote(cp_id)}", {"registrationStatus": "Accepted"}
            )
            seen["trigger"] = await operator.command(
                cp_id, "TriggerMessage", {"requestedMessage": "BootNotification"}
            )
            seen["triggered_boot"] = await asyncio.wait_for(triggered_boots.get(), 10)
            seen["status"] = await cp.call("StatusNotification", status_201())
            seen["heartbeat"] = await cp.call("Heartbeat", {})
            seen["connectors"] = await operator.call("GET", f"/chargers/{quote(cp_id)}/connectors")
            return seen

    seen = run(scenario())
    assert seen["boot"]["status"] == "Pending"
    assert seen["boot"]["interval"] > 0
    assert seen["unasked"] == ["SecurityError"] * 4
    assert seen["report"]["result"] == {"status": "Accepted"}
    assert seen["reports"] == [{}]
    (report,) = seen["model"]["reports"]
    assert (report["requestId"], report["complete"]) == (77, True)
    assert [c["name"] for c in seen["model"]["components"]] == ["OCPPCommCtrlr"]
    assert seen["set"]["status"] == "answered"
    assert seen["set"]["result"]["setVariableResult"][0]["attributeStatus"] == "Accepted"
    assert seen["still_unasked"] == "SecurityError"
    assert seen["accepted"]["registrationStatus"] == "Accepted"
    assert seen["trigger"]["result"] == {"status": "Accepted"}
    assert seen["triggered_boot"]["status"] == "Accepted"
    assert seen["status"] == {}
    assert "currentTime" in seen["heartbeat"]
    assert [c["status"] for c in seen["connectors"]["connectors"]] == ["Available"]


def test_B03_a_rejected_station_may_only_boot_and_is_told_when_to_try_again(platform):
    cp_id = new_id()
    operator = Operator(platform)
    retry_s = settings_from(platform.environment).boot_retry_interval_s

    async def scenario() -> dict[str, Any]:
        await operator.register(cp_id, "Rejected")
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            first = await cp.boot()
            refusals = [
                await refused(cp, "StatusNotification", status_201()),
                await refused(cp, "Heartbeat", {}),
                await refused(cp, "NotifyEvent", NOTIFY_EVENT),
                await refused(cp, "Authorize", {"idToken": {"idToken": "T1", "type": "ISO14443"}}),
                await refused(cp, "NotifyReport", notify_report(1)),
            ]
            again = await cp.boot()
            charger = await operator.call("GET", f"/chargers/{quote(cp_id)}")
            return {"first": first, "again": again, "refusals": refusals, "charger": charger}

    seen = run(scenario())
    for boot in (seen["first"], seen["again"]):
        assert boot["status"] == "Rejected"
        assert boot["interval"] == retry_s > 0
    assert seen["refusals"] == ["SecurityError"] * 5
    assert seen["charger"]["registrationStatus"] == "Rejected"


def test_B02_16_a_pending_charge_point_sends_only_what_trigger_message_asked_for(platform):
    cp_id = new_id()
    operator = Operator(platform)

    async def scenario() -> dict[str, Any]:
        await operator.register(cp_id, "Pending")
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V16) as cp:
            seen: dict[str, Any] = {"boot": await cp.boot()}
            status = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
            seen["unasked"] = [
                await refused(cp, "StatusNotification", status),
                await refused(cp, "Heartbeat", {}),
            ]
            seen["configured"] = await operator.command(
                cp_id, "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}
            )
            seen["trigger"] = await operator.command(
                cp_id, "TriggerMessage", {"requestedMessage": "Heartbeat"}
            )
            # Within the trigger's window a Heartbeat is what was asked for: served.
            seen["asked"] = await cp.call("Heartbeat", {})
            seen["not_asked"] = await refused(cp, "StatusNotification", status)
            return seen

    seen = run(scenario())
    assert seen["boot"]["status"] == "Pending"
    assert seen["unasked"] == ["SecurityError", "SecurityError"]
    assert seen["configured"]["result"] == {"status": "Accepted"}
    assert seen["trigger"]["result"] == {"status": "Accepted"}
    assert "currentTime" in seen["asked"]
    assert seen["not_asked"] == "SecurityError"


async def command_refusal(operator: Operator, cp_id: str, action: str, body: dict[str, Any]) -> Any:
    """(HTTP status, error code) of a command the API refuses (fails if it is sent)."""
    try:
        answer = await operator.command(cp_id, action, body)
    except ApiError as exc:
        return exc.status, exc.code
    raise AssertionError(f"{action} was sent: {answer}")


@pytest.mark.parametrize(
    ("protocol", "start", "stop", "configure"),
    [
        (
            V201,
            (
                "RequestStartTransaction",
                {"idToken": {"idToken": "T1", "type": "Central"}, "remoteStartId": 1},
            ),
            ("RequestStopTransaction", {"transactionId": "tx-1"}),
            (
                "GetVariables",
                {
                    "getVariableData": [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                        }
                    ]
                },
            ),
        ),
        (
            V16,
            ("RemoteStartTransaction", {"idTag": "T1", "connectorId": 1}),
            ("RemoteStopTransaction", {"transactionId": 1}),
            ("GetConfiguration", {"key": ["HeartbeatInterval"]}),
        ),
    ],
    ids=["2.0.1", "1.6"],
)
def test_B02_a_pending_station_is_not_asked_to_start_or_stop_a_transaction(
    platform, protocol, start, stop, configure
):
    cp_id = new_id()
    operator = Operator(platform)

    async def scenario() -> dict[str, Any]:
        await operator.register(cp_id, "Pending")
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=protocol) as cp:
            seen: dict[str, Any] = {"boot": await cp.boot()}
            seen["start"] = await command_refusal(operator, cp_id, *start)
            seen["stop"] = await command_refusal(operator, cp_id, *stop)
            # Nothing was sent and no slot is held: configuring it goes out at once.
            seen["configure"] = await operator.command(cp_id, *configure)
            seen["history"] = await operator.call("GET", f"/chargers/{quote(cp_id)}/commands")
            await operator.call(
                "PATCH", f"/chargers/{quote(cp_id)}", {"registrationStatus": "Accepted"}
            )
            # Accepted: a session may be started (the simulated station takes it).
            seen["started"] = await operator.command(cp_id, *start)
            return seen

    seen = run(scenario())
    assert seen["boot"]["status"] == "Pending"
    assert seen["start"] == seen["stop"] == (409, "ChargerPending")
    assert seen["configure"]["status"] == "answered"
    assert [c["action"] for c in seen["history"]["items"]] == [configure[0]]
    assert seen["started"]["status"] == "answered"
    assert seen["started"]["result"]["status"] == "Accepted"
