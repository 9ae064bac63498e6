"""The profile builder: every payload valid against the OCPP schemas of its version, stable
ids per EVSE in the reserved range, and the layers a station composes."""

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.load_management import profiles
from shared.load_management.profiles import ProfileError
from shared.ocpp.validation import default_schemas
from shared.ocpp.versions import OcppVersion
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Evse, Node, PhaseCurrents, Site

AT = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
VERSIONS = [profiles.V16, profiles.V201]
SCHEMAS = default_schemas()


def valid(version: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    violation = SCHEMAS.check(OcppVersion(version), action, payload, "request")
    assert violation is None, f"{action} {payload}: {violation}"
    return payload


def command(evse: int, to_da: int, from_da: int = 60) -> LimitCommand:
    return LimitCommand(f"site/CP1/{evse}", "CP1", evse, from_da, to_da)


def tx(version: str) -> str:
    return "42" if version == profiles.V16 else "tx-42"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_limit_is_a_tx_profile_with_the_evses_stable_id(version):
    first = valid(
        version, "SetChargingProfile", profiles.limit_profile(version, command(2, 163), tx(version))
    )
    second = valid(
        version, "SetChargingProfile", profiles.limit_profile(version, command(2, 60), tx(version))
    )
    other = profiles.limit_profile(version, command(1, 163), tx(version))
    key = "csChargingProfiles" if version == profiles.V16 else "chargingProfile"
    id_key = "chargingProfileId" if version == profiles.V16 else "id"
    a, b, c = first[key], second[key], other[key]
    # Same EVSE: same id, purpose and stack level, so the second replaces the first.
    assert a[id_key] == b[id_key] == profiles.dynamic_profile_id(2)
    assert (a["stackLevel"], a["chargingProfilePurpose"]) == (
        b["stackLevel"],
        b["chargingProfilePurpose"],
    )
    assert a["chargingProfilePurpose"] == "TxProfile"
    assert c[id_key] != a[id_key]
    assert profiles.is_ours(a[id_key]) and profiles.is_ours(c[id_key])
    schedule = a["chargingSchedule"] if version == profiles.V16 else a["chargingSchedule"][0]
    assert schedule["chargingRateUnit"] == "A"
    assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 16.3}]
    # No validity horizon: it holds until replaced or the transaction ends (ADR 0048).
    assert "validTo" not in a and "duration" not in schedule


def test_the_transaction_id_in_each_version():
    v16 = profiles.limit_profile(profiles.V16, command(1, 100), "42")
    assert v16["csChargingProfiles"]["transactionId"] == 42
    assert v16["connectorId"] == 1
    unnamed = valid(
        profiles.V16, "SetChargingProfile", profiles.limit_profile(profiles.V16, command(1, 100))
    )
    assert "transactionId" not in unnamed["csChargingProfiles"]
    v201 = profiles.limit_profile(profiles.V201, command(1, 100), "tx-42")
    assert v201["chargingProfile"]["transactionId"] == "tx-42"
    assert v201["evseId"] == 1
    with pytest.raises(ProfileError, match="names its transaction"):
        profiles.limit_profile(profiles.V201, command(1, 100))
    with pytest.raises(ProfileError, match=r"not an OCPP 1\.6 transaction id"):
        profiles.limit_profile(profiles.V16, command(1, 100), "tx-42")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_pause_is_a_limit_of_zero(version):
    payload = valid(
        version, "SetChargingProfile", profiles.limit_profile(version, command(1, 0), tx(version))
    )
    if version == profiles.V16:
        schedule = payload["csChargingProfiles"]["chargingSchedule"]
    else:
        schedule = payload["chargingProfile"]["chargingSchedule"][0]
    assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 0.0}]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_fallback_layer(version):
    evses = [
        Evse("e2", "n", "CP1", 2, default_limit_a=6.0),
        Evse("e1", "n", "CP1", 1, default_limit_a=0.0),
    ]
    payloads = [
        valid(version, "SetChargingProfile", p)
        for p in profiles.fallback_profiles(version, 31.97, evses, AT)
    ]
    station, first, second = payloads
    if version == profiles.V16:
        assert station["connectorId"] == 0
        profile = station["csChargingProfiles"]
        assert profile["chargingProfilePurpose"] == "ChargePointMaxProfile"
        assert profile["chargingSchedule"]["startSchedule"] == "2026-06-30T12:00:00Z"
        assert profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 31.9
        assert [p["connectorId"] for p in (first, second)] == [1, 2]
        defaults = [p["csChargingProfiles"] for p in (first, second)]
        limits = [d["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] for d in defaults]
        ids = [d["chargingProfileId"] for d in defaults]
    else:
        assert station["evseId"] == 0
        profile = station["chargingProfile"]
        assert profile["chargingProfilePurpose"] == "ChargingStationMaxProfile"
        assert profile["chargingProfileKind"] == "Absolute"
        assert profile["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 31.9
        assert [p["evseId"] for p in (first, second)] == [1, 2]
        defaults = [p["chargingProfile"] for p in (first, second)]
        limits = [d["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] for d in defaults]
        ids = [d["id"] for d in defaults]
    assert [d["chargingProfilePurpose"] for d in defaults] == ["TxDefaultProfile"] * 2
    assert [d["stackLevel"] for d in defaults] == [profiles.FALLBACK_STACK_LEVEL] * 2
    # The model's default_limit_a, exactly what ADR 0046 reserves for an idle EVSE.
    assert limits == [0.0, 6.0]
    assert ids == [profiles.default_profile_id(1), profiles.default_profile_id(2)]
    assert len({*ids, profiles.dynamic_profile_id(1), profiles.STATION_MAX_PROFILE_ID}) == 4


@pytest.mark.parametrize("version", VERSIONS)
def test_clearing_our_layer_by_id_only(version):
    for payload in profiles.clear_charger(version, [2, 1]):
        valid(version, "ClearChargingProfile", payload)
    ids = [next(iter(p.values())) for p in profiles.clear_charger(version, [2, 1])]
    assert ids == [
        profiles.dynamic_profile_id(1),
        profiles.default_profile_id(1),
        profiles.dynamic_profile_id(2),
        profiles.default_profile_id(2),
        profiles.STATION_MAX_PROFILE_ID,
    ]
    assert valid(version, "ClearChargingProfile", profiles.clear_dynamic(version, 3)) in (
        {"id": profiles.dynamic_profile_id(3)},
        {"chargingProfileId": profiles.dynamic_profile_id(3)},
    )
    with pytest.raises(ProfileError, match="reserved range"):
        profiles.clear_profile(version, 7)


@pytest.mark.parametrize("version", VERSIONS)
def test_reading_back(version):
    valid(version, "GetCompositeSchedule", profiles.composite_schedule_request(version, 1, 3600))
    if version == profiles.V201:
        request = valid(version, "GetChargingProfiles", profiles.our_profiles_request(7, 1))
        assert request["chargingProfile"]["chargingProfileId"] == [
            profiles.default_profile_id(1),
            profiles.dynamic_profile_id(1),
        ]
        station = valid(version, "GetChargingProfiles", profiles.our_profiles_request(8, 0))
        assert station["chargingProfile"]["chargingProfileId"] == [profiles.STATION_MAX_PROFILE_ID]


def test_limits_round_down_to_tenths_and_bad_input_is_refused():
    payload = profiles.station_max_profile(profiles.V16, 16.09, AT)
    assert (
        payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        == 16.0
    )
    with pytest.raises(ProfileError, match="negative"):
        profiles.station_max_profile(profiles.V16, -1, AT)
    for number in (0, profiles.MAX_EVSE_NUMBER + 1):
        with pytest.raises(ProfileError, match="outside"):
            profiles.dynamic_profile_id(number)
    assert profiles.dynamic_profile_id(profiles.MAX_EVSE_NUMBER) in profiles.PROFILE_ID_RANGE
    assert profiles.default_profile_id(profiles.MAX_EVSE_NUMBER) < profiles.DYNAMIC_PROFILE_BASE
    assert profiles.PROFILE_ID_RANGE.stop <= 2**31


def test_the_safe_maximum_of_a_charger():
    site = Site(
        "s",
        (
            Node("grid", max_current=PhaseCurrents.uniform(63)),
            Node("board", "grid", max_current=PhaseCurrents(40, 32, 40)),
            Node("a", "board", max_power_w=11_040),
            Node("b", "board"),
        ),
        (
            Evse("e1", "a", "CP1", 1, max_current_a=16),
            Evse("e2", "b", "CP1", 2, max_current_a=16),
            Evse("e3", "a", "CP2", 1, max_current_a=32, phases=("L1",)),
            Evse("e4", "a", "CP3", 1, max_current_a=10),
        ),
    )
    # Two EVSEs on two circuits: their 32 A together, within the board's weakest phase.
    assert profiles.station_safe_max_a(site, "CP1") == 32.0
    # A 1-phase EVSE under an 11,040 W circuit: 48 A on its phase, so its own 32 A.
    assert profiles.station_safe_max_a(site, "CP2") == 32.0
    # A 3-phase EVSE under the same circuit could draw 16 A: its own 10 A bind.
    assert profiles.station_safe_max_a(site, "CP3") == 10.0
    narrow = Site("n", (Node("grid", max_power_w=6_900),), (Evse("e", "grid", "CP", 1),))
    assert profiles.station_safe_max_a(narrow, "CP") == 10.0
    with pytest.raises(ProfileError, match="no EVSE"):
        profiles.station_safe_max_a(site, "CP9")
