"""What 1.6 and 2.0.1 commands do alike: settings the charger acts on, the local
authorization list, triggered reports, ClearCache and DataTransfer."""

from __future__ import annotations

from collections.abc import Iterable

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import ACCEPTED, V16, Payload, quietly
from simulator.command_handlers.connectors import current_status
from simulator.frames import utc_timestamp


def apply_side_effect(cp: ChargerApi, name: str, value: str) -> bool:
    """Apply a changed setting the charger acts on at once; False when it cannot."""
    if name in ("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval"):
        if int(value) < 1:
            return False
        cp.set_heartbeat_interval(float(value))
    return True


def live_value(cp: ChargerApi, name: str, stored: str) -> str:
    """Settings that mirror the charger's state rather than a stored value."""
    if name in ("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval"):
        return str(int(cp.heartbeat_interval_s)) if cp.heartbeat_interval_s else stored
    if name == "LocalAuthListCtrlr.Entries":
        return str(len(cp.device.local_list))
    if name == "ChargingStation.AvailabilityState":
        return "Available" if cp.device.is_operative(0) else "Unavailable"
    if name == "ClockCtrlr.DateTime":
        return utc_timestamp()
    return stored


async def clear_cache(cp: ChargerApi, payload: Payload) -> Payload:
    return dict(ACCEPTED)


async def data_transfer(cp: ChargerApi, payload: Payload) -> Payload:
    return {"status": "UnknownVendorId"}


def version_of(location: str) -> str:
    """The firmware version an image installs: the last part of its location's path."""
    name = location.rstrip("/").rsplit("/", 1)[-1] or location
    return name[:50]


def firmware_now(cp: ChargerApi) -> str:
    """A triggered report says what is going on now: Idle unless an update is under way."""
    status = cp.device.firmware_status
    return status if status in ("Downloading", "Downloaded", "Installing") else "Idle"


def diagnostics_now(cp: ChargerApi) -> str:
    return "Uploading" if cp.device.diagnostics_status == "Uploading" else "Idle"


async def report_statuses(cp: ChargerApi, connectors: Iterable[int]) -> None:
    for connector in connectors:
        status = current_status(cp, connector)
        if cp.protocol == V16:
            await quietly(cp.status_notification(connector, status))
        else:
            await quietly(cp.status_notification(1, status, evse_id=connector))


async def report_meters(cp: ChargerApi, outlets: Iterable[int]) -> None:
    for outlet in outlets:
        active = cp.charging.transaction_on(outlet)
        if cp.protocol == V16 and active is not None:
            assert isinstance(active.transaction_id, int)
            await quietly(
                cp.charging.meter_values(outlet, active.transaction_id, context="Trigger")
            )
        else:
            await quietly(cp.charging.meter_values(outlet, context="Trigger"))


def update_local_list(
    cp: ChargerApi, update_type: str, version: int, entries: dict[str, Payload | None]
) -> str:
    """Full replaces the list; Differential adds/updates entries with info and removes those
    without, and must move the version forward."""
    device = cp.device
    limit = (
        device.number("SendLocalListMaxLength")
        if cp.protocol == V16
        else device.number(("LocalAuthListCtrlr", "ItemsPerMessage"))
    )
    if len(entries) > limit:
        return "Failed"
    if update_type == "Full":
        updated = {tag: info for tag, info in entries.items() if info is not None}
    else:
        if version <= device.local_list_version:
            return "VersionMismatch"
        updated = dict(device.local_list)
        for tag, info in entries.items():
            if info is None:
                updated.pop(tag, None)
            else:
                updated[tag] = info
    if cp.protocol == V16 and len(updated) > device.number("LocalAuthListMaxLength"):
        return "Failed"
    device.local_list = updated
    device.local_list_version = version
    return "Accepted"
