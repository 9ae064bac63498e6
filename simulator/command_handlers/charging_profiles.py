"""Smart charging: SetChargingProfile, ClearChargingProfile and GetCompositeSchedule (OCPP 1.6
and 2.0.1), GetChargingProfiles with the ReportChargingProfiles it sends (2.0.1), against the
profiles kept in `DeviceState.charging_profiles` (per connector / EVSE, 0: the whole charger;
each in its version's shape: a charger speaks one version at a time).

What a station obeys (`limit_in_force`, the composite schedule) is composed as a real one
does: the lowest of the station-wide maximum (ChargePointMaxProfile / ChargingStationMaxProfile)
and the EVSE's transaction limit (its TxProfile, else its TxDefaultProfile, else the
charger-wide TxDefaultProfile); within a purpose the highest stack level in force wins. A
profile is in force between its validFrom and validTo, from its startSchedule (Absolute,
Recurring) for its duration; a Relative one from its first period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import ACCEPTED, REJECTED, Payload, quietly
from simulator.command_handlers.device_state import DeviceState
from simulator.frames import utc_timestamp

AC_PHASE_VOLTAGE_V = 230.0
DEFAULT_PHASES = 3
STATION_MAX = frozenset({"ChargePointMaxProfile", "ChargingStationMaxProfile"})
RECURRENCE_S = {"Daily": 86_400, "Weekly": 7 * 86_400}
# Profiles the CSMS sets are its own (K09: the source of the profiles a report carries).
CSMS_SOURCE = "CSO"


# ----- the two shapes ----------------------------------------------------------------------


def profile_id(profile: Payload) -> int:
    return int(profile["chargingProfileId"] if "chargingProfileId" in profile else profile["id"])


def _schedule(profile: Payload) -> Payload:
    schedule = profile["chargingSchedule"]
    return dict(schedule[0] if isinstance(schedule, list) else schedule)


def _rejected(reason: str) -> Payload:
    return {"status": "Rejected", "statusInfo": {"reasonCode": reason}}


# ----- OCPP 1.6 ----------------------------------------------------------------------------


async def set_charging_profile_16(cp: ChargerApi, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    profile = payload["csChargingProfiles"]
    if not _profile_fits_16(cp, connector, profile):
        return dict(REJECTED)
    device = cp.device
    _remove(device, profile_id(profile))
    on_connector = device.charging_profiles.setdefault(connector, [])
    # 1.6: a profile with the same stack level and purpose on the connector is replaced.
    on_connector[:] = [
        p
        for p in on_connector
        if (p["stackLevel"], p["chargingProfilePurpose"])
        != (profile["stackLevel"], profile["chargingProfilePurpose"])
    ]
    on_connector.append(profile)
    return dict(ACCEPTED)


def _profile_fits_16(cp: ChargerApi, connector: int, profile: Payload) -> bool:
    purpose = profile["chargingProfilePurpose"]
    active = cp.charging.transaction_on(connector) if connector != 0 else None
    checks = [
        connector == 0 or cp.device.knows(connector),
        purpose != "ChargePointMaxProfile" or connector == 0,
        purpose != "TxProfile" or active is not None,
        "transactionId" not in profile
        or (active is not None and profile["transactionId"] == active.transaction_id),
    ]
    return all(checks) and _within_limits(cp.device, profile) is None


def _within_limits(device: DeviceState, profile: Payload) -> str | None:
    """Why the charger cannot keep the profile (its stack levels, units, periods, room)."""
    schedule = _schedule(profile)
    units = {"A": "Current", "W": "Power"}
    installed = sum(len(p) for p in device.charging_profiles.values())
    if profile["stackLevel"] > device.number("ChargeProfileMaxStackLevel"):
        return "InvalidStackLevel"
    allowed = device.configuration["ChargingScheduleAllowedChargingRateUnit"].value.split(",")
    if units[schedule["chargingRateUnit"]] not in allowed:
        return "UnsupportedRateUnit"
    if len(schedule["chargingSchedulePeriod"]) > device.number("ChargingScheduleMaxPeriods"):
        return "InvalidSchedule"
    replaced = any(
        profile_id(p) == profile_id(profile) for ps in device.charging_profiles.values() for p in ps
    )
    if not replaced and installed >= device.number("MaxChargingProfilesInstalled"):
        return "NoRoom"
    return None


async def clear_charging_profile_16(cp: ChargerApi, payload: Payload) -> Payload:
    removed = 0
    for connector, profiles in cp.device.charging_profiles.items():
        kept = [p for p in profiles if not _clear_matches_16(connector, p, payload)]
        removed += len(profiles) - len(kept)
        profiles[:] = kept
    return {"status": "Accepted" if removed else "Unknown"}


def _clear_matches_16(connector: int, profile: Payload, criteria: Payload) -> bool:
    if "id" in criteria:
        return profile_id(profile) == int(criteria["id"])
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
    schedule = composite_schedule(cp, connector, _now(), duration, payload.get("chargingRateUnit"))
    return {
        "status": "Accepted",
        "connectorId": connector,
        "scheduleStart": utc_timestamp(),
        "chargingSchedule": {"duration": duration, **schedule},
    }


# ----- OCPP 2.0.1 --------------------------------------------------------------------------


async def set_charging_profile_201(cp: ChargerApi, payload: Payload) -> Payload:
    evse = payload["evseId"]
    profile = payload["chargingProfile"]
    reason = _why_not_201(cp, evse, profile)
    if reason is not None:
        return _rejected(reason)
    device = cp.device
    _remove(device, profile_id(profile))
    device.charging_profiles.setdefault(evse, []).append(profile)
    return dict(ACCEPTED)


def _why_not_201(cp: ChargerApi, evse: int, profile: Payload) -> str | None:
    purpose = profile["chargingProfilePurpose"]
    if evse != 0 and not cp.device.knows(evse):
        return "UnknownEvse"
    # The station maximum on EVSE 0 only, a TxProfile never there.
    if (purpose == "ChargingStationMaxProfile" and evse != 0) or (
        purpose == "TxProfile" and evse == 0
    ):
        return "InvalidEvse"
    if purpose == "ChargingStationMaxProfile" and profile["chargingProfileKind"] == "Relative":
        return "InvalidProfile"  # K01.FR.38
    if purpose == "TxProfile":
        active = cp.charging.transaction_on(evse)
        if active is None or profile.get("transactionId") != active.transaction_id:
            return "TxNotFound"
    # K01: another profile with the same purpose and stack level on the EVSE (and
    # the same transaction) makes the new one ambiguous: only its own id may replace it.
    for other in cp.device.charging_profiles.get(evse, []):
        if (
            profile_id(other) != profile_id(profile)
            and other["chargingProfilePurpose"] == purpose
            and other["stackLevel"] == profile["stackLevel"]
            and other.get("transactionId") == profile.get("transactionId")
        ):
            return "DuplicateProfile"
    return _within_limits(cp.device, profile)


async def clear_charging_profile_201(cp: ChargerApi, payload: Payload) -> Payload:
    wanted_id = payload.get("chargingProfileId")
    criteria = payload.get("chargingProfileCriteria") or {}
    removed = 0
    for evse, profiles in cp.device.charging_profiles.items():
        kept = [p for p in profiles if not _clear_matches_201(evse, p, wanted_id, criteria)]
        removed += len(profiles) - len(kept)
        profiles[:] = kept
    return {"status": "Accepted" if removed else "Unknown"}


def _clear_matches_201(evse: int, profile: Payload, wanted_id: Any, criteria: Payload) -> bool:
    if wanted_id is not None:
        return profile_id(profile) == int(wanted_id)
    checks = {
        "evseId": evse,
        "chargingProfilePurpose": profile["chargingProfilePurpose"],
        "stackLevel": profile["stackLevel"],
    }
    return bool(criteria) and all(criteria.get(k, v) == v for k, v in checks.items())


async def get_charging_profiles_201(cp: ChargerApi, payload: Payload) -> Payload:
    """K09: the matching profiles go out in ReportChargingProfiles, one per EVSE, after the
    answer; NoProfiles when none match."""
    criteria = payload.get("chargingProfile") or {}
    evse_filter = payload.get("evseId")
    by_evse: dict[int, list[Payload]] = {}
    for evse, profiles in sorted(cp.device.charging_profiles.items()):
        if evse_filter is not None and evse != evse_filter:
            continue
        matching = [p for p in profiles if _report_matches(p, criteria)]
        if matching:
            by_evse[evse] = matching
    if not by_evse:
        return {"status": "NoProfiles"}
    request_id = payload["requestId"]

    async def report() -> None:
        evses = list(by_evse.items())
        for index, (evse, profiles) in enumerate(evses):
            message: Payload = {
                "requestId": request_id,
                "chargingLimitSource": CSMS_SOURCE,
                "evseId": evse,
                "chargingProfile": profiles,
            }
            if index < len(evses) - 1:
                message["tbc"] = True
            await quietly(cp.call("ReportChargingProfiles", message))

    cp.after_answer(report())
    return dict(ACCEPTED)


def _report_matches(profile: Payload, criteria: Payload) -> bool:
    ids = criteria.get("chargingProfileId")
    sources = criteria.get("chargingLimitSource")
    return (
        (ids is None or profile_id(profile) in ids)
        and criteria.get("chargingProfilePurpose", profile["chargingProfilePurpose"])
        == profile["chargingProfilePurpose"]
        and criteria.get("stackLevel", profile["stackLevel"]) == profile["stackLevel"]
        and (sources is None or CSMS_SOURCE in sources)
    )


async def get_composite_schedule_201(cp: ChargerApi, payload: Payload) -> Payload:
    evse = payload["evseId"]
    if evse != 0 and not cp.device.knows(evse):
        return _rejected("UnknownEvse")
    duration = payload["duration"]
    schedule = composite_schedule(cp, evse, _now(), duration, payload.get("chargingRateUnit"))
    return {
        "status": "Accepted",
        "schedule": {
            "evseId": evse,
            "duration": duration,
            "scheduleStart": utc_timestamp(),
            **schedule,
        },
    }


# ----- what the station obeys --------------------------------------------------------------


def limit_in_force(device: DeviceState, connector: int, at: datetime) -> float | None:
    """The current per phase (A) the connector may draw at `at` under its profiles, what a
    station's power electronics obey; None without a profile in force (its hardware
    maximum): the lowest of the station maximum and the connector's transaction limit."""
    limits = [
        limit
        for layer in _layers(device, connector)
        if (limit := _layer_limit(layer, at)) is not None
    ]
    return min(limits) if limits else None


def composite_schedule(
    cp: ChargerApi, connector: int, start: datetime, duration: int, unit: str | None
) -> Payload:
    """The schedule the connector will obey from `start` for `duration` seconds, as
    chargingRateUnit and periods (in `unit`, else the unit of its own profile, else of the
    station's); without any profile, the charger's own maximum power."""
    device = cp.device
    layers = _layers(device, connector)
    unit = unit or next(
        (_schedule(p)["chargingRateUnit"] for layer in reversed(layers) for p in layer), "W"
    )
    hardware_a = cp.power_kw * 1000 / (AC_PHASE_VOLTAGE_V * DEFAULT_PHASES)
    offsets = sorted(
        {0}
        | {
            offset
            for layer in layers
            for profile in layer
            for offset in _changes(profile, start, duration)
        }
    )
    periods: list[Payload] = []
    for offset in offsets:
        at = start + timedelta(seconds=offset)
        limit = limit_in_force(device, connector, at)
        value = _from_amps(hardware_a if limit is None else limit, unit)
        if not periods or periods[-1]["limit"] != value:
            periods.append({"startPeriod": offset, "limit": value})
    return {"chargingRateUnit": unit, "chargingSchedulePeriod": periods}


def _layers(device: DeviceState, connector: int) -> list[list[Payload]]:
    """The candidates of each layer, lowest precedence first: the station maximum, then
    (for an EVSE) its transaction limit's purposes in the order they are tried."""
    shared = device.charging_profiles.get(0, [])
    station = [p for p in shared if p["chargingProfilePurpose"] in STATION_MAX]
    if connector == 0:
        return [station]
    own = device.charging_profiles.get(connector, [])
    tx = [p for p in own if p["chargingProfilePurpose"] == "TxProfile"]
    default = [p for p in own if p["chargingProfilePurpose"] == "TxDefaultProfile"]
    shared_default = [p for p in shared if p["chargingProfilePurpose"] == "TxDefaultProfile"]
    return [station, [*tx, *default, *shared_default]]


def _layer_limit(candidates: list[Payload], at: datetime) -> float | None:
    """The first purpose (in the list's order) with a profile in force; within it the
    highest stack level's limit."""
    by_purpose: dict[str, list[tuple[int, float]]] = {}
    for profile in candidates:
        limit = _profile_limit(profile, at)
        if limit is not None:
            by_purpose.setdefault(profile["chargingProfilePurpose"], []).append(
                (int(profile["stackLevel"]), limit)
            )
    for profile in candidates:
        found = by_purpose.get(profile["chargingProfilePurpose"])
        if found:
            return max(found)[1]
    return None


def _profile_limit(profile: Payload, at: datetime) -> float | None:
    """The profile's limit in A at `at`, or None when it is not in force then."""
    valid_from, valid_to = profile.get("validFrom"), profile.get("validTo")
    if valid_from is not None and at < _time(valid_from):
        return None
    if valid_to is not None and at >= _time(valid_to):
        return None
    schedule = _schedule(profile)
    elapsed = _elapsed(profile, schedule, at)
    if elapsed is None:
        return None
    periods = [p for p in schedule["chargingSchedulePeriod"] if p["startPeriod"] <= elapsed]
    period = periods[-1] if periods else schedule["chargingSchedulePeriod"][0]
    return _amps(period, schedule["chargingRateUnit"])


def _elapsed(profile: Payload, schedule: Payload, at: datetime) -> float | None:
    started = schedule.get("startSchedule")
    if started is None:  # Relative (or no start given): from its first period
        return 0.0
    elapsed = (at - _time(started)).total_seconds()
    if elapsed < 0:
        return None
    recurrence = RECURRENCE_S.get(profile.get("recurrencyKind", ""))
    if profile["chargingProfileKind"] == "Recurring" and recurrence:
        elapsed %= recurrence
    duration = schedule.get("duration")
    if duration is not None and elapsed >= float(duration):
        return None
    return elapsed


def _changes(profile: Payload, start: datetime, duration: int) -> Iterable[int]:
    """The offsets from `start` within the window where the profile's limit may change."""
    schedule = _schedule(profile)
    moments = [profile.get("validFrom"), profile.get("validTo")]
    begin = schedule.get("startSchedule")
    if begin is not None:
        base = _time(begin)
        moments_at = [
            base + timedelta(seconds=float(p["startPeriod"]))
            for p in schedule["chargingSchedulePeriod"]
        ]
        if schedule.get("duration") is not None:
            moments_at.append(base + timedelta(seconds=float(schedule["duration"])))
    else:
        moments_at = []
    times = [_time(m) for m in moments if m is not None] + moments_at
    for moment in times:
        offset = int((moment - start).total_seconds() + 0.999)
        if 0 < offset < duration:
            yield offset


def _amps(period: Payload, unit: str) -> float:
    limit = float(period["limit"])
    if unit == "A":
        return limit
    return limit / (AC_PHASE_VOLTAGE_V * int(period.get("numberPhases", DEFAULT_PHASES)))


def _from_amps(amps: float, unit: str) -> float:
    # Whole watts; tenths of an ampere rounded down (never more than allowed).
    if unit == "W":
        return float(round(amps * AC_PHASE_VOLTAGE_V * DEFAULT_PHASES))
    return int(amps * 10 + 1e-9) / 10


def _remove(device: DeviceState, wanted: int) -> None:
    """A profile with the same id is replaced wherever it is (1.6 SetChargingProfile, 2.0.1 K01)."""
    for installed in device.charging_profiles.values():
        installed[:] = [p for p in installed if profile_id(p) != wanted]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _now() -> datetime:
    return datetime.now(UTC)
