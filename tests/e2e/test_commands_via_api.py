"""Every command the operator API can send, answered by simulated chargers on the local
platform: a charger with the default handlers (accepting) and one that refuses everything,
side by side. The API returns 200 with the charger's answer; where the command has an effect
the platform can see (a session, a reboot, a status, a report), it is checked too."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import ANY

import pytest

from csms_cli.client import Client, quote
from simulator import Backoff, SimulatedCharger
from simulator.handlers import default_handlers
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

V16, V201 = "ocpp1.6", "ocpp2.0.1"
ACCEPTED, REJECTED = {"status": "Accepted"}, {"status": "Rejected"}
View = dict[str, Any]
Effect = Callable[[View, SimulatedCharger], bool]


def new_id(prefix: str = "API") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def in_future(seconds: float = 3600) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Operator:
    """The operator API over HTTP, called from a test's event loop."""

    def __init__(self, platform: Any) -> None:
        self.client = Client(platform.http_url, "dev-operator-token", timeout_s=30)

    async def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        return await asyncio.to_thread(self.client.request, method, path, query or None, body)

    async def command(self, cp_id: str, action: str, payload: dict[str, Any]) -> View:
        answer: View = await self.call(
            "POST", f"/chargers/{quote(cp_id)}/commands/{action}", payload
        )
        return answer

    async def charger(self, cp_id: str) -> View:
        view: View = await self.call("GET", f"/chargers/{quote(cp_id)}")
        return view

    async def sessions(self, cp_id: str) -> list[View]:
        page = await self.call("GET", "/sessions", chargePointId=cp_id)
        items: list[View] = page["items"]
        return items


async def in_turn(
    chargers: tuple[SimulatedCharger, ...], send: Callable[[SimulatedCharger], Awaitable[Any]]
) -> list[Any]:
    """The same request for each charger, one after the other. (Not concurrently: the local
    platform runs simultaneous invocations of one function in threads of one process, and
    the operator API's resolver keeps the current request in module state.)"""
    return [await send(cp) for cp in chargers]


async def eventually(check: Callable[[], Any], timeout: float = 8.0) -> Any:
    """Poll an async check until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def charger_pair(platform: Any, protocol: str) -> AsyncIterator[tuple[SimulatedCharger, ...]]:
    """An accepting and a refusing charger, both booted and online (full lifecycle: a reset
    reconnects and boots like a real charger)."""
    stop = asyncio.Event()
    chargers = [
        SimulatedCharger(
            platform.ws_url,
            new_id("ACC" if accept else "REF"),
            protocol=protocol,
            handlers=default_handlers(accept=accept),
            backoff=Backoff(initial_s=0.05, max_s=0.2),
        )
        for accept in (True, False)
    ]
    tasks = []
    for cp in chargers:
        cp.device.job_step_s = 0.01
        tasks.append(asyncio.create_task(cp.run(stop)))
    try:
        await asyncio.wait_for(asyncio.gather(*(cp.ever_online.wait() for cp in chargers)), 10)
        yield tuple(chargers)

        async def quiet() -> bool:  # the last answers reached the chargers too
            return all(cp.is_quiet for cp in chargers)

        await eventually(quiet, timeout=5)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
    for cp in chargers:
        assert cp.stats.errors == {}, cp.stats.errors


def connector_status(view: View, number: int) -> str | None:
    for connector in view["connectors"]:
        if (connector["evseId"] or connector["connectorId"]) == number:
            return str(connector["status"])
    return None


def booted_twice(view: View, cp: SimulatedCharger) -> bool:
    return cp.stats.boot_responses["Accepted"] >= 2


PROFILE = {
    "chargingProfileId": 1,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
    },
}
HEARTBEAT_VARIABLE = {
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "HeartbeatInterval"},
}
SET_PROFILE = ("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": PROFILE})


@dataclass(frozen=True)
class Case:
    protocol: str
    action: str
    payload: dict[str, Any]
    accepted: View  # the accepting charger's answer
    refused: View  # the refusing charger's answer
    # Commands sent to both chargers first (answers not checked).
    before: tuple[tuple[str, dict[str, Any]], ...] = ()
    # What the platform or the charger shows once the accepting charger acted on the command
    # (and the refusing one must not show).
    effect: Effect | None = field(default=None, compare=False)
    # The OCPP 2.0.1 use case the case exercises (docs/ocpp201-use-cases.md).
    use_case: str | None = None

    @property
    def id(self) -> str:
        return "-".join(filter(None, (self.use_case, self.protocol[4:], self.action)))


CASES = [
    Case(V16, "Reset", {"type": "Soft"}, ACCEPTED, REJECTED, effect=booted_twice),
    Case(
        V16,
        "UnlockConnector",
        {"connectorId": 1},
        {"status": "Unlocked"},
        {"status": "UnlockFailed"},
    ),
    Case(
        V16,
        "ChangeAvailability",
        {"connectorId": 1, "type": "Inoperative"},
        ACCEPTED,
        REJECTED,
        effect=lambda view, cp: connector_status(view, 1) == "Unavailable",
    ),
    Case(
        V16,
        "ChangeConfiguration",
        {"key": "HeartbeatInterval", "value": "30"},
        ACCEPTED,
        REJECTED,
        effect=lambda view, cp: cp.heartbeat_interval_s == 30,
    ),
    Case(
        V16,
        "GetConfiguration",
        {"key": ["NumberOfConnectors", "NoSuchKey"]},
        {
            "configurationKey": [{"key": "NumberOfConnectors", "readonly": True, "value": "1"}],
            "unknownKey": ["NoSuchKey"],
        },
        {"unknownKey": ["NumberOfConnectors", "NoSuchKey"]},
    ),
    Case(V16, "ClearCache", {}, ACCEPTED, REJECTED),
    Case(
        V16,
        "TriggerMessage",
        {"requestedMessage": "BootNotification"},
        ACCEPTED,
        REJECTED,
        effect=booted_twice,
    ),
    Case(V16, "GetLocalListVersion", {}, {"listVersion": 0}, {"listVersion": -1}),
    Case(V16, "DataTransfer", {"vendorId": "com.example"}, {"status": "UnknownVendorId"}, REJECTED),
    Case(
        V16,
        "GetDiagnostics",
        {"location": "ftp://diagnostics.example.com/upload/"},
        {"fileName": ANY},
        {},
        effect=lambda view, cp: view["diagnosticsStatus"] == "Uploaded",
    ),
    Case(
        V16,
        "UpdateFirmware",
        {"location": "https://firmware.example.com/sim-2.0.0", "retrieveDate": in_future(0)},
        {},
        {},
        effect=lambda view, cp: view["firmwareStatus"] == "Installed",
    ),
    Case(
        V16,
        "SetChargingProfile",
        SET_PROFILE[1],
        ACCEPTED,
        REJECTED,
        effect=lambda view, cp: bool(cp.device.charging_profiles.get(1)),
    ),
    Case(
        V16,
        "ClearChargingProfile",
        {"id": 1},
        ACCEPTED,
        {"status": "Unknown"},
        before=(SET_PROFILE,),
    ),
    Case(
        V16,
        "GetCompositeSchedule",
        {"connectorId": 1, "duration": 600},
        {
            "status": "Accepted",
            "connectorId": 1,
            "scheduleStart": ANY,
            "chargingSchedule": {
                "duration": 600,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
            },
        },
        REJECTED,
        before=(SET_PROFILE,),
    ),
    Case(
        V201,
        "Reset",
        {"type": "Immediate"},
        ACCEPTED,
        REJECTED,
        effect=booted_twice,
        use_case="B11",
    ),
    Case(
        V201,
        "SetVariables",
        {"setVariableData": [{**HEARTBEAT_VARIABLE, "attributeValue": "30"}]},
        {"setVariableResult": [{**HEARTBEAT_VARIABLE, "attributeStatus": "Accepted"}]},
        {"setVariableResult": [{**HEARTBEAT_VARIABLE, "attributeStatus": "Rejected"}]},
        effect=lambda view, cp: cp.heartbeat_interval_s == 30,
        use_case="B05",
    ),
    Case(
        V201,
        "GetVariables",
        {"getVariableData": [HEARTBEAT_VARIABLE]},
        {
            "getVariableResult": [
                {**HEARTBEAT_VARIABLE, "attributeStatus": "Accepted", "attributeValue": ANY}
            ]
        },
        {"getVariableResult": [{**HEARTBEAT_VARIABLE, "attributeStatus": "Rejected"}]},
        use_case="B06",
    ),
    Case(
        V201,
        "TriggerMessage",
        {"requestedMessage": "BootNotification"},
        ACCEPTED,
        REJECTED,
        effect=lambda view, cp: view["bootReason"] == "Triggered",
        use_case="F06",
    ),
    Case(
        V201,
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 1}},
        ACCEPTED,
        REJECTED,
        effect=lambda view, cp: connector_status(view, 1) == "Unavailable",
        use_case="G03",
    ),
    Case(
        V201,
        "UnlockConnector",
        {"evseId": 1, "connectorId": 1},
        {"status": "Unlocked"},
        {"status": "UnlockFailed"},
        use_case="F05",
    ),
    Case(V201, "ClearCache", {}, ACCEPTED, REJECTED, use_case="C11"),
    Case(
        V201,
        "GetLocalListVersion",
        {},
        {"versionNumber": 0},
        {"versionNumber": 0},
        use_case="D02",
    ),
    Case(
        V201, "DataTransfer", {"vendorId": "com.example"}, {"status": "UnknownVendorId"}, REJECTED
    ),
]


def answered_by_an_accepting_and_a_refusing_charger(platform: Any, case: Case) -> None:
    """Send the case's command to both chargers of a pair; check their answers and effect."""
    operator = Operator(platform)

    async def scenario() -> None:
        async with charger_pair(platform, case.protocol) as (good, bad):
            for action, payload in case.before:
                for cp in (good, bad):
                    await operator.command(cp.charge_point_id, action, payload)
            answers = await in_turn(
                (good, bad),
                lambda cp: operator.command(cp.charge_point_id, case.action, case.payload),
            )
            for answer in answers:
                assert (answer["action"], answer["status"]) == (case.action, "answered"), answer
            assert [a["result"] for a in answers] == [case.accepted, case.refused]
            if case.effect is not None:
                effect = case.effect

                async def shows_effect() -> bool:
                    return effect(await operator.charger(good.charge_point_id), good)

                await eventually(shows_effect)
                assert not effect(await operator.charger(bad.charge_point_id), bad)

    run(scenario(), timeout=30)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_command_answered_by_an_accepting_and_a_refusing_charger(platform, case: Case) -> None:
    answered_by_an_accepting_and_a_refusing_charger(platform, case)


@pytest.mark.parametrize("protocol", [V16, V201])
def test_F02_F03_C05_remote_start_makes_a_session_and_remote_stop_ends_it(
    platform, protocol
) -> None:
    operator = Operator(platform)
    tag = new_id("TAG")

    async def scenario() -> tuple[list[View], View, list[View], list[View]]:
        await operator.call("POST", "/id-tags", {"idTag": tag})
        async with charger_pair(platform, protocol) as (good, bad):
            if protocol == V16:
                action, stop_action = "RemoteStartTransaction", "RemoteStopTransaction"
                start: dict[str, Any] = {"idTag": tag, "connectorId": 1}
            else:
                action, stop_action = "RequestStartTransaction", "RequestStopTransaction"
                start = {"idToken": {"idToken": tag, "type": "ISO14443"}, "remoteStartId": 77}
            started = await in_turn(
                (good, bad), lambda cp: operator.command(cp.charge_point_id, action, start)
            )

            async def active() -> list[View]:
                return [
                    s
                    for s in await operator.sessions(good.charge_point_id)
                    if s["status"] == "active"
                ]

            [session] = await eventually(active)
            transaction_id: Any = session["transactionId"]
            if protocol == V16:
                transaction_id = int(transaction_id)
            stop = {"transactionId": transaction_id}
            stopped = await in_turn(
                (good, bad), lambda cp: operator.command(cp.charge_point_id, stop_action, stop)
            )

            async def completed() -> View | None:
                sessions = await operator.sessions(good.charge_point_id)
                return next((s for s in sessions if s["status"] == "completed"), None)

            ended = await eventually(completed)

            async def settled() -> bool:  # the charger also got the answer to its stop
                return not good.device.remote_sessions

            await eventually(settled)
            return (
                [a["result"] for a in started + stopped],
                session,
                [ended],
                await operator.sessions(bad.charge_point_id),
            )

    answers, session, [ended], refused_sessions = run(scenario(), timeout=30)
    assert answers == [ACCEPTED, REJECTED, ACCEPTED, REJECTED]
    assert session["idTag"] == tag
    if protocol == V201:
        assert session["remoteStartId"] == 77
    assert (ended["transactionId"], ended["stopReason"]) == (session["transactionId"], "Remote")
    assert refused_sessions == []


@pytest.mark.parametrize("protocol", [V16, V201])
def test_D01_local_list_through_its_route(platform, protocol) -> None:
    operator = Operator(platform)
    tag = new_id("TAG")

    async def scenario() -> tuple[list[View], list[View], SimulatedCharger]:
        await operator.call("POST", "/id-tags", {"idTag": tag})
        async with charger_pair(platform, protocol) as (good, bad):
            sent = await in_turn(
                (good, bad),
                lambda cp: operator.call(
                    "POST",
                    f"/chargers/{quote(cp.charge_point_id)}/local-list",
                    {"updateType": "Full"},
                ),
            )
            versions = await in_turn(
                (good, bad),
                lambda cp: operator.command(cp.charge_point_id, "GetLocalListVersion", {}),
            )
            return sent, versions, good

    sent, versions, good = run(scenario(), timeout=30)
    assert [s["result"] for s in sent] == [ACCEPTED, {"status": "Failed"}]
    version_key = "listVersion" if protocol == V16 else "versionNumber"
    list_version = sent[0]["request"][version_key]
    assert versions[0]["result"] == {version_key: list_version}
    assert tag in good.device.local_list


def test_reservations_through_their_routes_and_one_used_by_a_remote_start(platform) -> None:
    operator = Operator(platform)
    tag = new_id("TAG")

    def path(cp: SimulatedCharger, tail: str = "") -> str:
        return f"/chargers/{quote(cp.charge_point_id)}/reservations{tail}"

    async def reservation(cp: SimulatedCharger, reservation_id: int, status: str) -> View:
        # The reservation follows the command's outcome a moment later (an answer hook).
        async def in_status() -> View | None:
            page = await operator.call("GET", path(cp))
            return next(
                (
                    r
                    for r in page["items"]
                    if (r["reservationId"], r["status"]) == (reservation_id, status)
                ),
                None,
            )

        found: View = await eventually(in_status)
        return found

    async def scenario() -> dict[str, Any]:
        await operator.call("POST", "/id-tags", {"idTag": tag})
        async with charger_pair(platform, V16) as (good, bad):
            reserve = {"connectorId": 1, "idTag": tag, "expiryDate": in_future()}
            made = await in_turn((good, bad), lambda cp: operator.call("POST", path(cp), reserve))
            good_id, bad_id = (m["reservation"]["reservationId"] for m in made)
            rejected = await reservation(bad, bad_id, "rejected")
            await eventually(lambda: _status_is(operator, good.charge_point_id, 1, "Reserved"))
            # Cancelling: refused by the refusing charger, accepted by the other one.
            cancel_bad = await operator.call("DELETE", path(bad, f"/{bad_id}"))
            other = {**reserve, "idTag": new_id("TAG"), "connectorId": 0}
            second = await operator.call("POST", path(good), other)
            second_id = second["reservation"]["reservationId"]
            cancel_good = await operator.call("DELETE", path(good, f"/{second_id}"))
            cancelled = await reservation(good, second_id, "cancelled")
            # The reserved id tag starts on the reserved connector: the reservation is used.
            started = await operator.command(
                good.charge_point_id, "RemoteStartTransaction", {"idTag": tag, "connectorId": 1}
            )
            used = await reservation(good, good_id, "used")
            sessions = await operator.sessions(good.charge_point_id)
            return {
                "made": made,
                "rejected": rejected,
                "cancel_bad": cancel_bad,
                "second": second,
                "cancel_good": cancel_good,
                "cancelled": cancelled,
                "started": started,
                "used": used,
                "sessions": sessions,
            }

    result = run(scenario(), timeout=30)
    assert [m["command"]["result"] for m in result["made"]] == [ACCEPTED, REJECTED]
    assert result["rejected"]["chargerStatus"] == "Rejected"
    assert result["cancel_bad"]["command"]["result"] == REJECTED
    assert result["second"]["command"]["result"] == ACCEPTED
    assert result["cancel_good"]["command"]["result"] == ACCEPTED
    assert result["cancelled"]["chargerStatus"] == "Accepted"
    assert result["started"]["result"] == ACCEPTED
    [session] = result["sessions"]
    assert session["reservationId"] == result["used"]["reservationId"]
    assert result["used"]["transactionId"] == session["transactionId"]


async def _status_is(operator: Operator, cp_id: str, number: int, status: str) -> bool:
    return connector_status(await operator.charger(cp_id), number) == status
