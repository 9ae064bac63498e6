"""The OCPP 1.6 commands: answers and refusals, and the table of them (charging profiles are
in charging_profiles.py, what 2.0.1 shares in both_versions.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
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
    clear_charging_profile_16,
    get_composite_schedule_16,
    set_charging_profile_16,
)
from simulator.command_handlers.command import (
    ACCEPTED,
    REJECTED,
    Command,
    Payload,
    quietly,
    refusal,
)
from simulator.command_handlers.connectors import (
    FREE_STATUSES,
    change_availability,
    free_connector,
    idle_status,
    settle,
)
from simulator.command_handlers.device_state import RemoteSession, Reservation
from simulator.command_handlers.remote_sessions import (
    start_remote_session,
    stop_all_and_reboot,
    stop_running_transaction,
)
from simulator.command_handlers.transfers import FirmwareJob, run_upload, start_firmware_update


async def remote_start_16(cp: ChargerApi, payload: Payload) -> Payload:
    id_tag = payload["idTag"]
    connector = free_connector(cp, payload.get("connectorId"), id_tag)
    profile = payload.get("chargingProfile")
    if connector is None or (
        profile is not None and profile.get("chargingProfilePurpose") != "TxProfile"
    ):
        return dict(REJECTED)
    start_remote_session(cp, RemoteSession(connector, id_tag), profile)
    return dict(ACCEPTED)


async def remote_stop_16(cp: ChargerApi, payload: Payload) -> Payload:
    active = cp.charging.find_transaction(payload["transactionId"])
    if active is None:
        return dict(REJECTED)
    cp.after_answer(stop_running_transaction(cp, active, "Remote"))
    return dict(ACCEPTED)


async def reset_16(cp: ChargerApi, payload: Payload) -> Payload:
    cp.after_answer(stop_all_and_reboot(cp, f"{payload['type']}Reset"))
    return dict(ACCEPTED)


async def unlock_connector_16(cp: ChargerApi, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    result = cp.device.unlock_result
    if not cp.device.knows(connector):
        return {"status": "NotSupported"}
    active = cp.charging.transaction_on(connector)
    if active is not None and result == "Unlocked":
        # Unlocking ends the transaction first (1.6: reason UnlockCommand).
        cp.after_answer(stop_running_transaction(cp, active, "UnlockCommand"))
    return {"status": result}


async def change_availability_16(cp: ChargerApi, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    if connector != 0 and not cp.device.knows(connector):
        return dict(REJECTED)
    operative = payload["type"] == "Operative"
    return change_availability(cp, connector, operative)


async def change_configuration_16(cp: ChargerApi, payload: Payload) -> Payload:
    setting = cp.device.configuration.get(payload["key"])
    if setting is None:
        return {"status": "NotSupported"}
    value = setting.normalise(payload["value"])
    if setting.readonly or value is None or not apply_side_effect(cp, payload["key"], value):
        return dict(REJECTED)
    setting.value = value
    return dict(ACCEPTED)


async def get_configuration_16(cp: ChargerApi, payload: Payload) -> Payload:
    configuration = cp.device.configuration
    keys = payload.get("key") or list(configuration)
    known = [
        {
            "key": key,
            "readonly": configuration[key].readonly,
            "value": live_value(cp, key, configuration[key].value),
        }
        for key in keys
        if key in configuration
    ]
    unknown = [key for key in keys if key not in configuration]
    answer: Payload = {"configurationKey": known}
    if unknown:
        answer["unknownKey"] = unknown
    return answer


async def refuse_get_configuration_16(cp: ChargerApi, payload: Payload) -> Payload:
    keys = payload.get("key") or []
    return {"unknownKey": keys} if keys else {}


async def trigger_message_16(cp: ChargerApi, payload: Payload) -> Payload:
    message = payload["requestedMessage"]
    connector = payload.get("connectorId")
    if connector is not None and connector != 0 and not cp.device.knows(connector):
        return dict(REJECTED)
    connectors = [connector] if connector is not None else list(range(cp.connectors + 1))
    outlets = [c for c in connectors if c != 0] or list(range(1, cp.connectors + 1))
    follow_ups: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
        "BootNotification": lambda: quietly(cp.boot()),
        "Heartbeat": lambda: quietly(cp.heartbeat()),
        "StatusNotification": lambda: report_statuses(cp, connectors),
        "MeterValues": lambda: report_meters(cp, outlets),
        "DiagnosticsStatusNotification": lambda: quietly(
            cp.call("DiagnosticsStatusNotification", {"status": diagnostics_now(cp)})
        ),
        "FirmwareStatusNotification": lambda: quietly(
            cp.call("FirmwareStatusNotification", {"status": firmware_now(cp)})
        ),
    }
    follow_up = follow_ups.get(message)
    if follow_up is None:
        return {"status": "NotImplemented"}
    cp.after_answer(follow_up())
    return dict(ACCEPTED)


async def send_local_list_16(cp: ChargerApi, payload: Payload) -> Payload:
    device = cp.device
    if not device.flag("LocalAuthListEnabled"):
        return {"status": "NotSupported"}
    entries = {
        entry["idTag"]: entry.get("idTagInfo")
        for entry in payload.get("localAuthorizationList", [])
    }
    return {"status": update_local_list(cp, payload["updateType"], payload["listVersion"], entries)}


async def get_local_list_version_16(cp: ChargerApi, payload: Payload) -> Payload:
    # -1: this charger does not support (has disabled) the local authorization list.
    if not cp.device.flag("LocalAuthListEnabled"):
        return {"listVersion": -1}
    return {"listVersion": cp.device.local_list_version}


async def reserve_now_16(cp: ChargerApi, payload: Payload) -> Payload:
    status = _reservation_verdict(cp, payload)
    if status != "Accepted":
        return {"status": status}
    device = cp.device
    previous = device.reservations.pop(payload["reservationId"], None)
    reservation = Reservation(
        payload["reservationId"],
        payload["connectorId"],
        payload["idTag"],
        _parse_time(payload["expiryDate"]),
        payload.get("parentIdTag"),
    )
    device.reservations[reservation.reservation_id] = reservation
    device.start_background(_expire(cp, reservation))

    async def report() -> None:
        if previous is not None and previous.connector_id not in (0, reservation.connector_id):
            await settle(cp, previous.connector_id)
        if reservation.connector_id != 0:
            await cp.charging.set_connector_status(reservation.connector_id, "Reserved")

    cp.after_answer(report())
    return dict(ACCEPTED)


def _reservation_verdict(cp: ChargerApi, payload: Payload) -> str:
    device = cp.device
    connector = payload["connectorId"]
    if connector == 0:
        zero_ok = device.flag("ReserveConnectorZeroSupported")
        return "Accepted" if zero_ok and device.is_operative(0) else "Rejected"
    if not device.knows(connector) or _parse_time(payload["expiryDate"]) <= datetime.now(UTC):
        return "Rejected"
    if not device.is_operative(connector):
        return "Unavailable"
    status = cp.charging.connector_status.get(connector, "Available")
    if status == "Faulted":
        return "Faulted"
    existing = device.reservation_on(connector)
    taken = existing is not None and existing.reservation_id != payload["reservationId"]
    busy = cp.charging.transaction_on(connector) is not None or connector in device.remote_sessions
    if taken or busy or status not in FREE_STATUSES:
        return "Occupied"
    return "Accepted"


async def _expire(cp: ChargerApi, reservation: Reservation) -> None:
    while (remaining := (reservation.expiry - datetime.now(UTC)).total_seconds()) > 0:
        await asyncio.sleep(min(remaining, 3600.0))
    if cp.device.reservations.get(reservation.reservation_id) is reservation:
        del cp.device.reservations[reservation.reservation_id]
        if (
            reservation.connector_id != 0
            and cp.charging.transaction_on(reservation.connector_id) is None
        ):
            await cp.charging.set_connector_status(
                reservation.connector_id, idle_status(cp, reservation.connector_id)
            )


async def cancel_reservation_16(cp: ChargerApi, payload: Payload) -> Payload:
    reservation = cp.device.reservations.pop(payload["reservationId"], None)
    if reservation is None:
        return dict(REJECTED)
    if (
        reservation.connector_id != 0
        and cp.charging.transaction_on(reservation.connector_id) is None
    ):
        cp.after_answer(settle(cp, reservation.connector_id))
    return dict(ACCEPTED)


async def get_diagnostics_16(cp: ChargerApi, payload: Payload) -> Payload:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    file_name = f"diagnostics-{cp.charge_point_id}-{stamp}.log"[:255]
    cp.after_answer(run_upload(cp, payload["location"], file_name))
    return {"fileName": file_name}


async def update_firmware_16(cp: ChargerApi, payload: Payload) -> Payload:
    # Starts at once rather than at retrieveDate: runs are accelerated.
    job = FirmwareJob(payload["location"], retries=payload.get("retries", 0))
    cp.after_answer(_start(cp, job))
    return {}


async def _start(cp: ChargerApi, job: FirmwareJob) -> None:
    start_firmware_update(cp, job)


async def refuse_update_firmware_16(cp: ChargerApi, payload: Payload) -> Payload:
    cp.after_answer(_report_steps(cp, ["Downloading", "DownloadFailed"]))
    return {}


async def _report_steps(cp: ChargerApi, steps: list[str]) -> None:
    for step in steps:
        await asyncio.sleep(cp.device.step_s)
        cp.device.firmware_status = step
        await quietly(cp.call("FirmwareStatusNotification", {"status": step}))


def _parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


V16_COMMANDS: dict[str, Command] = {
    "RemoteStartTransaction": Command(remote_start_16, refusal(REJECTED)),
    "RemoteStopTransaction": Command(remote_stop_16, refusal(REJECTED)),
    "Reset": Command(reset_16, refusal(REJECTED)),
    "UnlockConnector": Command(unlock_connector_16, refusal({"status": "UnlockFailed"})),
    "ChangeAvailability": Command(change_availability_16, refusal(REJECTED)),
    "ChangeConfiguration": Command(change_configuration_16, refusal(REJECTED)),
    "GetConfiguration": Command(get_configuration_16, refuse_get_configuration_16),
    "ClearCache": Command(clear_cache, refusal(REJECTED)),
    "TriggerMessage": Command(trigger_message_16, refusal(REJECTED)),
    "ExtendedTriggerMessage": Command(
        certificates.extended_trigger_16(trigger_message_16), refusal(REJECTED)
    ),
    "CertificateSigned": Command(certificates.certificate_signed, refusal(REJECTED)),
    "SendLocalList": Command(send_local_list_16, refusal({"status": "Failed"})),
    "GetLocalListVersion": Command(get_local_list_version_16, refusal({"listVersion": -1})),
    "ReserveNow": Command(reserve_now_16, refusal(REJECTED)),
    "CancelReservation": Command(cancel_reservation_16, refusal(REJECTED)),
    "DataTransfer": Command(data_transfer, refusal(REJECTED)),
    "GetDiagnostics": Command(get_diagnostics_16, refusal({})),
    "UpdateFirmware": Command(update_firmware_16, refuse_update_firmware_16),
    "SetChargingProfile": Command(set_charging_profile_16, refusal(REJECTED)),
    "ClearChargingProfile": Command(clear_charging_profile_16, refusal({"status": "Unknown"})),
    "GetCompositeSchedule": Command(get_composite_schedule_16, refusal(REJECTED)),
}
