"""OCPP 2.0.1 use cases of the core blocks (B, C, E, F, G, H, J, L, M, N, O, P) through the
local gateway with a simulated 2.0.1 station, each test named after the use cases it
exercises (docs/ocpp201-use-cases.md lists them all)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import ANY

import pytest

from csms_cli.client import quote
from simulator import Backoff, SimulatedCharger
from simulator.handlers import CommandHandlerTable, default_handlers
from tests.e2e import test_commands_via_api as commands_via_api
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

V201 = "ocpp2.0.1"
View = dict[str, Any]


def new_id(prefix: str = "UC") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Operator(commands_via_api.Operator):
    """The operator API; a command must have been answered."""

    async def command(self, cp_id: str, action: str, payload: dict[str, Any]) -> View:
        answer = await super().command(cp_id, action, payload)
        assert (answer["action"], answer["status"]) == (action, "answered"), answer
        return answer

    async def session(self, cp_id: str, transaction_id: str) -> View:
        view: View = await self.call(
            "GET", f"/chargers/{quote(cp_id)}/sessions/{quote(transaction_id)}"
        )
        return view


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:
    return await commands_via_api.eventually(check, timeout)


def with_station(
    platform: Any,
    scenario: Callable[..., Awaitable[Any]],
    handlers: CommandHandlerTable | None = None,
) -> Any:
    """Run `scenario(cp, operator)` with a booted 2.0.1 station (default handlers)."""

    async def main() -> Any:
        async with SimulatedCharger(
            platform.ws_url, new_id(), protocol=V201, handlers=handlers or default_handlers()
        ) as cp:
            cp.device.job_step_s = 0.01
            assert (await cp.boot())["status"] == "Accepted"
            return await scenario(cp, Operator(platform))

    return run(main(), timeout=60)


# Commands the CSMS sends, answered by the station: the answer the API returns.

CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUUseCaseRootCertificate0000000000000w"
    "\n-----END CERTIFICATE-----"
)
MESSAGE = {"id": 3, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hi"}}
MONITOR = {
    "value": 1,
    "type": "Delta",
    "severity": 5,
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "HeartbeatInterval"},
}
NETWORK_PROFILE = {
    "configurationSlot": 1,
    "connectionData": {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": "wss://csms.example.com/ocpp",
        "messageTimeout": 30,
        "securityProfile": 2,
        "ocppInterface": "Wired0",
    },
}


@dataclass(frozen=True)
class Step:
    use_case: str
    action: str
    payload: dict[str, Any]
    answer: Any
    before: tuple[tuple[str, dict[str, Any]], ...] = ()


STEPS = [
    Step(use_case="B09", action="SetNetworkProfile", payload=NETWORK_PROFILE, answer="Accepted"),
    Step(
        use_case="G04",
        action="ChangeAvailability",
        payload={"operationalStatus": "Inoperative"},
        answer="Accepted",
    ),
    Step(
        use_case="L04",
        action="UnpublishFirmware",
        payload={"checksum": "0" * 32},
        answer="NoFirmware",  # the simulated station is no local controller
    ),
    Step(
        use_case="M05",
        action="InstallCertificate",
        payload={"certificateType": "CSMSRootCertificate", "certificate": CERTIFICATE},
        answer="Accepted",
    ),
    Step(
        use_case="N03",
        action="SetMonitoringBase",
        payload={"monitoringBase": "All"},
        answer="Accepted",
    ),
    Step(
        use_case="N04",
        action="SetVariableMonitoring",
        payload={"setMonitoringData": [MONITOR]},
        answer={
            "setMonitoringResult": [
                {
                    "id": ANY,
                    "status": "Accepted",
                    "type": "Delta",
                    "severity": 5,
                    "component": MONITOR["component"],
                    "variable": MONITOR["variable"],
                }
            ]
        },
    ),
    Step(use_case="N05", action="SetMonitoringLevel", payload={"severity": 5}, answer="Accepted"),
    Step(
        use_case="N10",
        action="CustomerInformation",
        payload={
            "requestId": 12,
            "report": False,
            "clear": True,
            "idToken": {"idToken": "CLEAR-ME", "type": "ISO14443"},
        },
        answer="Accepted",
    ),
    Step(
        use_case="O03",
        action="GetDisplayMessages",
        payload={"requestId": 13},
        answer="Accepted",
        before=(("SetDisplayMessage", {"message": MESSAGE}),),
    ),
    Step(
        use_case="O05",
        action="ClearDisplayMessage",
        payload={"id": MESSAGE["id"]},
        answer="Accepted",
        before=(("SetDisplayMessage", {"message": MESSAGE}),),
    ),
    Step(
        use_case="O06",
        action="SetDisplayMessage",
        payload={"message": {**MESSAGE, "message": {"format": "UTF8", "content": "Replaced"}}},
        answer="Accepted",
        before=(("SetDisplayMessage", {"message": MESSAGE}),),
    ),
    Step(
        use_case="P01",
        action="DataTransfer",
        payload={"vendorId": "com.example"},
        answer="UnknownVendorId",
    ),
]


@pytest.mark.parametrize("step", STEPS, ids=[f"{s.use_case}-{s.action}" for s in STEPS])
def test_command_of_a_use_case_reaches_the_station_and_its_answer_the_api(platform, step: Step):
    async def scenario(cp: SimulatedCharger, operator: Operator) -> View:
        for action, payload in step.before:
            await operator.command(cp.charge_point_id, action, payload)
        return await operator.command(cp.charge_point_id, step.action, step.payload)

    answer = with_station(platform, scenario)
    expected = {"status": step.answer} if isinstance(step.answer, str) else step.answer
    assert answer["result"] == expected


def test_M03_M04_installed_certificates_listed_then_one_deleted(platform):
    async def scenario(cp: SimulatedCharger, operator: Operator) -> tuple[View, View, View]:
        cp_id = cp.charge_point_id
        install = {"certificateType": "CSMSRootCertificate", "certificate": CERTIFICATE}
        await operator.command(cp_id, "InstallCertificate", install)
        listed = await operator.command(cp_id, "GetInstalledCertificateIds", {})
        [chain] = listed["result"]["certificateHashDataChain"]
        deleted = await operator.command(
            cp_id, "DeleteCertificate", {"certificateHashData": chain["certificateHashData"]}
        )
        after = await operator.command(cp_id, "GetInstalledCertificateIds", {})
        return listed, deleted, after

    listed, deleted, after = with_station(platform, scenario)
    [chain] = listed["result"]["certificateHashDataChain"]
    assert chain["certificateType"] == "CSMSRootCertificate"
    assert deleted["result"] == {"status": "Accepted"}
    assert after["result"]["status"] == "NotFound"


def test_N04_N06_a_monitor_set_then_cleared(platform):
    async def scenario(cp: SimulatedCharger, operator: Operator) -> View:
        cp_id = cp.charge_point_id
        made = await operator.command(
            cp_id, "SetVariableMonitoring", {"setMonitoringData": [MONITOR]}
        )
        [result] = made["result"]["setMonitoringResult"]
        return await operator.command(cp_id, "ClearVariableMonitoring", {"id": [result["id"]]})

    cleared = with_station(platform, scenario)
    [result] = cleared["result"]["clearMonitoringResult"]
    assert result["status"] == "Accepted"


@pytest.mark.parametrize(
    ("firmware", "steps"),
    [
        ({}, ["Downloading", "Downloaded", "Installing", "InstallRebooting", "Installed"]),
        (
            {"signingCertificate": CERTIFICATE, "signature": "c2lnbmF0dXJl"},
            [
                "Downloading",
                "Downloaded",
                "SignatureVerified",
                "Installing",
                "InstallRebooting",
                "Installed",
            ],
        ),
    ],
    ids=["L02-unsigned", "L01-signed"],
)
def test_L01_L02_a_firmware_update_is_followed_to_installed(platform, firmware, steps):
    seen: list[str] = []

    async def scenario(cp: SimulatedCharger, operator: Operator) -> View:
        cp_id = cp.charge_point_id
        body = {
            "requestId": 21,
            "firmware": {
                "location": "https://firmware.example.com/sim-3.0.0",
                "retrieveDateTime": stamp(datetime.now(UTC)),
                **firmware,
            },
        }
        answer = await operator.command(cp_id, "UpdateFirmware", body)

        async def installed() -> bool:
            view = await operator.charger(cp_id)
            if not seen or seen[-1] != view["firmwareStatus"]:
                seen.append(view["firmwareStatus"])
            return bool(view["firmwareStatus"] == "Installed")

        await eventually(installed)
        return answer

    answer = with_station(platform, scenario)
    assert answer["result"] == {"status": "Accepted"}
    assert seen[-1] == "Installed"
    assert set(seen) <= {None, *steps}


def test_N01_a_log_upload_is_followed_to_uploaded(platform):
    async def scenario(cp: SimulatedCharger, operator: Operator) -> View:
        cp_id = cp.charge_point_id
        body = {
            "logType": "DiagnosticsLog",
            "requestId": 22,
            "log": {"remoteLocation": "https://logs.example.com/upload/"},
        }
        answer = await operator.command(cp_id, "GetLog", body)

        async def uploaded() -> bool:
            return bool((await operator.charger(cp_id))["diagnosticsStatus"] == "Uploaded")

        await eventually(uploaded)
        return answer

    answer = with_station(platform, scenario)
    assert answer["result"]["status"] == "Accepted"
    assert answer["result"]["filename"].startswith("diagnostics-")


# Authorization (C) and transactions (E)


def token(id_token: str) -> dict[str, str]:
    return {"idToken": id_token, "type": "ISO14443"}


def transaction_event(
    event_type: str,
    transaction_id: str,
    seq_no: int,
    at: datetime,
    trigger: str,
    *,
    kwh: float | None = None,
    id_token: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    info: dict[str, Any] = {"transactionId": transaction_id, **more.pop("info", {})}
    event: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": stamp(at),
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": info,
        "evse": {"id": 1, "connectorId": 1},
        **more,
    }
    if id_token is not None:
        event["idToken"] = token(id_token)
    if kwh is not None:
        context = {"Started": "Transaction.Begin", "Ended": "Transaction.End"}
        event["meterValue"] = [
            {
                "timestamp": stamp(at),
                "sampledValue": [
                    {
                        "value": kwh,
                        "context": context.get(event_type, "Sample.Periodic"),
                        "measurand": "Energy.Active.Import.Register",
                        "unitOfMeasure": {"unit": "kWh"},
                    }
                ],
            }
        ]
    return event


def test_C01_C09_authorize_answers_from_the_id_tag_store(platform):
    group, good, blocked, unknown = (new_id(p) for p in ("GROUP", "GOOD", "BLOCKED", "NOBODY"))

    async def scenario(cp: SimulatedCharger, operator: Operator) -> list[View]:
        await operator.call("PUT", f"/id-tags/{group}", {})
        await operator.call("PUT", f"/id-tags/{good}", {"parentIdTag": group})
        await operator.call("PUT", f"/id-tags/{blocked}", {"status": "Blocked"})
        return [
            (await cp.call("Authorize", {"idToken": token(tag)}))["idTokenInfo"]
            for tag in (good, blocked, unknown)
        ]

    accepted, refused, nobody = with_station(platform, scenario)
    assert accepted["status"] == "Accepted"
    assert accepted["groupIdToken"]["idToken"] == group  # C09
    assert refused["status"] == "Blocked"
    assert nobody["status"] in {"Unknown", "Invalid"}
    assert "groupIdToken" not in nobody


def test_E02_cable_plugged_in_first_then_the_token_makes_one_session(platform):
    tag, tx = new_id("DRIVER"), new_id("TX")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)

    async def scenario(cp: SimulatedCharger, operator: Operator) -> View:
        await operator.call("PUT", f"/id-tags/{tag}", {})
        plugged = transaction_event("Started", tx, 0, start, "CablePluggedIn", kwh=10.0)
        assert await cp.call("TransactionEvent", plugged) == {}
        authorized = transaction_event(
            "Updated", tx, 1, start + timedelta(minutes=1), "Authorized", id_token=tag
        )
        answer = await cp.call("TransactionEvent", authorized)
        assert answer["idTokenInfo"]["status"] == "Accepted"
        ended = transaction_event(
            "Ended",
            tx,
            2,
            start + timedelta(minutes=20),
            "EVDeparted",
            kwh=14.5,
            info={"stoppedReason": "EVDisconnected"},
        )
        await cp.call("TransactionEvent", ended)
        return await operator.session(cp.charge_point_id, tx)

    session = with_station(platform, scenario)
    assert (session["status"], session["energyWh"], session["stopReason"]) == (
        "completed",
        4_500,
        "EVDisconnected",
    )
    assert session["idTag"] == tag


def test_E05_a_token_not_accepted_is_answered_so_and_recorded(platform):
    tag, tx = new_id("BLOCKED"), new_id("TX")

    async def scenario(cp: SimulatedCharger, operator: Operator) -> tuple[View, View]:
        await operator.call("PUT", f"/id-tags/{tag}", {"status": "Blocked"})
        started = transaction_event(
            "Started", tx, 0, datetime.now(UTC), "Authorized", id_token=tag, kwh=1.0
        )
        answer = await cp.call("TransactionEvent", started)
        return answer, await operator.session(cp.charge_point_id, tx)

    answer, session = with_station(platform, scenario)
    assert answer["idTokenInfo"]["status"] == "Blocked"
    assert (session["idTag"], session["authorizationStatus"]) == (tag, "Blocked")


def test_E07_a_transaction_stopped_by_its_token(platform):
    tag, tx = new_id("DRIVER"), new_id("TX")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)

    async def scenario(cp: SimulatedCharger, operator: Operator) -> tuple[View, View]:
        await operator.call("PUT", f"/id-tags/{tag}", {})
        started = transaction_event("Started", tx, 0, start, "Authorized", id_token=tag, kwh=2.0)
        await cp.call("TransactionEvent", started)
        ended = transaction_event(
            "Ended",
            tx,
            1,
            start + timedelta(minutes=9),
            "StopAuthorized",
            id_token=tag,
            kwh=3.0,
            info={"stoppedReason": "Local"},
        )
        answer = await cp.call("TransactionEvent", ended)
        return answer, await operator.session(cp.charge_point_id, tx)

    answer, session = with_station(platform, scenario)
    assert answer["idTokenInfo"]["status"] == "Accepted"
    assert (session["status"], session["stopReason"], session["stopIdTag"]) == (
        "completed",
        "Local",
        tag,
    )


def test_E04_E08_E12_a_transaction_that_ran_offline_keeps_its_own_times(platform):
    tag, tx = new_id("DRIVER"), new_id("TX")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    end = start + timedelta(minutes=45)

    async def scenario(cp: SimulatedCharger, operator: Operator) -> View:
        await operator.call("PUT", f"/id-tags/{tag}", {})
        events = [
            transaction_event(
                "Started", tx, 0, start, "Authorized", id_token=tag, kwh=20.0, offline=True
            ),
            transaction_event(
                "Ended",
                tx,
                1,
                end,
                "EVDeparted",
                kwh=31.0,
                offline=True,
                info={"stoppedReason": "EVDisconnected"},
            ),
        ]
        for event in events:  # sent after the reconnect, in order
            await cp.call("TransactionEvent", event)
        return await operator.session(cp.charge_point_id, tx)

    session = with_station(platform, scenario)
    assert (session["startedAt"][:19], session["stoppedAt"][:19]) == (
        start.isoformat()[:19],
        end.isoformat()[:19],
    )
    assert (session["status"], session["energyWh"], session["durationS"]) == (
        "completed",
        11_000,
        45 * 60,
    )


def test_E11_E13_events_resent_after_a_lost_connection_make_one_session(platform):
    cp_id, tag, tx = new_id(), new_id("DRIVER"), new_id("TX")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=40)
    started = transaction_event("Started", tx, 0, start, "Authorized", id_token=tag, kwh=5.0)
    updated = transaction_event(
        "Updated", tx, 1, start + timedelta(minutes=10), "ChargingStateChanged", kwh=6.0
    )
    ended = transaction_event(
        "Ended",
        tx,
        2,
        start + timedelta(minutes=30),
        "EVDeparted",
        kwh=8.0,
        info={"stoppedReason": "EVDisconnected"},
    )
    operator = Operator(platform)

    async def scenario() -> View:
        await operator.call("PUT", f"/id-tags/{tag}", {})
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            await cp.boot()
            await cp.call("TransactionEvent", started)
            await cp.call("TransactionEvent", updated)
        # The connection drops before the station saw the answer to `updated` (E11); it
        # resends what it has not seen acknowledged (E13), then what it queued offline.
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            await cp.boot()
            for event in (updated, {**ended, "offline": True}, ended):
                await cp.call("TransactionEvent", event)
        return await operator.session(cp_id, tx)

    session = run(scenario(), timeout=60)
    assert (session["status"], session["energyWh"], session["durationS"]) == (
        "completed",
        3_000,
        30 * 60,
    )
    page = run(operator.call("GET", "/sessions", chargePointId=cp_id))
    assert [s["transactionId"] for s in page["items"]] == [tx]


def test_H03_a_transaction_naming_its_reservation_uses_it(platform):
    tag, tx = new_id("DRIVER"), new_id("TX")

    async def scenario(cp: SimulatedCharger, operator: Operator) -> tuple[View, View]:
        base = f"/chargers/{quote(cp.charge_point_id)}"
        await operator.call("PUT", f"/id-tags/{tag}", {})
        expiry = stamp(datetime.now(UTC) + timedelta(hours=1))
        body = {"connectorId": 1, "idTag": tag, "expiryDate": expiry}
        made = await operator.call("POST", f"{base}/reservations", body)
        reservation_id = made["reservation"]["reservationId"]
        started = transaction_event(
            "Started",
            tx,
            0,
            datetime.now(UTC),
            "Authorized",
            id_token=tag,
            kwh=1.0,
            reservationId=reservation_id,
        )
        await cp.call("TransactionEvent", started)
        listed = await operator.call("GET", f"{base}/reservations")
        return made, listed

    handlers = default_handlers()

    async def reserve(cp: Any, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Accepted"}  # the simulated station keeps no 2.0.1 reservations

    handlers.register("ReserveNow", reserve, protocol=V201)
    made, listed = with_station(platform, scenario, handlers)
    assert made["command"]["result"] == {"status": "Accepted"}
    [item] = listed["items"]
    assert (item["reservationId"], item["status"]) == (
        made["reservation"]["reservationId"],
        "used",
    )


@contextlib.asynccontextmanager
async def charging(
    platform: Any, operator: Operator
) -> AsyncIterator[tuple[SimulatedCharger, View]]:
    """A 2.0.1 station in its full lifecycle (a reset reboots it) charging a session the
    operator started (F02), with the session as the API shows it."""
    cp_id, tag = new_id(), new_id("DRIVER")
    await operator.call("PUT", f"/id-tags/{tag}", {})
    stop = asyncio.Event()
    cp = SimulatedCharger(
        platform.ws_url,
        cp_id,
        protocol=V201,
        handlers=default_handlers(),
        backoff=Backoff(initial_s=0.05, max_s=0.2),
    )
    cp.device.job_step_s = 0.01
    cp.device.remote_session_duration_s = 3600
    task = asyncio.create_task(cp.run(stop))
    try:
        await asyncio.wait_for(cp.ever_online.wait(), 10)
        start = {"idToken": token(tag), "remoteStartId": 77, "evseId": 1}
        await operator.command(cp_id, "RequestStartTransaction", start)

        async def running() -> Any:
            sessions = (await operator.call("GET", "/sessions", chargePointId=cp_id))["items"]
            return [s for s in sessions if s["status"] == "active"]

        [session] = await eventually(running)
        yield cp, session
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def test_B12_reset_on_idle_waits_for_the_running_transaction(platform):
    operator = Operator(platform)

    async def scenario() -> tuple[View, int, int]:
        async with charging(platform, operator) as (cp, session):
            cp_id = cp.charge_point_id
            reset = await operator.command(cp_id, "Reset", {"type": "OnIdle"})
            boots_while_charging = cp.stats.boot_responses["Accepted"]
            await operator.command(
                cp_id, "RequestStopTransaction", {"transactionId": session["transactionId"]}
            )

            async def rebooted() -> bool:
                return cp.stats.boot_responses["Accepted"] > boots_while_charging

            await eventually(rebooted)
            return reset, boots_while_charging, cp.stats.boot_responses["Accepted"]

    reset, before, after = run(scenario(), timeout=60)
    assert reset["result"] == {"status": "Scheduled"}
    assert (before, after) == (1, 2)


def test_O02_a_display_message_for_the_running_transaction(platform):
    operator = Operator(platform)

    async def scenario() -> tuple[View, View, dict[int, Any]]:
        async with charging(platform, operator) as (cp, session):
            cp_id = cp.charge_point_id
            for_session = {**MESSAGE, "transactionId": session["transactionId"]}
            shown = await operator.command(cp_id, "SetDisplayMessage", {"message": for_session})
            other = {**MESSAGE, "id": 4, "transactionId": "no-such-transaction"}
            refused = await operator.command(cp_id, "SetDisplayMessage", {"message": other})
            return shown, refused, dict(cp.device.display_messages)

    shown, refused, messages = run(scenario(), timeout=60)
    assert shown["result"] == {"status": "Accepted"}
    assert refused["result"] == {"status": "UnknownTransaction"}
    assert list(messages) == [MESSAGE["id"]]


def test_G05_a_lock_failure_is_kept_as_an_alert(platform):
    lock = {"name": "ConnectorPlugRetentionLock", "evse": {"id": 1, "connectorId": 1}}
    now = stamp(datetime.now(UTC))
    event = {
        "eventId": 5,
        "timestamp": now,
        "trigger": "Alerting",
        "actualValue": "true",
        "eventNotificationType": "HardWiredMonitor",
        "component": lock,
        "variable": {"name": "Problem"},
    }

    async def scenario(cp: SimulatedCharger, operator: Operator) -> View:
        notify = {"generatedAt": now, "seqNo": 0, "eventData": [event]}
        assert await cp.call("NotifyEvent", notify) == {}
        listed: View = await operator.call(
            "GET", f"/chargers/{quote(cp.charge_point_id)}/events", kind="event"
        )
        return listed

    listed = with_station(platform, scenario)
    [item] = listed["items"]
    assert (
        item["event"]["component"],
        item["event"]["variable"],
        item["event"]["actualValue"],
    ) == ("ConnectorPlugRetentionLock", "Problem", "true")


def test_P02_data_transfer_from_an_unknown_vendor(platform):
    async def scenario(cp: SimulatedCharger, operator: Operator) -> View:
        answer: View = await cp.call("DataTransfer", {"vendorId": "com.nobody", "data": "x"})
        return answer

    assert with_station(platform, scenario) == {"status": "UnknownVendorId"}
