"""Cost profiles as data: what each one sets on OCPP 1.6 and 2.0.1, and what none may set."""

from __future__ import annotations

import pytest

from shared.config import API_GATEWAY_IDLE_TIMEOUT_S, DEFAULT_HEARTBEAT_INTERVAL_S
from shared.ocpp.validation import default_schemas
from shared.ocpp.versions import OcppVersion
from shared.station.cost_profiles import (
    COST_PROFILES,
    ENERGY_REGISTER,
    CostProfile,
    CostProfileInvalid,
    parse_step_id,
    step_id,
)


def _profile(**changes: object) -> CostProfile:
    values: dict[str, object] = {
        "name": "custom",
        "description": "a test profile",
        "sample_interval_s": 60,
        "sampled_measurands": (ENERGY_REGISTER,),
    }
    values.update(changes)
    return CostProfile(**values)  # type: ignore[arg-type]


def test_the_three_profiles() -> None:
    assert list(COST_PROFILES) == ["standard", "lean", "detailed"]
    lean = COST_PROFILES["lean"]
    assert lean.configuration_v16() == [
        ("MeterValueSampleInterval", "120"),
        ("MeterValuesSampledData", ENERGY_REGISTER),
        ("ClockAlignedDataInterval", "0"),
        ("HeartbeatInterval", str(DEFAULT_HEARTBEAT_INTERVAL_S)),
    ]
    assert lean.variables_v201() == [
        ("SampledDataCtrlr", "TxUpdatedInterval", "120"),
        ("SampledDataCtrlr", "TxUpdatedMeasurands", ENERGY_REGISTER),
        ("AlignedDataCtrlr", "Interval", "0"),
        ("OCPPCommCtrlr", "HeartbeatInterval", str(DEFAULT_HEARTBEAT_INTERVAL_S)),
    ]
    standard = COST_PROFILES["standard"]
    assert standard.sample_interval_s == 60
    assert standard.sampled_measurands == (ENERGY_REGISTER, "Power.Active.Import")
    assert standard.heartbeat_interval_s == DEFAULT_HEARTBEAT_INTERVAL_S
    assert COST_PROFILES["detailed"].sample_interval_s == 30


@pytest.mark.parametrize("profile", list(COST_PROFILES.values()), ids=list(COST_PROFILES))
def test_every_profile_makes_schema_valid_commands(profile: CostProfile) -> None:
    schemas = default_schemas()
    for key, value in profile.configuration_v16():
        payload = {"key": key, "value": value}
        assert schemas.check(OcppVersion.V16, "ChangeConfiguration", payload, "request") is None
    payload = profile.set_variables_payload()
    assert schemas.check(OcppVersion.V201, "SetVariables", payload, "request") is None


def test_the_names_are_the_ocpp_packages() -> None:
    from ocpp.v16.enums import ConfigurationKey, Measurand
    from ocpp.v201.enums import (
        AlignedDataCtrlrVariableName,
        OCPPCommCtrlrVariableName,
        SampledDataCtrlrVariableName,
    )

    keys16 = {k.value for k in ConfigurationKey}
    variables = {
        "SampledDataCtrlr": {v.value for v in SampledDataCtrlrVariableName},
        "AlignedDataCtrlr": {v.value for v in AlignedDataCtrlrVariableName},
        "OCPPCommCtrlr": {v.value for v in OCPPCommCtrlrVariableName},
    }
    aligned = _profile(aligned_interval_s=900, aligned_measurands=(ENERGY_REGISTER,))
    for profile in [*COST_PROFILES.values(), aligned]:
        assert {key for key, _ in profile.configuration_v16()} <= keys16
        for component, variable, _ in profile.variables_v201():
            assert variable in variables[component]
        assert set(profile.sampled_measurands) <= {m.value for m in Measurand}


@pytest.mark.parametrize("heartbeat", [API_GATEWAY_IDLE_TIMEOUT_S, 571, 3600, 5])
def test_a_heartbeat_at_or_near_the_idle_timeout_is_refused(heartbeat: int) -> None:
    with pytest.raises(CostProfileInvalid, match="heartbeat"):
        _profile(heartbeat_interval_s=heartbeat)
    assert _profile(heartbeat_interval_s=570).heartbeat_interval_s == 570


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sampled_measurands": ("Power.Active.Import",)}, "Energy.Active.Import.Register"),
        ({"sampled_measurands": (ENERGY_REGISTER, "Temperature")}, "unknown measurands"),
        ({"sampled_measurands": (ENERGY_REGISTER, ENERGY_REGISTER)}, "twice"),
        ({"sample_interval_s": 0}, "sample interval"),
        ({"aligned_interval_s": 30, "aligned_measurands": (ENERGY_REGISTER,)}, "clock-aligned"),
        ({"aligned_interval_s": 900}, "needs its measurands"),
        ({"aligned_measurands": (ENERGY_REGISTER,)}, "without a clock-aligned interval"),
        ({"name": "much-too-long-name"}, "name"),
    ],
)
def test_what_no_profile_may_set(changes: dict[str, object], message: str) -> None:
    with pytest.raises(CostProfileInvalid, match=message):
        _profile(**changes)


def test_clock_aligned_data_adds_its_measurands() -> None:
    profile = _profile(aligned_interval_s=900, aligned_measurands=(ENERGY_REGISTER,))
    assert ("MeterValuesAlignedData", ENERGY_REGISTER) in profile.configuration_v16()
    assert ("AlignedDataCtrlr", "Measurands", ENERGY_REGISTER) in profile.variables_v201()


def test_step_ids_fit_ocpp_message_ids_and_parse_back() -> None:
    message_id = step_id("detailed", 4, "0123456789abcdef")
    assert len(message_id) <= 36
    assert parse_step_id(message_id) == (COST_PROFILES["detailed"], 4, "0123456789abcdef")
    assert parse_step_id("6f1c2a4e-0000-4000-8000-000000000000") is None
    assert parse_step_id("cost.unknown.1.abc") is None
    assert parse_step_id("cost.lean.x.abc") is None
