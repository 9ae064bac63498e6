"""Cost profiles: named sets of charger-side settings that decide how much traffic a charger
sends, and so most of what it costs on AWS (docs/cost-profiles.md).

A profile is plain data: how often meter values go out while charging, which measurands they
carry, whether clock-aligned meter values are sent, and the heartbeat interval. It maps to
OCPP 1.6 configuration keys (ChangeConfiguration takes one key a call) and to OCPP 2.0.1
device-model variables (one SetVariables with all of them). Every profile keeps what the
platform needs: the energy register is always sampled (sessions and live energy are built
from it) and the heartbeat stays below API Gateway's idle timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.config import DEFAULT_HEARTBEAT_INTERVAL_S, MAX_HEARTBEAT_INTERVAL_S

ENERGY_REGISTER = "Energy.Active.Import.Register"
# The measurands OCPP 1.6 and 2.0.1 both know (a profile serves chargers of either version).
MEASURANDS = frozenset(
    {
        "Current.Export",
        "Current.Import",
        "Current.Offered",
        "Energy.Active.Export.Interval",
        "Energy.Active.Export.Register",
        "Energy.Active.Import.Interval",
        "Energy.Active.Import.Register",
        "Energy.Reactive.Export.Interval",
        "Energy.Reactive.Export.Register",
        "Energy.Reactive.Import.Interval",
        "Energy.Reactive.Import.Register",
        "Frequency",
        "Power.Active.Export",
        "Power.Active.Import",
        "Power.Factor",
        "Power.Offered",
        "Power.Reactive.Export",
        "Power.Reactive.Import",
        "SoC",
        "Voltage",
    }
)
MIN_HEARTBEAT_INTERVAL_S = 10
MIN_SAMPLE_INTERVAL_S = 5
MAX_SAMPLE_INTERVAL_S = 3600
MIN_ALIGNED_INTERVAL_S = 60
# The name travels in the commands' message ids (at most 36 characters, see `step_id`).
MAX_NAME_LENGTH = 10


class CostProfileInvalid(ValueError):
    """A profile the platform must not push to chargers."""


@dataclass(frozen=True)
class CostProfile:
    name: str
    description: str
    # MeterValueSampleInterval / SampledDataCtrlr.TxUpdatedInterval: meter values while charging.
    sample_interval_s: int
    # MeterValuesSampledData / SampledDataCtrlr.TxUpdatedMeasurands.
    sampled_measurands: tuple[str, ...]
    # ClockAlignedDataInterval / AlignedDataCtrlr.Interval: 0 sends no clock-aligned data.
    aligned_interval_s: int = 0
    # MeterValuesAlignedData / AlignedDataCtrlr.Measurands (only with an aligned interval).
    aligned_measurands: tuple[str, ...] = ()
    # HeartbeatInterval / OCPPCommCtrlr.HeartbeatInterval.
    heartbeat_interval_s: int = DEFAULT_HEARTBEAT_INTERVAL_S

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise CostProfileInvalid(f"cost profile {self.name!r}: {problem}")

    def problem(self) -> str | None:
        if not self.name.isidentifier() or len(self.name) > MAX_NAME_LENGTH:
            return f"a name is a word of at most {MAX_NAME_LENGTH} characters"
        if not MIN_HEARTBEAT_INTERVAL_S <= self.heartbeat_interval_s <= MAX_HEARTBEAT_INTERVAL_S:
            # API Gateway closes a connection after 10 idle minutes: a longer heartbeat would
            # make every quiet charger reconnect.
            return (
                f"the heartbeat interval must be {MIN_HEARTBEAT_INTERVAL_S}.."
                f"{MAX_HEARTBEAT_INTERVAL_S} s (API Gateway's idle timeout is 600 s)"
            )
        if not MIN_SAMPLE_INTERVAL_S <= self.sample_interval_s <= MAX_SAMPLE_INTERVAL_S:
            return f"the sample interval must be {MIN_SAMPLE_INTERVAL_S}..{MAX_SAMPLE_INTERVAL_S} s"
        if ENERGY_REGISTER not in self.sampled_measurands:
            return f"the sampled measurands must include {ENERGY_REGISTER} (session energy)"
        for measurands in (self.sampled_measurands, self.aligned_measurands):
            unknown = sorted(set(measurands) - MEASURANDS)
            if unknown:
                return f"unknown measurands {unknown}"
            if len(set(measurands)) != len(measurands):
                return "a measurand is listed twice"
        if self.aligned_interval_s and self.aligned_interval_s < MIN_ALIGNED_INTERVAL_S:
            return f"clock-aligned data is off (0) or every {MIN_ALIGNED_INTERVAL_S} s or more"
        if self.aligned_interval_s and not self.aligned_measurands:
            return "clock-aligned data needs its measurands"
        if not self.aligned_interval_s and self.aligned_measurands:
            return "aligned measurands without a clock-aligned interval"
        return None

    def configuration_v16(self) -> list[tuple[str, str]]:
        """(key, value) for ChangeConfiguration, in the order they are sent."""
        settings = [
            ("MeterValueSampleInterval", str(self.sample_interval_s)),
            ("MeterValuesSampledData", ",".join(self.sampled_measurands)),
            ("ClockAlignedDataInterval", str(self.aligned_interval_s)),
        ]
        if self.aligned_interval_s:
            settings.append(("MeterValuesAlignedData", ",".join(self.aligned_measurands)))
        settings.append(("HeartbeatInterval", str(self.heartbeat_interval_s)))
        return settings

    def variables_v201(self) -> list[tuple[str, str, str]]:
        """(component, variable, value) for one SetVariables."""
        settings = [
            ("SampledDataCtrlr", "TxUpdatedInterval", str(self.sample_interval_s)),
            ("SampledDataCtrlr", "TxUpdatedMeasurands", ",".join(self.sampled_measurands)),
            ("AlignedDataCtrlr", "Interval", str(self.aligned_interval_s)),
        ]
        if self.aligned_interval_s:
            settings.append(("AlignedDataCtrlr", "Measurands", ",".join(self.aligned_measurands)))
        settings.append(("OCPPCommCtrlr", "HeartbeatInterval", str(self.heartbeat_interval_s)))
        return settings

    def set_variables_payload(self) -> dict[str, Any]:
        return {
            "setVariableData": [
                {
                    "attributeValue": value,
                    "component": {"name": component},
                    "variable": {"name": variable},
                }
                for component, variable, value in self.variables_v201()
            ]
        }


COST_PROFILES: dict[str, CostProfile] = {
    profile.name: profile
    for profile in (
        CostProfile(
            name="standard",
            description="What the platform's cost model assumes: the energy register and the "
            "power every 60 s while charging, no clock-aligned data, the platform's heartbeat.",
            sample_interval_s=60,
            sampled_measurands=(ENERGY_REGISTER, "Power.Active.Import"),
        ),
        CostProfile(
            name="lean",
            description="The energy register alone every 120 s while charging, no "
            "clock-aligned data: half the meter-value messages, smaller frames; live energy "
            "and the charging power are known to 2 minutes.",
            sample_interval_s=120,
            sampled_measurands=(ENERGY_REGISTER,),
        ),
        CostProfile(
            name="detailed",
            description="Energy, power, current and voltage per phase and the car's state of "
            "charge every 30 s while charging: a fine live view, at a price.",
            sample_interval_s=30,
            sampled_measurands=(
                ENERGY_REGISTER,
                "Power.Active.Import",
                "Current.Import",
                "Voltage",
                "SoC",
            ),
        ),
    )
}


# The commands of one application carry the profile, the step and a token of the application
# in their message ids: the follow-up of a finished step knows what to send next without
# another record. "cost.lean.2.0123456789abcdef" (at most 32 of OCPP's 36 characters).
_ID_PREFIX = "cost"


def step_id(profile: str, step: int, token: str) -> str:
    return f"{_ID_PREFIX}.{profile}.{step}.{token}"


def parse_step_id(message_id: str) -> tuple[CostProfile, int, str] | None:
    """(profile, step, token) of a cost-profile command, None for any other message id."""
    parts = message_id.split(".")
    if len(parts) != 4 or parts[0] != _ID_PREFIX or not parts[2].isdigit():
        return None
    profile = COST_PROFILES.get(parts[1])
    if profile is None:
        return None
    return profile, int(parts[2]), parts[3]
