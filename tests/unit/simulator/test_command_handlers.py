"""The default command handlers: answers valid against the official response schemas, for a
charger that accepts and one that refuses, and what the charger does after answering."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import ocpp
import pytest
from jsonschema.validators import validator_for  # type: ignore[import-untyped]

from simulator import Backoff, ChargerApi, CommandHandlerTable, SimulatedCharger
from simulator.command_handlers import COMMANDS
from simulator.command_handlers.charging_profiles import limit_in_force
from simulator.handlers import default_handlers
from tests.unit.simulator.schemas import SCHEMA_DIRS, assert_valid_request
from tests.unit.simulator.scripted_csms import ScriptedCsms, TransactionResponder, async_test

V16, V201 = "ocpp1.6", "ocpp2.0.1"
TAG = "TAG-1"
TOKEN = {"idToken": TAG, "type": "ISO14443"}
REJ = {"status": "Rejected"}


@cache
def _response_validator(protocol: str, action: str) -> Any:
    folder, _ = SCHEMA_DIRS[protocol]
    path = Path(ocpp.__file__).parent / folder / "schemas" / f"{action}Response.json"
    schema = json.loads(path.read_text())
    cls = validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid_response(protocol: str, action: str, payload: dict[str, Any]) -> None:
    _response_validator(protocol, action).validate(payload)


def in_future(seconds: float = 3600) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


class Bench:
    """A charger connected to a scripted CSMS, and the commands the CSMS sends it."""

    def __init__(self, csms: ScriptedCsms, cp: SimulatedCharger) -> None:
        self.csms = csms
        self.cp = cp

    async def send(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        frame = await self.csms.send_call(self.cp.charge_point_id, action, payload)
        assert frame[0] == 3, frame
        answer: dict[str, Any] = frame[2]
        assert_valid_response(self.cp.protocol, action, answer)
        return answer

    def sent(self, action: str) -> list[dict[str, Any]]:
        return [r.payload for r in self.csms.calls(action)]

    async def until_sent(self, action: str, count: int = 1) -> list[dict[str, Any]]:
        await self.csms.wait_until(lambda: len(self.sent(action)) >= count)
        return self.sent(action)

    def statuses(self) -> list[tuple[int, str]]:
        return [
            (p.get("evseId", p["connectorId"]), p.get("status") or p["connectorStatus"])
            for p in self.sent("StatusNotification")
        ]


@contextlib.asynccontextmanager
async def bench(
    protocol: str = V16,
    *,
    handlers: CommandHandlerTable | None = None,
    responder: TransactionResponder | None = None,
    connectors: int = 2,
) -> AsyncIterator[Bench]:
    async with ScriptedCsms(responder=responder or TransactionResponder()) as csms:
        cp = SimulatedCharger(
            csms.url,
            "CP-1",
            protocol=protocol,
            connectors=connectors,
            handlers=handlers,
            backoff=Backoff(initial_s=0.01, max_s=0.05),
        )
        cp.device.job_step_s = 0.01
        async with cp:
            yield Bench(csms, cp)
        # Everything the charger said on its own must be valid OCPP too.
        for call in csms.calls():
            assert call.action is not None
            assert_valid_request(protocol, call.action, call.payload)


# ----- every command: the answer of an idle charger that accepts, and of one that refuses --

PROFILE = {
    "chargingProfileId": 7,
    "stackLevel": 1,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
    },
}
PROFILE_201 = {
    "id": 7,
    "stackLevel": 1,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": [
        {
            "id": 1,
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
        }
    ],
}
VARIABLE = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
HASH_DATA = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "a" * 64,
    "issuerKeyHash": "b" * 64,
    "serialNumber": "01",
}
NETWORK_PROFILE = {
    "configurationSlot": 1,
    "connectionData": {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": "wss://csms.example.com/ocpp",
        "messageTimeout": 30,
        "securityProfile": 1,
        "ocppInterface": "Wired0",
    },
}
MONITOR = {"value": 100, "type": "UpperThreshold", "severity": 5, **VARIABLE}
MONITOR_RESULT = {"type": "UpperThreshold", "severity": 5, **VARIABLE}
DISPLAY_MESSAGE = {
    "id": 1,
    "priority": "NormalCycle",
    "message": {"format": "UTF8", "content": "Hello"},
}
# protocol, action, payload, answer when accepting, answer when refusing
ANSWERS = [
    (V16, "RemoteStartTransaction", {"idTag": TAG, "connectorId": 1}, "Accepted", "Rejected"),
    (V16, "RemoteStopTransaction", {"transactionId": 1}, "Rejected", "Rejected"),
    (V16, "Reset", {"type": "Soft"}, "Accepted", "Rejected"),
    (V16, "UnlockConnector", {"connectorId": 1}, "Unlocked", "UnlockFailed"),
    (V16, "ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}, "Accepted", "Rejected"),
    (
        V16,
        "ChangeConfiguration",
        {"key": "MeterValueSampleInterval", "value": "30"},
        "Accepted",
        "Rejected",
    ),
    (
        V16,
        "GetConfiguration",
        {"key": ["NumberOfConnectors"]},
        {"configurationKey": [{"key": "NumberOfConnectors", "readonly": True, "value": "2"}]},
        {"unknownKey": ["NumberOfConnectors"]},
    ),
    (V16, "ClearCache", {}, "Accepted", "Rejected"),
    (V16, "TriggerMessage", {"requestedMessage": "Heartbeat"}, "Accepted", "Rejected"),
    (
        V16,
        "ExtendedTriggerMessage",
        {"requestedMessage": "SignChargePointCertificate"},
        "Accepted",
        "Rejected",
    ),
    (V16, "CertificateSigned", {"certificateChain": PEM}, "Accepted", "Rejected"),
    (
        V16,
        "SendLocalList",
        {"listVersion": 1, "updateType": "Full", "localAuthorizationList": []},
        "Accepted",
        "Failed",
    ),
    (V16, "GetLocalListVersion", {}, {"listVersion": 0}, {"listVersion": -1}),
    (
        V16,
        "ReserveNow",
        {"connectorId": 1, "expiryDate": in_future(), "idTag": TAG, "reservationId": 5},
        "Accepted",
        "Rejected",
    ),
    (V16, "CancelReservation", {"reservationId": 5}, "Rejected", "Rejected"),
    (V16, "DataTransfer", {"vendorId": "acme"}, "UnknownVendorId", "Rejected"),
    (V16, "GetDiagnostics", {"location": "ftp://example.com/"}, {"fileName": ANY}, {}),
    (
        V16,
        "UpdateFirmware",
        {"location": "https://example.com/fw-2.bin", "retrieveDate": in_future(0)},
        {},
        {},
    ),
    (
        V16,
        "SetChargingProfile",
        {"connectorId": 1, "csChargingProfiles": PROFILE},
        "Accepted",
        "Rejected",
    ),
    (V16, "ClearChargingProfile", {}, "Unknown", "Unknown"),
    (
        V16,
        "InstallCertificate",
        {"certificateType": "CentralSystemRootCertificate", "certificate": PEM},
        "Accepted",
        "Rejected",
    ),
    (
        V16,
        "GetInstalledCertificateIds",
        {"certificateType": "CentralSystemRootCertificate"},
        "NotFound",
        "NotFound",
    ),
    (V16, "DeleteCertificate", {"certificateHashData": HASH_DATA}, "NotFound", "Failed"),
    (
        V16,
        "GetLog",
        {"logType": "SecurityLog", "requestId": 3, "log": {"remoteLocation": "ftp://x.example/"}},
        {"status": "Accepted", "filename": ANY},
        "Rejected",
    ),
    (
        V16,
        "SignedUpdateFirmware",
        {
            "requestId": 4,
            "firmware": {
                "location": "https://example.com/fw-3.bin",
                "retrieveDateTime": in_future(0),
                "signingCertificate": PEM,
                "signature": "c2ln",
            },
        },
        "Accepted",
        "Accepted",
    ),
    (
        V16,
        "GetCompositeSchedule",
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "W"},
        {
            "status": "Accepted",
            "connectorId": 1,
            "scheduleStart": ANY,
            "chargingSchedule": {
                "duration": 3600,
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}],
            },
        },
        "Rejected",
    ),
    (
        V201,
        "RequestStartTransaction",
        {"idToken": TOKEN, "remoteStartId": 3, "evseId": 1},
        "Accepted",
        "Rejected",
    ),
    (V201, "RequestStopTransaction", {"transactionId": "nope"}, "Rejected", "Rejected"),
    (V201, "Reset", {"type": "Immediate"}, "Accepted", "Rejected"),
    (
        V201,
        "SetVariables",
        {"setVariableData": [{**VARIABLE, "attributeValue": "120"}]},
        {"setVariableResult": [{**VARIABLE, "attributeStatus": "Accepted"}]},
        {"setVariableResult": [{**VARIABLE, "attributeStatus": "Rejected"}]},
    ),
    (
        V201,
        "GetVariables",
        {"getVariableData": [VARIABLE]},
        {"getVariableResult": [{**VARIABLE, "attributeStatus": "Accepted", "attributeValue": ANY}]},
        {"getVariableResult": [{**VARIABLE, "attributeStatus": "Rejected"}]},
    ),
    (V201, "TriggerMessage", {"requestedMessage": "Heartbeat"}, "Accepted", "Rejected"),
    (V201, "ChangeAvailability", {"operationalStatus": "Inoperative"}, "Accepted", "Rejected"),
    (V201, "UnlockConnector", {"evseId": 1, "connectorId": 1}, "Unlocked", "UnlockFailed"),
    (V201, "ClearCache", {}, "Accepted", "Rejected"),
    (
        V201,
        "SendLocalList",
        {"versionNumber": 1, "updateType": "Full"},
        "Accepted",
        "Failed",
    ),
    (V201, "GetLocalListVersion", {}, {"versionNumber": 0}, {"versionNumber": 0}),
    (V201, "DataTransfer", {"vendorId": "acme"}, "UnknownVendorId", "Rejected"),
    (
        V201,
        "UpdateFirmware",
        {
            "requestId": 8,
            "firmware": {
                "location": "https://example.com/fw-2.bin",
                "retrieveDateTime": "2026-01-01T00:00:00Z",
            },
        },
        "Accepted",
        "Rejected",
    ),
    (
        V201,
        "GetLog",
        {
            "logType": "DiagnosticsLog",
            "requestId": 9,
            "log": {"remoteLocation": "https://example.com/logs/"},
        },
        {"status": "Accepted", "filename": ANY},
        "Rejected",
    ),
    (
        V201,
        "GetBaseReport",
        {"requestId": 1, "reportBase": "FullInventory"},
        "Accepted",
        "Rejected",
    ),
    (V201, "GetReport", {"requestId": 2, "componentVariable": [VARIABLE]}, "Accepted", "Rejected"),
    (
        V201,
        "GetTransactionStatus",
        {"transactionId": "nope"},
        {"messagesInQueue": False, "ongoingIndicator": False},
        {"messagesInQueue": False, "ongoingIndicator": False},
    ),
    (
        V201,
        "GetChargingProfiles",
        {"requestId": 3, "chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}},
        "NoProfiles",
        "NoProfiles",
    ),
    (
        V201,
        "SetChargingProfile",
        {"evseId": 1, "chargingProfile": PROFILE_201},
        "Accepted",
        "Rejected",
    ),
    (V201, "ClearChargingProfile", {"chargingProfileId": 7}, "Unknown", "Unknown"),
    (
        V201,
        "GetCompositeSchedule",
        {"evseId": 1, "duration": 3600, "chargingRateUnit": "W"},
        {
            "status": "Accepted",
            "schedule": {
                "evseId": 1,
                "duration": 3600,
                "scheduleStart": ANY,
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}],
            },
        },
        "Rejected",
    ),
    (V201, "SetNetworkProfile", NETWORK_PROFILE, "Accepted", "Rejected"),
    (
        V201,
        "PublishFirmware",
        {"location": "https://example.com/fw.bin", "checksum": "0" * 32, "requestId": 4},
        "Rejected",
        "Rejected",
    ),
    (V201, "UnpublishFirmware", {"checksum": "0" * 32}, "NoFirmware", "NoFirmware"),
    (
        V201,
        "InstallCertificate",
        {"certificateType": "CSMSRootCertificate", "certificate": PEM},
        "Accepted",
        "Rejected",
    ),
    (V201, "CertificateSigned", {"certificateChain": PEM}, "Accepted", "Rejected"),
    (V201, "GetInstalledCertificateIds", {}, "NotFound", "NotFound"),
    (V201, "DeleteCertificate", {"certificateHashData": HASH_DATA}, "NotFound", "Failed"),
    (
        V201,
        "SetVariableMonitoring",
        {"setMonitoringData": [MONITOR]},
        {"setMonitoringResult": [{"id": 1, "status": "Accepted", **MONITOR_RESULT}]},
        {"setMonitoringResult": [{"status": "Rejected", **MONITOR_RESULT}]},
    ),
    (
        V201,
        "ClearVariableMonitoring",
        {"id": [9]},
        {"clearMonitoringResult": [{"id": 9, "status": "NotFound"}]},
        {"clearMonitoringResult": [{"id": 9, "status": "Rejected"}]},
    ),
    (V201, "GetMonitoringReport", {"requestId": 5}, "EmptyResultSet", "Rejected"),
    (V201, "SetMonitoringBase", {"monitoringBase": "All"}, "Accepted", "Rejected"),
    (V201, "SetMonitoringLevel", {"severity": 5}, "Accepted", "Rejected"),
    (
        V201,
        "CustomerInformation",
        {"requestId": 6, "report": True, "clear": False, "idToken": TOKEN},
        "Accepted",
        "Rejected",
    ),
    (V201, "SetDisplayMessage", {"message": DISPLAY_MESSAGE}, "Accepted", "Rejected"),
    (V201, "GetDisplayMessages", {"requestId": 7}, "Unknown", "Unknown"),
    (V201, "ClearDisplayMessage", {"id": 1}, "Unknown", "Unknown"),
    (V201, "CostUpdated", {"totalCost": 1.5, "transactionId": "T-1"}, {}, {}),
]


def _expected(answer: str | dict[str, Any]) -> dict[str, Any]:
    return {"status": answer} if isinstance(answer, str) else answer


def test_the_table_covers_every_default_command():
    assert {(p, a) for p, a, *_ in ANSWERS} == {
        (protocol, action) for protocol, commands in COMMANDS.items() for action in commands
    }


@pytest.mark.parametrize("accept", [True, False], ids=["accepting", "refusing"])
@pytest.mark.parametrize(
    ("protocol", "action", "payload", "accepted", "refused"),
    ANSWERS,
    ids=[f"{p[4:]}-{a}" for p, a, *_ in ANSWERS],
)
@async_test
async def test_answer_of_each_command(protocol, action, payload, accepted, refused, accept):
    async with bench(protocol, handlers=default_handlers(accept=accept)) as b:
        assert_valid_request(protocol, action, payload)
        answer = await b.send(action, payload)
    assert answer == _expected(accepted if accept else refused)


@async_test
async def test_reject_names_the_refused_actions_and_an_empty_registry_implements_nothing():
    async with bench(handlers=default_handlers(reject={"Reset"})) as b:
        assert await b.send("Reset", {"type": "Hard"}) == {"status": "Rejected"}
        assert await b.send("ClearCache", {}) == {"status": "Accepted"}
    async with bench(handlers=CommandHandlerTable()) as b:
        frame = await b.csms.send_call("CP-1", "ClearCache", {})
    assert frame[2] == "NotImplemented"
    with pytest.raises(ValueError, match="MakeCoffee"):
        default_handlers(reject={"MakeCoffee"})


def test_a_handler_registered_later_replaces_the_default():
    async def refuse_softly(cp: ChargerApi, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Rejected"}

    for protocol in (V16, V201):
        handlers = default_handlers()
        handlers.register("Reset", refuse_softly)  # for both versions
        assert handlers.resolve(protocol, "Reset") is refuse_softly
        assert handlers.resolve(protocol, "ClearCache") is not None


# ----- configuration and device model ------------------------------------------------------


@async_test
async def test_change_configuration_is_kept_and_checked():
    async with bench() as b:
        change = {"key": "MeterValueSampleInterval", "value": "15"}
        assert (await b.send("ChangeConfiguration", change))["status"] == "Accepted"
        bad_value = {"key": "MeterValueSampleInterval", "value": "soon"}
        assert (await b.send("ChangeConfiguration", bad_value))["status"] == "Rejected"
        readonly = {"key": "NumberOfConnectors", "value": "4"}
        assert (await b.send("ChangeConfiguration", readonly))["status"] == "Rejected"
        unknown = {"key": "FluxCapacitor", "value": "1"}
        assert (await b.send("ChangeConfiguration", unknown))["status"] == "NotSupported"
        flag = {"key": "AuthorizeRemoteTxRequests", "value": "FALSE"}
        assert (await b.send("ChangeConfiguration", flag))["status"] == "Accepted"
        asked = await b.send(
            "GetConfiguration",
            {"key": ["MeterValueSampleInterval", "AuthorizeRemoteTxRequests", "FluxCapacitor"]},
        )
        everything = await b.send("GetConfiguration", {})
    assert asked == {
        "configurationKey": [
            {"key": "MeterValueSampleInterval", "readonly": False, "value": "15"},
            {"key": "AuthorizeRemoteTxRequests", "readonly": False, "value": "false"},
        ],
        "unknownKey": ["FluxCapacitor"],
    }
    keys = {entry["key"] for entry in everything["configurationKey"]}
    assert {"HeartbeatInterval", "LocalAuthListEnabled", "NumberOfConnectors"} <= keys
    assert "unknownKey" not in everything


@pytest.mark.parametrize("protocol", [V16, V201])
@async_test
async def test_a_new_heartbeat_interval_takes_effect_at_once(protocol):
    async with ScriptedCsms(
        responder=TransactionResponder(), boot_script=[{"status": "Accepted", "interval": 600}]
    ) as csms:
        cp = SimulatedCharger(csms.url, "CP-1", protocol=protocol)
        stop = asyncio.Event()
        run = asyncio.create_task(cp.run(stop))
        await csms.wait_until(lambda: cp.is_online)
        if protocol == V16:
            frame = await csms.send_call(
                "CP-1", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "1"}
            )
            assert frame[2] == {"status": "Accepted"}
            read = await csms.send_call("CP-1", "GetConfiguration", {"key": ["HeartbeatInterval"]})
            value = read[2]["configurationKey"][0]["value"]
        else:
            frame = await csms.send_call(
                "CP-1", "SetVariables", {"setVariableData": [{**VARIABLE, "attributeValue": "1"}]}
            )
            assert frame[2]["setVariableResult"][0]["attributeStatus"] == "Accepted"
            read = await csms.send_call("CP-1", "GetVariables", {"getVariableData": [VARIABLE]})
            value = read[2]["getVariableResult"][0]["attributeValue"]
        # The boot said 600 s: a heartbeat within seconds comes from the new interval.
        await csms.wait_until(lambda: len(csms.calls("Heartbeat")) >= 1, timeout=3)
        stop.set()
        await run
    assert value == "1"
    assert cp.heartbeat_interval_s == 1


@async_test
async def test_device_model_statuses():
    def item(component: str, variable: str, **extra: Any) -> dict[str, Any]:
        return {"component": {"name": component}, "variable": {"name": variable}, **extra}

    async with bench(V201) as b:
        answer = await b.send(
            "SetVariables",
            {
                "setVariableData": [
                    item("AuthCtrlr", "AuthorizeRemoteStart", attributeValue="false"),
                    item("AuthCtrlr", "AuthorizeRemoteStart", attributeValue="maybe"),
                    item("LocalAuthListCtrlr", "Entries", attributeValue="3"),
                    item("FluxCtrlr", "Enabled", attributeValue="true"),
                    item("AuthCtrlr", "Colour", attributeValue="red"),
                    item(
                        "TxCtrlr", "EVConnectionTimeOut", attributeValue="9", attributeType="MaxSet"
                    ),
                    item("OCPPCommCtrlr", "HeartbeatInterval", attributeValue="0"),
                ]
            },
        )
        read = await b.send(
            "GetVariables",
            {
                "getVariableData": [
                    item("AuthCtrlr", "AuthorizeRemoteStart"),
                    item("LocalAuthListCtrlr", "Entries"),
                    item("EVSE", "Power"),
                ]
            },
        )
    assert [r["attributeStatus"] for r in answer["setVariableResult"]] == [
        "Accepted",
        "Rejected",
        "Rejected",
        "UnknownComponent",
        "UnknownVariable",
        "NotSupportedAttributeType",
        "Rejected",
    ]
    assert answer["setVariableResult"][5]["attributeType"] == "MaxSet"
    assert [(r["attributeStatus"], r.get("attributeValue")) for r in read["getVariableResult"]] == [
        ("Accepted", "false"),
        ("Accepted", "0"),
        ("UnknownComponent", None),
    ]


# ----- remote start and stop -----------------------------------------------------------------


@async_test
async def test_remote_start_runs_a_session_and_remote_stop_ends_it_v16():
    async with bench() as b:
        assert (await b.send("RemoteStartTransaction", {"idTag": TAG}))["status"] == "Accepted"
        [start] = await b.until_sent("StartTransaction")
        busy = await b.send("RemoteStartTransaction", {"idTag": "OTHER", "connectorId": 1})
        await b.csms.wait_until(lambda: (1, "Charging") in b.statuses())
        transaction_id = b.cp.transaction_on(1).transaction_id
        stop = await b.send("RemoteStopTransaction", {"transactionId": transaction_id})
        [stopped] = await b.until_sent("StopTransaction")
        await b.csms.wait_until(lambda: b.statuses()[-1] == (1, "Available"))
        unknown = await b.send("RemoteStopTransaction", {"transactionId": transaction_id})
    assert b.sent("Authorize") == [{"idTag": TAG}]
    assert (start["connectorId"], start["idTag"]) == (1, TAG)
    assert busy == {"status": "Rejected"}
    assert stop == {"status": "Accepted"}
    assert (stopped["transactionId"], stopped["reason"]) == (transaction_id, "Remote")
    assert b.statuses() == [(1, "Preparing"), (1, "Charging"), (1, "Finishing"), (1, "Available")]
    assert unknown == {"status": "Rejected"}
    assert b.cp.transactions == {}
    assert (b.cp.stats.sessions_started, b.cp.stats.sessions_completed) == (1, 1)


@async_test
async def test_remote_start_skips_authorize_when_configured_and_picks_a_free_connector():
    async with bench() as b:
        await b.send("ChangeConfiguration", {"key": "AuthorizeRemoteTxRequests", "value": "false"})
        await b.send("RemoteStartTransaction", {"idTag": TAG})
        await b.send("RemoteStartTransaction", {"idTag": "TAG-2"})
        starts = await b.until_sent("StartTransaction", 2)
        third = await b.send("RemoteStartTransaction", {"idTag": "TAG-3"})
    assert b.sent("Authorize") == []
    assert sorted((s["connectorId"], s["idTag"]) for s in starts) == [(1, TAG), (2, "TAG-2")]
    assert third == {"status": "Rejected"}


@async_test
async def test_remote_start_with_a_refused_id_tag_starts_nothing():
    async with bench(responder=TransactionResponder(invalid_tags={TAG})) as b:
        assert (await b.send("RemoteStartTransaction", {"idTag": TAG}))["status"] == "Accepted"
        await b.csms.wait_until(lambda: b.statuses() == [(1, "Preparing"), (1, "Available")])
    assert b.sent("StartTransaction") == []
    assert b.cp.stats.sessions_failed == 1


@async_test
async def test_remote_start_and_stop_v201():
    async with bench(V201) as b:
        started = await b.send(
            "RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 42, "evseId": 2}
        )
        [begin] = await b.until_sent("TransactionEvent")
        transaction_id = begin["transactionInfo"]["transactionId"]
        stop = await b.send("RequestStopTransaction", {"transactionId": transaction_id})
        events = await b.until_sent("TransactionEvent", 2)
        await b.csms.wait_until(lambda: b.statuses()[-1] == (2, "Available"))
    assert started == {"status": "Accepted"}
    assert stop == {"status": "Accepted"}
    assert (begin["eventType"], begin["triggerReason"]) == ("Started", "RemoteStart")
    assert begin["transactionInfo"]["remoteStartId"] == 42
    assert (begin["evse"]["id"], begin["idToken"]) == (2, TOKEN)
    end = events[-1]
    assert (end["eventType"], end["triggerReason"]) == ("Ended", "RemoteStop")
    assert end["transactionInfo"]["stoppedReason"] == "Remote"
    assert b.sent("Authorize") == [{"idToken": TOKEN}]


# ----- reset -----------------------------------------------------------------------------------


@async_test
async def test_reset_stops_the_transaction_then_reconnects_and_boots():
    async with bench() as b:
        await b.send("RemoteStartTransaction", {"idTag": TAG, "connectorId": 1})
        await b.until_sent("StartTransaction")
        assert await b.send("Reset", {"type": "Hard"}) == {"status": "Accepted"}
        await b.until_sent("BootNotification")
        await b.csms.wait_until(lambda: b.cp.is_connected and len(b.csms.handshakes) == 2)
    [stopped] = b.sent("StopTransaction")
    assert stopped["reason"] == "HardReset"
    actions = [r.action for r in b.csms.calls()]
    assert actions.index("StopTransaction") < actions.index("BootNotification")


@async_test
async def test_reset_under_the_lifecycle_boots_again():
    async with ScriptedCsms(responder=TransactionResponder()) as csms:
        cp = SimulatedCharger(csms.url, "CP-1", backoff=Backoff(initial_s=0.01, max_s=0.05))
        stop = asyncio.Event()
        run = asyncio.create_task(cp.run(stop))
        await csms.wait_until(lambda: cp.is_online)
        frame = await csms.send_call("CP-1", "Reset", {"type": "Soft"})
        await csms.wait_until(lambda: len(csms.calls("BootNotification")) == 2)
        await csms.wait_until(lambda: cp.is_online)
        stop.set()
        await run
    assert frame[2] == {"status": "Accepted"}
    assert len(csms.handshakes) == 2
    assert cp.stats.errors == {}


@async_test
async def test_reset_on_idle_waits_for_the_transaction_v201():
    async with bench(V201) as b:
        await b.send("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1})
        [begin] = await b.until_sent("TransactionEvent")
        on_idle = await b.send("Reset", {"type": "OnIdle"})
        per_evse = await b.send("Reset", {"type": "Immediate", "evseId": 1})
        await asyncio.sleep(0.1)
        boots_while_busy = len(b.sent("BootNotification"))
        transaction_id = begin["transactionInfo"]["transactionId"]
        await b.send("RequestStopTransaction", {"transactionId": transaction_id})
        await b.until_sent("BootNotification")
    assert on_idle == {"status": "Scheduled"}
    assert per_evse["status"] == "Rejected"
    assert boots_while_busy == 0


@async_test
async def test_immediate_reset_ends_the_transaction_v201():
    async with bench(V201) as b:
        await b.send("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1})
        await b.until_sent("TransactionEvent")
        await b.send("Reset", {"type": "Immediate"})
        await b.until_sent("BootNotification")
    end = b.sent("TransactionEvent")[-1]
    assert (end["eventType"], end["triggerReason"]) == ("Ended", "ResetCommand")
    assert end["transactionInfo"]["stoppedReason"] == "ImmediateReset"


# ----- availability and unlocking --------------------------------------------------------------


@async_test
async def test_change_availability_v16():
    async with bench() as b:
        off = await b.send("ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})
        await b.csms.wait_until(lambda: (2, "Unavailable") in b.statuses())
        refused_start = await b.send("RemoteStartTransaction", {"idTag": TAG, "connectorId": 2})
        unknown = await b.send("ChangeAvailability", {"connectorId": 9, "type": "Inoperative"})
        await b.send("RemoteStartTransaction", {"idTag": TAG, "connectorId": 1})
        await b.until_sent("StartTransaction")
        whole = await b.send("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})
        await b.csms.wait_until(lambda: (0, "Unavailable") in b.statuses())
        transaction_id = b.cp.transaction_on(1).transaction_id
        await b.send("RemoteStopTransaction", {"transactionId": transaction_id})
        await b.csms.wait_until(lambda: b.statuses()[-1] == (1, "Unavailable"))
        back = await b.send("ChangeAvailability", {"connectorId": 0, "type": "Operative"})
        await b.csms.wait_until(lambda: b.statuses()[-2:] == [(1, "Available"), (2, "Available")])
    assert off == {"status": "Accepted"}
    assert refused_start == {"status": "Rejected"}
    assert unknown == {"status": "Rejected"}
    assert whole == {"status": "Scheduled"}
    assert back == {"status": "Accepted"}


@async_test
async def test_change_availability_v201():
    async with bench(V201) as b:
        off = await b.send(
            "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
        )
        await b.csms.wait_until(lambda: (1, "Unavailable") in b.statuses())
        unknown = await b.send(
            "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 7}}
        )
        refused = await b.send(
            "RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1, "evseId": 1}
        )
    assert (off, unknown, refused) == ({"status": "Accepted"}, REJ, REJ)


@async_test
async def test_unlock_connector_outcomes():
    async with bench() as b:
        unknown = await b.send("UnlockConnector", {"connectorId": 5})
        b.cp.device.unlock_result = "UnlockFailed"
        failed = await b.send("UnlockConnector", {"connectorId": 1})
        b.cp.device.unlock_result = "Unlocked"
        await b.send("RemoteStartTransaction", {"idTag": TAG, "connectorId": 1})
        await b.until_sent("StartTransaction")
        unlocked = await b.send("UnlockConnector", {"connectorId": 1})
        [stopped] = await b.until_sent("StopTransaction")
    assert unknown == {"status": "NotSupported"}
    assert failed == {"status": "UnlockFailed"}
    assert unlocked == {"status": "Unlocked"}
    assert stopped["reason"] == "UnlockCommand"
    async with bench(V201) as b:
        unknown = await b.send("UnlockConnector", {"evseId": 1, "connectorId": 2})
        await b.send("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1, "evseId": 1})
        await b.until_sent("TransactionEvent")
        busy = await b.send("UnlockConnector", {"evseId": 1, "connectorId": 1})
    assert unknown == {"status": "UnknownConnector"}
    assert busy == {"status": "OngoingAuthorizedTransaction"}


# ----- trigger message -------------------------------------------------------------------------


ON_1_V16, ON_1_V201 = {"connectorId": 1}, {"evse": {"id": 1}}


@pytest.mark.parametrize(
    ("protocol", "requested", "where", "check"),
    [
        (V16, "BootNotification", {}, lambda p: p["chargePointSerialNumber"] == "CP-1"),
        (V16, "Heartbeat", {}, lambda p: p == {}),
        (
            V16,
            "StatusNotification",
            ON_1_V16,
            lambda p: (p["connectorId"], p["status"]) == (1, "Available"),
        ),
        (
            V16,
            "MeterValues",
            ON_1_V16,
            lambda p: p["meterValue"][0]["sampledValue"][0]["context"] == "Trigger",
        ),
        (V16, "DiagnosticsStatusNotification", {}, lambda p: p == {"status": "Idle"}),
        (V16, "FirmwareStatusNotification", {}, lambda p: p == {"status": "Idle"}),
        (V201, "BootNotification", {}, lambda p: p["reason"] == "Triggered"),
        (V201, "Heartbeat", {}, lambda p: p == {}),
        (
            V201,
            "StatusNotification",
            ON_1_V201,
            lambda p: (p["evseId"], p["connectorStatus"]) == (1, "Available"),
        ),
        (V201, "MeterValues", ON_1_V201, lambda p: p["evseId"] == 1),
        (V201, "FirmwareStatusNotification", {}, lambda p: p == {"status": "Idle"}),
        (V201, "LogStatusNotification", {}, lambda p: p == {"status": "Idle"}),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
@async_test
async def test_trigger_message_sends_the_requested_message(protocol, requested, where, check):
    async with bench(protocol) as b:
        answer = await b.send("TriggerMessage", {"requestedMessage": requested, **where})
        [sent] = await b.until_sent(requested)
    assert answer == {"status": "Accepted"}
    assert check(sent)


@async_test
async def test_trigger_message_refusals():
    async with bench(V16) as b:
        unknown = await b.send(
            "TriggerMessage", {"requestedMessage": "Heartbeat", "connectorId": 3}
        )
    async with bench(V201) as b:
        no_tx = await b.send("TriggerMessage", {"requestedMessage": "TransactionEvent"})
        unsupported = await b.send("TriggerMessage", {"requestedMessage": "SignV2GCertificate"})
        await b.send("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1})
        await b.until_sent("TransactionEvent")
        with_tx = await b.send("TriggerMessage", {"requestedMessage": "TransactionEvent"})
        events = await b.until_sent("TransactionEvent", 2)
    assert (unknown, no_tx) == (REJ, REJ)
    assert unsupported == {"status": "NotImplemented"}
    assert with_tx == {"status": "Accepted"}
    assert (events[1]["eventType"], events[1]["triggerReason"]) == ("Updated", "Trigger")


# ----- local list, reservations ---------------------------------------------------------------


def entry(tag: str, status: str | None = "Accepted") -> dict[str, Any]:
    return {"idTag": tag, "idTagInfo": {"status": status}} if status else {"idTag": tag}


@async_test
async def test_local_list_full_differential_and_version_mismatch_v16():
    async with bench() as b:
        full = {
            "listVersion": 3,
            "updateType": "Full",
            "localAuthorizationList": [entry("A"), entry("B")],
        }
        assert (await b.send("SendLocalList", full))["status"] == "Accepted"
        diff = {
            "listVersion": 4,
            "updateType": "Differential",
            "localAuthorizationList": [entry("A", None), entry("C", "Blocked")],
        }
        assert (await b.send("SendLocalList", diff))["status"] == "Accepted"
        stale = {
            "listVersion": 4,
            "updateType": "Differential",
            "localAuthorizationList": [entry("D")],
        }
        mismatch = await b.send("SendLocalList", stale)
        version = await b.send("GetLocalListVersion", {})
        await b.send("ChangeConfiguration", {"key": "LocalAuthListEnabled", "value": "false"})
        disabled = await b.send("SendLocalList", full)
        disabled_version = await b.send("GetLocalListVersion", {})
    assert mismatch == {"status": "VersionMismatch"}
    assert version == {"listVersion": 4}
    assert b.cp.device.local_list == {"B": {"status": "Accepted"}, "C": {"status": "Blocked"}}
    assert disabled == {"status": "NotSupported"}
    assert disabled_version == {"listVersion": -1}


@async_test
async def test_local_list_v201():
    async with bench(V201) as b:
        full = {
            "versionNumber": 2,
            "updateType": "Full",
            "localAuthorizationList": [{"idToken": TOKEN, "idTokenInfo": {"status": "Accepted"}}],
        }
        assert (await b.send("SendLocalList", full))["status"] == "Accepted"
        stale = {**full, "updateType": "Differential"}
        mismatch = await b.send("SendLocalList", stale)
        version = await b.send("GetLocalListVersion", {})
        entries = await b.send(
            "GetVariables",
            {
                "getVariableData": [
                    {"component": {"name": "LocalAuthListCtrlr"}, "variable": {"name": "Entries"}}
                ]
            },
        )
    assert mismatch == {"status": "VersionMismatch"}
    assert version == {"versionNumber": 2}
    assert entries["getVariableResult"][0]["attributeValue"] == "1"


def reserve(connector: int, reservation_id: int, tag: str = TAG, seconds: float = 3600):
    return {
        "connectorId": connector,
        "expiryDate": in_future(seconds),
        "idTag": tag,
        "reservationId": reservation_id,
    }


@async_test
async def test_reservation_is_used_by_the_next_start_of_its_id_tag():
    async with bench() as b:
        assert (await b.send("ReserveNow", reserve(1, 11)))["status"] == "Accepted"
        await b.csms.wait_until(lambda: (1, "Reserved") in b.statuses())
        taken = await b.send("ReserveNow", reserve(1, 12, "OTHER"))
        other_tag = await b.send("RemoteStartTransaction", {"idTag": "OTHER", "connectorId": 1})
        assert (await b.send("RemoteStartTransaction", {"idTag": TAG}))["status"] == "Accepted"
        [start] = await b.until_sent("StartTransaction")
        busy = await b.send("ReserveNow", reserve(1, 13))
        cancel_used = await b.send("CancelReservation", {"reservationId": 11})
    assert taken == {"status": "Occupied"}
    assert other_tag == {"status": "Rejected"}
    assert (start["connectorId"], start["reservationId"]) == (1, 11)
    assert busy == {"status": "Occupied"}
    assert cancel_used == {"status": "Rejected"}
    assert b.cp.device.reservations == {}


@async_test
async def test_reservations_cancel_expire_and_refuse():
    async with bench() as b:
        await b.send("ReserveNow", reserve(1, 21))
        cancelled = await b.send("CancelReservation", {"reservationId": 21})
        await b.csms.wait_until(lambda: b.statuses()[-1] == (1, "Available"))
        await b.send("ReserveNow", reserve(2, 22, seconds=0.3))
        await b.csms.wait_until(lambda: b.statuses()[-2:] == [(2, "Reserved"), (2, "Available")])
        past = await b.send("ReserveNow", reserve(1, 23, seconds=-5))
        anywhere = await b.send("ReserveNow", reserve(0, 24))
        await b.send("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})
        unavailable = await b.send("ReserveNow", reserve(1, 25))
    assert cancelled == {"status": "Accepted"}
    assert past == REJ
    assert anywhere == {"status": "Accepted"}
    assert unavailable == {"status": "Unavailable"}
    assert set(b.cp.device.reservations) == {24}


# ----- diagnostics and firmware ---------------------------------------------------------------


@async_test
async def test_diagnostics_upload_reports_its_progress():
    async with bench() as b:
        answer = await b.send("GetDiagnostics", {"location": "ftp://example.com/"})
        reports = await b.until_sent("DiagnosticsStatusNotification", 2)
    assert answer["fileName"].startswith("diagnostics-CP-1-")
    assert [r["status"] for r in reports] == ["Uploading", "Uploaded"]


@async_test
async def test_firmware_update_reports_its_progress_and_the_next_boot_the_new_version():
    async with bench() as b:
        payload = {"location": "https://example.com/fw/sim-2.0.0", "retrieveDate": in_future(0)}
        assert await b.send("UpdateFirmware", payload) == {}
        reports = await b.until_sent("FirmwareStatusNotification", 4)
    assert [r["status"] for r in reports] == [
        "Downloading",
        "Downloaded",
        "Installing",
        "Installed",
    ]
    assert b.sent("BootNotification")[-1]["firmwareVersion"] == "sim-2.0.0"


@async_test
async def test_v16_security_extension_log_upload_and_signed_firmware_report_their_request_id():
    async with bench() as b:
        log = {
            "logType": "DiagnosticsLog",
            "requestId": 11,
            "log": {"remoteLocation": "ftp://x.example/"},
        }
        answer = await b.send("GetLog", log)
        uploads = await b.until_sent("LogStatusNotification", 2)
        firmware = {
            "location": "https://example.com/fw/sim-3.0.0",
            "retrieveDateTime": in_future(0),
            "signingCertificate": PEM,
            "signature": "c2ln",
        }
        assert await b.send("SignedUpdateFirmware", {"requestId": 12, "firmware": firmware}) == {
            "status": "Accepted"
        }
        reports = await b.until_sent("SignedFirmwareStatusNotification", 6)
        unsigned = {**firmware, "signingCertificate": "not a certificate"}
        assert await b.send("SignedUpdateFirmware", {"requestId": 13, "firmware": unsigned}) == {
            "status": "InvalidCertificate"
        }
    assert answer["status"] == "Accepted" and answer["filename"].startswith("diagnostics-CP-1-")
    assert uploads == [
        {"status": "Uploading", "requestId": 11},
        {"status": "Uploaded", "requestId": 11},
    ]
    assert [(r["status"], r["requestId"]) for r in reports] == [
        ("Downloading", 12),
        ("Downloaded", 12),
        ("SignatureVerified", 12),
        ("Installing", 12),
        ("InstallRebooting", 12),
        ("Installed", 12),
    ]
    assert b.sent("BootNotification")[-1]["firmwareVersion"] == "sim-3.0.0"


@async_test
async def test_v16_security_extension_certificates_are_installed_listed_and_deleted():
    async with bench() as b:
        kind = {"certificateType": "ManufacturerRootCertificate"}
        assert await b.send("GetInstalledCertificateIds", kind) == {"status": "NotFound"}
        install = {**kind, "certificate": PEM}
        assert await b.send("InstallCertificate", install) == {"status": "Accepted"}
        listed = await b.send("GetInstalledCertificateIds", kind)
        [hash_data] = listed["certificateHashData"]
        delete = {"certificateHashData": hash_data}
        assert await b.send("DeleteCertificate", delete) == {"status": "Accepted"}
        assert await b.send("DeleteCertificate", delete) == {"status": "NotFound"}
    assert listed["status"] == "Accepted"


@async_test
async def test_refused_firmware_update_fails_to_download_and_no_diagnostics_are_given():
    async with bench(handlers=default_handlers(accept=False)) as b:
        payload = {"location": "https://example.com/fw/sim-2.0.0", "retrieveDate": in_future(0)}
        await b.send("UpdateFirmware", payload)
        reports = await b.until_sent("FirmwareStatusNotification", 2)
        await asyncio.sleep(0.05)
    assert [r["status"] for r in reports] == ["Downloading", "DownloadFailed"]
    assert b.sent("DiagnosticsStatusNotification") == []


# ----- charging profiles ----------------------------------------------------------------------


@async_test
async def test_charging_profiles_are_kept_per_connector_and_make_the_composite_schedule():
    max_profile = {
        **PROFILE,
        "chargingProfileId": 8,
        "chargingProfilePurpose": "ChargePointMaxProfile",
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 20000}],
        },
    }
    tx_profile = {**PROFILE, "chargingProfileId": 9, "chargingProfilePurpose": "TxProfile"}
    async with bench() as b:
        own = await b.send("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": PROFILE})
        wrong_place = await b.send(
            "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": max_profile}
        )
        charger_wide = await b.send(
            "SetChargingProfile", {"connectorId": 0, "csChargingProfiles": max_profile}
        )
        no_transaction = await b.send(
            "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": tx_profile}
        )
        too_high = await b.send(
            "SetChargingProfile",
            {"connectorId": 1, "csChargingProfiles": {**PROFILE, "stackLevel": 99}},
        )
        schedule_1 = await b.send("GetCompositeSchedule", {"connectorId": 1, "duration": 600})
        in_watts = await b.send(
            "GetCompositeSchedule", {"connectorId": 1, "duration": 600, "chargingRateUnit": "W"}
        )
        schedule_0 = await b.send("GetCompositeSchedule", {"connectorId": 0, "duration": 600})
        unknown_connector = await b.send("GetCompositeSchedule", {"connectorId": 4, "duration": 60})
        cleared = await b.send("ClearChargingProfile", {"id": 7})
        cleared_again = await b.send("ClearChargingProfile", {"id": 7})
        by_purpose = await b.send(
            "ClearChargingProfile", {"chargingProfilePurpose": "ChargePointMaxProfile"}
        )
    assert (own, wrong_place, charger_wide) == ({"status": "Accepted"}, REJ, {"status": "Accepted"})
    assert (no_transaction, too_high, unknown_connector) == (REJ, REJ, REJ)
    assert schedule_1["chargingSchedule"] == {
        "duration": 600,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
    }
    assert in_watts["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 11040}
    ]
    assert schedule_0["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 20000
    assert (cleared, cleared_again) == ({"status": "Accepted"}, {"status": "Unknown"})
    assert by_purpose == {"status": "Accepted"}
    assert all(not profiles for profiles in b.cp.device.charging_profiles.values())


@async_test
async def test_the_limit_in_force_follows_the_schedule_and_the_profile_layers():
    start = datetime(2030, 1, 1, 12, tzinfo=UTC)
    stepped = {
        **PROFILE,
        "chargingSchedule": {
            "startSchedule": "2030-01-01T12:00:00Z",
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 16},
                {"startPeriod": 600, "limit": 10.5},
            ],
        },
    }
    async with bench() as b:
        device = b.cp.device
        assert limit_in_force(device, 1, start) is None  # no profile: the hardware's maximum
        await b.send("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": stepped})
        assert limit_in_force(device, 1, start + timedelta(seconds=599)) == 16
        assert limit_in_force(device, 1, start + timedelta(seconds=600)) == 10.5
        # A charger-wide power limit applies where the connector has no profile of its own.
        await b.send(
            "SetChargingProfile",
            {
                "connectorId": 0,
                "csChargingProfiles": {
                    **PROFILE,
                    "chargingProfileId": 8,
                    "chargingProfilePurpose": "ChargePointMaxProfile",
                    "chargingSchedule": {
                        "chargingRateUnit": "W",
                        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6900}],
                    },
                },
            },
        )
        assert limit_in_force(device, 2, start) == 10  # 6,900 W over 3 x 230 V


@async_test
async def test_remote_start_with_a_transaction_profile_keeps_it_for_the_transaction():
    tx_profile = {**PROFILE, "chargingProfileId": 9, "chargingProfilePurpose": "TxProfile"}
    async with bench() as b:
        wrong = await b.send(
            "RemoteStartTransaction", {"idTag": TAG, "connectorId": 1, "chargingProfile": PROFILE}
        )
        await b.send(
            "RemoteStartTransaction",
            {"idTag": TAG, "connectorId": 1, "chargingProfile": tx_profile},
        )
        await b.until_sent("StartTransaction")
        during = await b.send("GetCompositeSchedule", {"connectorId": 1, "duration": 60})
        transaction_id = b.cp.transaction_on(1).transaction_id
        await b.send("RemoteStopTransaction", {"transactionId": transaction_id})
        await b.csms.wait_until(lambda: b.statuses()[-1] == (1, "Available"))
    assert wrong == REJ
    assert during["chargingSchedule"]["chargingRateUnit"] == "A"
    assert b.cp.device.charging_profiles[1] == []


@async_test
async def test_the_simulated_chargers_accept_every_cost_profile():
    from shared.station.cost_profiles import COST_PROFILES

    for profile in COST_PROFILES.values():
        async with bench() as b:
            for key, value in profile.configuration_v16():
                answer = await b.send("ChangeConfiguration", {"key": key, "value": value})
                assert answer["status"] == "Accepted", (profile.name, key)
        async with bench(V201) as b:
            answer = await b.send("SetVariables", profile.set_variables_payload())
            statuses = {r["attributeStatus"] for r in answer["setVariableResult"]}
            assert statuses == {"Accepted"}, (profile.name, answer)
