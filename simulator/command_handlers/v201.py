"""The OCPP 2.0.1 commands: answers and refusals, and the table of them (what 1.6 shares is in
both_versions.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from simulator.command_handlers import certificates
from simulator.command_handlers.both_versions import (
    apply_side_effect,
    clear_cache,
    data_transfer,
    diagnostics_now,
    firmware_now,
    live_value,
    report_meters,
    report_statuses,
    update_local_list,
)
from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.charging_profiles import (
    clear_charging_profile_201,
    get_charging_profiles_201,
    get_composite_schedule_201,
    set_charging_profile_201,
)
from simulator.command_handlers.command import (
    ACCEPTED,
    REJECTED,
    Answer,
    Command,
    Payload,
    quietly,
    refusal,
)
from simulator.command_handlers.connectors import change_availability, free_connector
from simulator.command_handlers.device_state import RemoteSession, Setting
from simulator.command_handlers.remote_sessions import (
    start_remote_session,
    stop_all_and_reboot,
    stop_running_transaction,
)
from simulator.command_handlers.v201_blocks import BLOCK_COMMANDS
from simulator.command_handlers.v201_jobs import JOB_COMMANDS
from simulator.transaction_messages import ActiveTransaction


async def request_start_201(cp: ChargerApi, payload: Payload) -> Payload:
    token = payload["idToken"]
    evse = free_connector(cp, payload.get("evseId"), token["idToken"])
    profile = payload.get("chargingProfile")
    if evse is None or (
        profile is not None and profile.get("chargingProfilePurpose") != "TxProfile"
    ):
        return dict(REJECTED)
    session = RemoteSession(
        evse, token["idToken"], token["type"], remote_start_id=payload["remoteStartId"]
    )
    start_remote_session(cp, session, profile)
    return dict(ACCEPTED)


async def request_stop_201(cp: ChargerApi, payload: Payload) -> Payload:
    active = cp.charging.find_transaction(payload["transactionId"])
    if active is None:
        return dict(REJECTED)
    cp.after_answer(stop_running_transaction(cp, active, "Remote"))
    return dict(ACCEPTED)


async def reset_201(cp: ChargerApi, payload: Payload) -> Payload:
    if "evseId" in payload:
        # Resetting a single EVSE is optional in 2.0.1; this charger resets only as a whole.
        return {"status": "Rejected", "statusInfo": {"reasonCode": "UnsupportedParam"}}
    if payload["type"] == "Immediate" or not cp.charging.transactions:
        cp.after_answer(stop_all_and_reboot(cp, "ImmediateReset"))
        return dict(ACCEPTED)

    async def when_idle() -> None:
        while cp.charging.transactions:
            await asyncio.sleep(0.2)
        await cp.reboot()

    async def schedule() -> None:
        cp.device.start_background(when_idle())

    cp.after_answer(schedule())
    return {"status": "Scheduled"}


def _variable_problem(cp: ChargerApi, item: Payload) -> tuple[str, Setting | None]:
    """The attributeStatus a request for this component/variable gets, and the setting."""
    component, variable = item["component"], item["variable"]
    components = {name for name, _ in cp.device.variables}
    if component["name"] not in components or "evse" in component or "instance" in component:
        return "UnknownComponent", None
    setting = cp.device.variables.get((component["name"], variable["name"]))
    if setting is None or "instance" in variable:
        return "UnknownVariable", None
    if item.get("attributeType", "Actual") != "Actual":
        return "NotSupportedAttributeType", None
    return "Accepted", setting


def _variable_result(item: Payload, status: str) -> Payload:
    result: Payload = {
        "attributeStatus": status,
        "component": item["component"],
        "variable": item["variable"],
    }
    if "attributeType" in item:
        result["attributeType"] = item["attributeType"]
    return result


async def set_variables_201(cp: ChargerApi, payload: Payload) -> Payload:
    results = []
    for item in payload["setVariableData"]:
        status, setting = _variable_problem(cp, item)
        if setting is not None:
            name = f"{item['component']['name']}.{item['variable']['name']}"
            value = setting.normalise(item["attributeValue"])
            if setting.readonly or value is None or not apply_side_effect(cp, name, value):
                status = "Rejected"
            else:
                setting.value = value
        results.append(_variable_result(item, status))
    return {"setVariableResult": results}


async def get_variables_201(cp: ChargerApi, payload: Payload) -> Payload:
    results = []
    for item in payload["getVariableData"]:
        status, setting = _variable_problem(cp, item)
        result = _variable_result(item, status)
        if setting is not None:
            name = f"{item['component']['name']}.{item['variable']['name']}"
            result["attributeValue"] = live_value(cp, name, setting.value)
        results.append(result)
    return {"getVariableResult": results}


def _refuse_each(key: str, results_key: str) -> Answer:
    async def refuse(cp: ChargerApi, payload: Payload) -> Payload:
        return {results_key: [_variable_result(item, "Rejected") for item in payload[key]]}

    return refuse


async def trigger_message_201(cp: ChargerApi, payload: Payload) -> Payload:
    message = payload["requestedMessage"]
    evse = (payload.get("evse") or {}).get("id")
    if evse is not None and not cp.device.knows(evse):
        return dict(REJECTED)
    evses = [evse] if evse is not None else list(range(1, cp.connectors + 1))
    running = [t for t in cp.charging.transactions.values() if t.connector_id in evses]
    follow_ups: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
        "BootNotification": lambda: quietly(
            cp.call(
                "BootNotification",
                {**cp.profile.boot_notification(cp.identity), "reason": "Triggered"},
            )
        ),
        "Heartbeat": lambda: quietly(cp.heartbeat()),
        "StatusNotification": lambda: report_statuses(cp, evses),
        "MeterValues": lambda: report_meters(cp, evses),
        "FirmwareStatusNotification": lambda: quietly(
            cp.call("FirmwareStatusNotification", {"status": firmware_now(cp)})
        ),
        "LogStatusNotification": lambda: quietly(
            cp.call("LogStatusNotification", {"status": diagnostics_now(cp)})
        ),
        "TransactionEvent": lambda: _report_transactions(cp, running),
    }
    if message == "SignChargingStationCertificate":
        return certificates.sign_after_answer(cp)
    follow_up = follow_ups.get(message)
    if follow_up is None:
        return {"status": "NotImplemented"}
    if message == "TransactionEvent" and not running:
        return dict(REJECTED)
    cp.after_answer(follow_up())
    return dict(ACCEPTED)


async def _report_transactions(cp: ChargerApi, running: list[ActiveTransaction]) -> None:
    for active in running:
        assert isinstance(active.transaction_id, str)
        await quietly(
            cp.charging.transaction_event(
                "Updated",
                transaction_id=active.transaction_id,
                evse_id=active.connector_id,
                trigger_reason="Trigger",
            )
        )


async def change_availability_201(cp: ChargerApi, payload: Payload) -> Payload:
    evse = (payload.get("evse") or {}).get("id", 0)
    if evse != 0 and not cp.device.knows(evse):
        return dict(REJECTED)
    return change_availability(cp, evse, payload["operationalStatus"] == "Operative")


async def unlock_connector_201(cp: ChargerApi, payload: Payload) -> Payload:
    evse = payload["evseId"]
    if not cp.device.knows(evse) or payload["connectorId"] != 1:
        return {"status": "UnknownConnector"}
    if cp.charging.transaction_on(evse) is not None:
        return {"status": "OngoingAuthorizedTransaction"}
    result = cp.device.unlock_result
    return {"status": result if result != "NotSupported" else "UnlockFailed"}


async def send_local_list_201(cp: ChargerApi, payload: Payload) -> Payload:
    if not cp.device.flag(("LocalAuthListCtrlr", "Enabled")):
        return {"status": "Failed"}
    entries = {
        entry["idToken"]["idToken"]: entry.get("idTokenInfo")
        for entry in payload.get("localAuthorizationList", [])
    }
    status = update_local_list(cp, payload["updateType"], payload["versionNumber"], entries)
    return {"status": status}


async def get_local_list_version_201(cp: ChargerApi, payload: Payload) -> Payload:
    return {"versionNumber": cp.device.local_list_version}


V201_COMMANDS: dict[str, Command] = {
    "RequestStartTransaction": Command(request_start_201, refusal(REJECTED)),
    "RequestStopTransaction": Command(request_stop_201, refusal(REJECTED)),
    "Reset": Command(reset_201, refusal(REJECTED)),
    "SetVariables": Command(
        set_variables_201, _refuse_each("setVariableData", "setVariableResult")
    ),
    "GetVariables": Command(
        get_variables_201, _refuse_each("getVariableData", "getVariableResult")
    ),
    "TriggerMessage": Command(trigger_message_201, refusal(REJECTED)),
    "ChangeAvailability": Command(change_availability_201, refusal(REJECTED)),
    "UnlockConnector": Command(unlock_connector_201, refusal({"status": "UnlockFailed"})),
    "ClearCache": Command(clear_cache, refusal(REJECTED)),
    "SendLocalList": Command(send_local_list_201, refusal({"status": "Failed"})),
    "GetLocalListVersion": Command(get_local_list_version_201, refusal({"versionNumber": 0})),
    "DataTransfer": Command(data_transfer, refusal(REJECTED)),
    # Smart charging (K01, K05, K08, K09): charging_profiles.py, shared with 1.6.
    "SetChargingProfile": Command(set_charging_profile_201, refusal(REJECTED)),
    "ClearChargingProfile": Command(clear_charging_profile_201, refusal({"status": "Unknown"})),
    "GetChargingProfiles": Command(get_charging_profiles_201, refusal({"status": "NoProfiles"})),
    "GetCompositeSchedule": Command(get_composite_schedule_201, refusal(REJECTED)),
    **BLOCK_COMMANDS,
    **JOB_COMMANDS,
}
