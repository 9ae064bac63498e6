"""A plan as a profile: valid against the OCPP schemas of its version, on the EVSE's dynamic
profile id and stack level (it replaces the site's limit), and `schedule_for`'s contract;
charging needs from the driver and from ISO 15118."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.grid_signals import Step
from shared.load_management import profiles
from shared.load_management.profiles import ProfileError
from shared.load_management.scheduling import CarLimits, Headroom
from shared.load_management.session_schedules import (
    DEFAULT_MAX_PERIODS,
    ChargingNeeds,
    driver_needs,
    needs_from_iso15118,
    schedule_for,
    schedule_profile,
)
from shared.models.start_request import StartRequest, needs_problems
from shared.ocpp.validation import default_schemas
from shared.ocpp.versions import OcppVersion
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Evse

NOW = datetime(2026, 12, 7, 18, 0, 0, 500_000, tzinfo=UTC)
HOUR = timedelta(hours=1)
SCHEMAS = default_schemas()
EVSE = Evse("CP1-2", "grid", "CP1", 2, min_current_a=6, max_current_a=16)
PRICES = [0.40, 0.38, 0.35, 0.30, 0.25, 0.22, 0.12, 0.10, 0.09, 0.10, 0.13, 0.20, 0.28]
SERIES = [
    Step(NOW + i * HOUR, NOW + (i + 1) * HOUR, value, "day-ahead", "EUR")
    for i, value in enumerate(PRICES)
]
NEEDS = ChargingNeeds(NOW + 13 * HOUR, 30_000, "driver")


def valid(version: str, payload: dict[str, Any]) -> dict[str, Any]:
    violation = SCHEMAS.check(OcppVersion(version), "SetChargingProfile", payload, "request")
    assert violation is None, f"{payload}: {violation}"
    return payload


def tx(version: str) -> str:
    return "42" if version == profiles.V16 else "tx-42"


def inner(version: str, payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    if version == profiles.V16:
        profile = payload["csChargingProfiles"]
        return profile, profile["chargingSchedule"]
    profile = payload["chargingProfile"]
    return profile, profile["chargingSchedule"][0]


@pytest.mark.parametrize("version", [profiles.V16, profiles.V201])
def test_a_plan_is_a_valid_absolute_tx_profile_that_replaces_the_dynamic_limit(version):
    scheduled = schedule_for(version, EVSE, NEEDS, SERIES, [], NOW, transaction_id=tx(version))
    assert scheduled is not None
    payload = valid(version, scheduled.payload)
    profile, schedule = inner(version, payload)
    dynamic, _ = inner(
        version,
        profiles.limit_profile(version, LimitCommand("CP1-2", "CP1", 2, 60, 100), tx(version)),
    )
    # the same id, purpose and stack level as the site's limit on this EVSE: it replaces it
    for key in ("chargingProfilePurpose", "stackLevel"):
        assert profile[key] == dynamic[key]
    id_key = "chargingProfileId" if version == profiles.V16 else "id"
    assert profile[id_key] == dynamic[id_key] == profiles.dynamic_profile_id(2)
    assert profile["chargingProfileKind"] == "Absolute"
    assert profile["transactionId"] == (42 if version == profiles.V16 else "tx-42")
    assert schedule["startSchedule"] == "2026-12-07T18:00:00Z"
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 0.0},
        {"startPeriod": 7 * 3600, "limit": 16.0},
        {"startPeriod": 9 * 3600, "limit": 11.5},
        {"startPeriod": 10 * 3600, "limit": 0.0},
    ]
    assert scheduled.plan.feasible


def test_the_fewest_periods_of_station_and_car_are_sent() -> None:
    car_two = ChargingNeeds(NOW + 13 * HOUR, 30_000, "iso15118", max_periods=2)
    scheduled = schedule_for(
        profiles.V201, EVSE, car_two, SERIES, [], NOW, transaction_id="t", station_max_periods=5
    )
    assert scheduled is not None
    assert len(inner(profiles.V201, scheduled.payload)[1]["chargingSchedulePeriod"]) <= 2
    scheduled = schedule_for(
        profiles.V201, EVSE, NEEDS, SERIES, [], NOW, transaction_id="t", station_max_periods=3
    )
    assert scheduled is not None and len(scheduled.plan.periods) <= 3
    assert DEFAULT_MAX_PERIODS == 24


def test_headroom_and_the_car_bound_the_profile() -> None:
    room = [Headroom(NOW, NOW + 13 * HOUR, 10.0)]
    needs = ChargingNeeds(NOW + 13 * HOUR, 30_000, "iso15118", CarLimits(max_current_a=8))
    scheduled = schedule_for(profiles.V201, EVSE, needs, SERIES, room, NOW, transaction_id="t")
    assert scheduled is not None
    limits = [
        p["limit"] for p in inner(profiles.V201, scheduled.payload)[1]["chargingSchedulePeriod"]
    ]
    assert max(limits) == 8.0


def test_nothing_to_schedule_without_values_or_a_departure_ahead() -> None:
    assert schedule_for(profiles.V201, EVSE, NEEDS, [], [], NOW, transaction_id="t") is None
    later = [Step(NOW + 14 * HOUR, NOW + 15 * HOUR, 0.1, "day-ahead", "EUR")]
    assert schedule_for(profiles.V201, EVSE, NEEDS, later, [], NOW, transaction_id="t") is None
    gone = ChargingNeeds(NOW - HOUR, 30_000, "driver")
    assert schedule_for(profiles.V201, EVSE, gone, SERIES, [], NOW, transaction_id="t") is None


def test_a_transaction_id_the_version_cannot_carry_is_refused() -> None:
    with pytest.raises(ProfileError, match="names its transaction"):
        schedule_for(profiles.V201, EVSE, NEEDS, SERIES, [], NOW, transaction_id=None)
    with pytest.raises(ProfileError, match=r"not an OCPP 1\.6 transaction id"):
        schedule_for(profiles.V16, EVSE, NEEDS, SERIES, [], NOW, transaction_id="tx-1")
    scheduled = schedule_for(profiles.V16, EVSE, NEEDS, SERIES, [], NOW, transaction_id=None)
    assert scheduled is not None
    assert "transactionId" not in valid(profiles.V16, scheduled.payload)["csChargingProfiles"]
    assert schedule_profile(profiles.V16, 2, scheduled.plan, None) == scheduled.payload


def test_driver_needs_are_checked() -> None:
    assert needs_problems(NOW + HOUR, 10_000, NOW) == []
    assert needs_problems(NOW - HOUR, 0, NOW) == [
        "departureTime must be in the future",
        "energyWh must be above 0 and at most 200000",
    ]
    assert needs_problems(NOW + 49 * HOUR, 200_001, NOW) == [
        "departureTime must be within 48 hours",
        "energyWh must be above 0 and at most 200000",
    ]
    assert needs_problems(datetime(2026, 12, 8, 7), 1, NOW) == [
        "departureTime needs a time zone (e.g. 2026-12-08T07:00:00Z)"
    ]


def test_driver_needs_come_from_the_start_request() -> None:
    base = StartRequest("CP1", "r1", "alice", "APP", 1, "claimed", 0, "EUR", 5000, "t", 1, "v")
    assert driver_needs(base) is None
    given = replace(base, departure_at_ms=1_796_713_200_000, energy_needed_wh=24_000)
    assert driver_needs(given) == ChargingNeeds(
        datetime(2026, 12, 8, 7, tzinfo=UTC), 24_000.0, "driver"
    )


def test_iso15118_needs_ac_and_dc() -> None:
    ac = {
        "requestedEnergyTransfer": "AC_three_phase",
        "departureTime": "2026-12-08T07:00:00Z",
        "acChargingParameters": {
            "energyAmount": 24000,
            "evMinCurrent": 8,
            "evMaxCurrent": 16,
            "evMaxVoltage": 400,
        },
    }
    needs = needs_from_iso15118(ac, 12)
    assert needs == ChargingNeeds(
        datetime(2026, 12, 8, 7, tzinfo=UTC),
        24000.0,
        "iso15118",
        CarLimits(max_current_a=16.0, min_current_a=8.0),
        12,
    )
    dc = {
        "requestedEnergyTransfer": "DC",
        "departureTime": "2026-12-08T07:00:00+01:00",
        "dcChargingParameters": {
            "evMaxCurrent": 300,
            "evMaxVoltage": 800,
            "evMaxPower": 50000,
            "evEnergyCapacity": 60000,
            "stateOfCharge": 30,
            "fullSoC": 80,
        },
    }
    needs = needs_from_iso15118(dc, None)
    assert needs is not None
    assert needs.energy_wh == 30_000  # 60 kWh from 30 % to 80 %
    assert needs.car == CarLimits(max_power_w=50_000)
    assert needs.max_periods is None
    # nothing to schedule: no departure, no energy, nonsense
    assert needs_from_iso15118({"acChargingParameters": ac["acChargingParameters"]}, 1) is None
    no_energy = {**ac, "acChargingParameters": {"evMinCurrent": 6, "evMaxCurrent": 16}}
    assert needs_from_iso15118(no_energy, 1) is None
    assert needs_from_iso15118({**ac, "departureTime": "soon"}, 1) is None
    assert needs_from_iso15118({**ac, "departureTime": "2026-12-08T07:00:00"}, 1) is None
