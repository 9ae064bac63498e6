"""Smart charging on the simulated charger with the central system's own profiles
(shared/load_management/profiles.py): 2.0.1 SetChargingProfile, ClearChargingProfile,
GetChargingProfiles + ReportChargingProfiles and GetCompositeSchedule, and the limit a
connector obeys composed from the layers in both versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.load_management import profiles
from shared.smart_charging.plan import LimitCommand
from simulator.command_handlers.charging_profiles import limit_in_force, profile_id
from tests.unit.simulator.scripted_csms import async_test
from tests.unit.simulator.test_command_handlers import TAG, TOKEN, Bench, bench

V16, V201 = profiles.V16, profiles.V201

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)


def limit(evse: int, amps: float) -> LimitCommand:
    return LimitCommand(f"s/CP-1/{evse}", "CP-1", evse, 60, round(amps * 10))


async def start_session(b: Bench, evse: int = 1) -> str:
    if b.cp.protocol == V16:
        await b.send("RemoteStartTransaction", {"idTag": TAG, "connectorId": evse})
        await b.until_sent("StartTransaction")
    else:
        await b.send(
            "RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1, "evseId": evse}
        )
        await b.until_sent("TransactionEvent")
    await b.csms.wait_until(lambda: b.cp.transaction_on(evse) is not None)
    active = b.cp.transaction_on(evse)
    assert active is not None
    return str(active.transaction_id)


async def composite_a(b: Bench, evse: int, duration: int = 600) -> list[dict[str, Any]]:
    if b.cp.protocol == V16:
        answer = await b.send(
            "GetCompositeSchedule", profiles.composite_schedule_request(V16, evse, duration)
        )
        schedule = answer["chargingSchedule"]
    else:
        answer = await b.send(
            "GetCompositeSchedule", profiles.composite_schedule_request(V201, evse, duration)
        )
        schedule = answer["schedule"]
    assert answer["status"] == "Accepted"
    assert schedule["chargingRateUnit"] == "A"
    periods: list[dict[str, Any]] = schedule["chargingSchedulePeriod"]
    return periods


@async_test
async def test_201_profiles_replace_by_id_report_and_clear():
    async with bench(V201) as b:
        device = b.cp.device
        fallback = profiles.fallback_profiles(V201, 20, [], datetime.now(UTC))[0]
        station = await b.send("SetChargingProfile", fallback)
        misplaced = await b.send("SetChargingProfile", {**fallback, "evseId": 1})
        relative = {**fallback["chargingProfile"], "chargingProfileKind": "Relative"}
        relative_max = await b.send("SetChargingProfile", {**fallback, "chargingProfile": relative})
        default = await b.send("SetChargingProfile", profiles.default_profile(V201, 1, 6))
        no_transaction = await b.send(
            "SetChargingProfile", profiles.limit_profile(V201, limit(1, 16), "nope")
        )
        transaction_id = await start_session(b)
        first = await b.send(
            "SetChargingProfile", profiles.limit_profile(V201, limit(1, 16), transaction_id)
        )
        second = await b.send(
            "SetChargingProfile", profiles.limit_profile(V201, limit(1, 10), transaction_id)
        )
        stranger = profiles.limit_profile(V201, limit(1, 12), transaction_id)
        stranger["chargingProfile"]["id"] = 77
        duplicate = await b.send("SetChargingProfile", stranger)
        in_force = await composite_a(b, 1)
        now_limit = limit_in_force(device, 1, datetime.now(UTC))
        asked = await b.send("GetChargingProfiles", profiles.our_profiles_request(5, 1))
        (report,) = await b.until_sent("ReportChargingProfiles")
        other_source = await b.send(
            "GetChargingProfiles",
            {"requestId": 6, "chargingProfile": {"chargingLimitSource": ["EMS"]}},
        )
        cleared = await b.send("ClearChargingProfile", profiles.clear_dynamic(V201, 1))
        cleared_again = await b.send("ClearChargingProfile", profiles.clear_dynamic(V201, 1))
        after_clear = await composite_a(b, 1)
        station_only = await composite_a(b, 0)
        by_criteria = await b.send(
            "ClearChargingProfile",
            {"chargingProfileCriteria": {"chargingProfilePurpose": "TxDefaultProfile"}},
        )
    assert station == default == first == second == {"status": "Accepted"}
    assert misplaced == {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidEvse"}}
    assert relative_max["statusInfo"] == {"reasonCode": "InvalidProfile"}
    assert no_transaction["statusInfo"] == {"reasonCode": "TxNotFound"}
    # Another id at the same stack level and purpose is ambiguous: only the stable id replaces.
    assert duplicate["statusInfo"] == {"reasonCode": "DuplicateProfile"}
    assert in_force == [{"startPeriod": 0, "limit": 10.0}]
    assert now_limit == 10.0
    assert asked == {"status": "Accepted"}
    assert report["requestId"] == 5 and report["evseId"] == 1
    assert report["chargingLimitSource"] == "CSO" and "tbc" not in report
    reported = {p["id"]: p for p in report["chargingProfile"]}
    assert set(reported) == {profiles.default_profile_id(1), profiles.dynamic_profile_id(1)}
    # One dynamic profile: the second limit replaced the first.
    dynamic = reported[profiles.dynamic_profile_id(1)]
    assert dynamic["chargingSchedule"][0]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 10.0}
    ]
    assert other_source == {"status": "NoProfiles"}
    assert (cleared, cleared_again) == ({"status": "Accepted"}, {"status": "Unknown"})
    # Without the dynamic limit the fallback is in force: the EVSE's TxDefaultProfile.
    assert after_clear == [{"startPeriod": 0, "limit": 6.0}]
    assert station_only == [{"startPeriod": 0, "limit": 20.0}]
    assert by_criteria == {"status": "Accepted"}
    assert [profile_id(p) for p in device.charging_profiles[0]] == [profiles.STATION_MAX_PROFILE_ID]


@pytest.mark.parametrize("protocol", [V16, V201])
@async_test
async def test_the_limit_in_force_is_the_lowest_of_the_station_maximum_and_the_evses_limit(
    protocol,
):
    async with bench(protocol) as b:
        device = b.cp.device
        now = datetime.now(UTC)
        assert limit_in_force(device, 1, now) is None
        for payload in profiles.fallback_profiles(protocol, 20, [], now - timedelta(minutes=1)):
            await b.send("SetChargingProfile", payload)
        await b.send("SetChargingProfile", profiles.default_profile(protocol, 1, 6))
        assert limit_in_force(device, 1, now) == 6  # the default, below the maximum
        assert limit_in_force(device, 2, now) == 20  # no default of its own: the maximum
        transaction_id = await start_session(b)
        await b.send(
            "SetChargingProfile", profiles.limit_profile(protocol, limit(1, 32), transaction_id)
        )
        # The dynamic limit replaces the default, and the station maximum still caps it.
        assert limit_in_force(device, 1, now) == 20
        await b.send(
            "SetChargingProfile", profiles.limit_profile(protocol, limit(1, 16), transaction_id)
        )
        assert limit_in_force(device, 1, now) == 16
        assert await composite_a(b, 1) == [{"startPeriod": 0, "limit": 16.0}]
        # A lower station maximum, at a higher stack level, that starts in five minutes.
        starts = now + timedelta(minutes=5) + profiles.STATION_MAX_BACKDATE
        station = profiles.station_max_profile(protocol, 10, starts)
        key = "csChargingProfiles" if protocol == V16 else "chargingProfile"
        id_key = "chargingProfileId" if protocol == V16 else "id"
        station[key] = {**station[key], id_key: 5, "stackLevel": 1}
        await b.send("SetChargingProfile", station)
        assert limit_in_force(device, 1, now) == 16
        assert limit_in_force(device, 1, now + timedelta(minutes=5)) == 10
        periods = await composite_a(b, 1)
        assert [p["limit"] for p in periods] == [16.0, 10.0]
        assert 295 <= periods[1]["startPeriod"] <= 300
        await b.send("ClearChargingProfile", profiles.clear_dynamic(protocol, 1))
        assert limit_in_force(device, 1, now) == 6
        assert limit_in_force(device, 1, now + timedelta(minutes=5)) == 6


@pytest.mark.parametrize("protocol", [V16, V201])
@async_test
async def test_a_profile_outside_its_validity_is_not_in_force(protocol):
    async with bench(protocol) as b:
        device = b.cp.device
        default = profiles.default_profile(protocol, 1, 8)
        key = "csChargingProfiles" if protocol == V16 else "chargingProfile"
        default[key] = {
            **default[key],
            "validFrom": "2030-01-01T12:00:00Z",
            "validTo": "2030-01-01T13:00:00Z",
        }
        assert (await b.send("SetChargingProfile", default))["status"] == "Accepted"
        assert limit_in_force(device, 1, NOW - timedelta(seconds=1)) is None
        assert limit_in_force(device, 1, NOW) == 8
        assert limit_in_force(device, 1, NOW + timedelta(hours=1)) is None


@pytest.mark.parametrize("protocol", [V16, V201])
@async_test
async def test_a_scheduled_profile_is_obeyed_period_by_period(protocol):
    # A plan from the session scheduler (ADR 0054): 0 A now, 16 A from 2 h, 11.5 A from 4 h,
    # 0 from 5 h; it replaces the site's dynamic limit (same id) and the station maximum
    # still caps it.
    from shared.load_management.scheduling import Period, Plan
    from shared.load_management.session_schedules import schedule_profile

    async with bench(protocol) as b:
        device = b.cp.device
        now = datetime.now(UTC).replace(microsecond=0)
        for payload in profiles.fallback_profiles(protocol, 14, [], now - timedelta(minutes=1)):
            await b.send("SetChargingProfile", payload)
        transaction_id = await start_session(b)
        await b.send(
            "SetChargingProfile", profiles.limit_profile(protocol, limit(1, 10), transaction_id)
        )
        hours = timedelta(hours=1)
        plan = Plan(
            periods=(
                Period(now, 0.0),
                Period(now + 2 * hours, 16.0),
                Period(now + 4 * hours, 11.5),
                Period(now + 5 * hours, 0.0),
            ),
            departure=now + 6 * hours,
            energy_wh=0,
            cost=0,
            unvalued_wh=0,
            feasible=True,
            reason="",
            phases=3,
            voltage_v=230,
        )
        answer = await b.send(
            "SetChargingProfile", schedule_profile(protocol, 1, plan, transaction_id)
        )
        assert answer["status"] == "Accepted"
        tx_profiles = [
            p for p in device.charging_profiles[1] if p["chargingProfilePurpose"] == "TxProfile"
        ]
        assert [profile_id(p) for p in tx_profiles] == [profiles.dynamic_profile_id(1)]
        expected = {0: 0.0, 1: 0.0, 2: 14.0, 3: 14.0, 4: 11.5, 5: 0.0, 8: 0.0}
        for hour, amps in expected.items():
            at = now + hour * hours + timedelta(minutes=30 if hour else 0)
            assert limit_in_force(device, 1, at) == amps, hour
        periods = await composite_a(b, 1, duration=6 * 3600)
        assert [p["limit"] for p in periods] == [0.0, 14.0, 11.5, 0.0]
        # offsets from the moment the charger answers, a second or two after `now`
        for got, planned in zip(periods[1:], [7200, 14400, 18000], strict=True):
            assert planned - 3 <= got["startPeriod"] <= planned
