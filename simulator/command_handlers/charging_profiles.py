"""OCPP 1.6 smart charging: SetChargingProfile, ClearChargingProfile and GetCompositeSchedule
against the profiles kept in `DeviceState.charging_profiles`."""

from __future__ import annotations

from datetime import datetime

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import ACCEPTED, REJECTED, Payload
from simulator.command_handlers.device_state import DeviceState
from simulator.frames import utc_timestamp

AC_PHASE_VOLTAGE_V = 230.0
DEFAULT_PHASES = 3


async def set_charging_profile_16(cp: ChargerApi, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    profile = payload["csChargingProfiles"]
    if not _profile_fits(cp, connector, profile):
        return dict(REJECTED)
    device = cp.device
    for installed in device.charging_profiles.values():
        installed[:] = [
            p for p in installed if p["chargingProfileId"] != profile["chargingProfileId"]
        ]
    on_connector = device.charging_profiles.setdefault(connector, [])
    on_connector[:] = [
        p
        for p in on_connector
        if (p["stackLevel"], p["chargingProfilePurpose"])
        != (profile["stackLevel"], profile["chargingProfilePurpose"])
    ]
    on_connector.append(profile)
    return dict(ACCEPTED)


def _profile_fits(cp: ChargerApi, connector: int, profile: Payload) -> bool:
    device = cp.device
    purpose = profile["chargingProfilePurpose"]
    schedule = profile["chargingSchedule"]
    units = {"A": "Current", "W": "Power"}
    installed = sum(len(p) for p in device.charging_profiles.values())
    active = cp.charging.transaction_on(connector) if connector != 0 else None
    checks = [
        connector == 0 or device.knows(connector),
        purpose != "ChargePointMaxProfile" or connector == 0,
        purpose != "TxProfile" or active is not None,
        "transactionId" not in profile
        or (active is not None and profile["transactionId"] == active.transaction_id),
        profile["stackLevel"] <= device.number("ChargeProfileMaxStackLevel"),
        units[schedule["chargingRateUnit"]]
        in device.configuration["ChargingScheduleAllowedChargingRateUnit"].value.split(","),
        len(schedule["chargingSchedulePeriod"]) <= device.number("ChargingScheduleMaxPeriods"),
        installed < device.number("MaxChargingProfilesInstalled"),
    ]
    return all(checks)


async def clear_charging_profile_16(cp: ChargerApi, payload: Payload) -> Payload:
    removed = 0
    for connector, profiles in cp.device.charging_profiles.items():
        kept = [p for p in profiles if not _clear_matches(connector, p, payload)]
        removed += len(profiles) - len(kept)
        profiles[:] = kept
    return {"status": "Accepted" if removed else "Unknown"}


def _clear_matches(connector: int, profile: Payload, criteria: Payload) -> bool:
    if "id" in criteria:
        return bool(profile["chargingProfileId"] == criteria["id"])
    wanted = {
        "connectorId": criteria.get("connectorId", connector),
        "chargingProfilePurpose": criteria.get(
            "chargingProfilePurpose", profile["chargingProfilePurpose"]
        ),
        "stackLevel": criteria.get("stackLevel", profile["stackLevel"]),
    }
    found = {**profile, "connectorId": connector}
    return all(found[key] == value for key, value in wanted.items())


async def get_composite_schedule_16(cp: ChargerApi, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    if connector != 0 and not cp.device.knows(connector):
        return dict(REJECTED)
    duration = payload["duration"]
    profile = _active_profile(cp.device, connector)
    if profile is None:
        # No profile: the connector's own maximum all along.
        schedule: Payload = {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": round(cp.power_kw * 1000)}],
        }
    else:
        schedule = profile["chargingSchedule"]
    unit = str(payload.get("chargingRateUnit", schedule["chargingRateUnit"]))
    periods = [
        _in_unit(period, schedule["chargingRateUnit"], unit)
        for period in schedule["chargingSchedulePeriod"]
        if period["startPeriod"] < duration
    ]
    return {
        "status": "Accepted",
        "connectorId": connector,
        "scheduleStart": utc_timestamp(),
        "chargingSchedule": {
            "duration": duration,
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        },
    }


def limit_in_force(device: DeviceState, connector: int, at: datetime) -> float | None:
    """The current per phase (A) the connector may draw at `at` under its profiles, what a
    station's power electronics obey; None without a profile (its hardware maximum).

    The profile in force's period that has started by `at` (from its startSchedule; a
    profile without one counts from its first period)."""
    profile = _active_profile(device, connector)
    if profile is None:
        return None
    schedule = profile["chargingSchedule"]
    started = schedule.get("startSchedule")
    elapsed = (at - datetime.fromisoformat(started)).total_seconds() if started else 0.0
    periods = [p for p in schedule["chargingSchedulePeriod"] if p["startPeriod"] <= elapsed]
    period = periods[-1] if periods else schedule["chargingSchedulePeriod"][0]
    return float(_in_unit(period, schedule["chargingRateUnit"], "A")["limit"])


def _active_profile(device: DeviceState, connector: int) -> Payload | None:
    """The profile in force: a TxProfile, else a TxDefaultProfile (the connector's, else the
    charger's), else the ChargePointMaxProfile — the highest stack level of its purpose."""
    profiles = device.charging_profiles
    own, shared = profiles.get(connector, []), profiles.get(0, [])
    for purpose, candidates in (
        ("TxProfile", own),
        ("TxDefaultProfile", own),
        ("TxDefaultProfile", shared),
        ("ChargePointMaxProfile", shared),
    ):
        matching = [p for p in candidates if p["chargingProfilePurpose"] == purpose]
        if matching:
            return max(matching, key=lambda p: int(p["stackLevel"]))
    return None


def _in_unit(period: Payload, unit: str, wanted: str) -> Payload:
    if unit == wanted:
        return dict(period)
    watts_per_amp = AC_PHASE_VOLTAGE_V * period.get("numberPhases", DEFAULT_PHASES)
    limit = period["limit"] * watts_per_amp if wanted == "W" else period["limit"] / watts_per_amp
    # Whole numbers: the schema wants multiples of 0.1, which floats rarely are exactly.
    return {**period, "limit": round(limit)}
