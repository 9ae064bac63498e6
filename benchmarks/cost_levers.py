"""Levers on the cost per charger-month: what changes in the platform (or in the chargers)
would save, each alone and the platform's own levers together; what the designs not taken
(or the opt-ins left off) would add, so the bill shows why they are not the default; and what
each cost profile an operator can apply to chargers (shared/station/cost_profiles.py) makes of
each reference profile.

A lever or an alternative is a change of the profile, the stack facts or the assumptions; its
effect is the difference of two runs of `cost_model.charger_month`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from benchmarks.aws_calls import PUBLISHING_CONSUMER
from benchmarks.cost_model import (
    CONSUMER,
    METER_VALUES,
    ActionCost,
    Assumptions,
    Prices,
    Profile,
    charger_month,
)
from benchmarks.stack_facts import WEBSOCKET_ACCESS_LOG_LINE_BYTES, StackFacts
from shared.station.cost_profiles import COST_PROFILES, CostProfile

Scenario = tuple[Profile, Mapping[str, ActionCost], StackFacts, Assumptions]
Lever = Callable[[Scenario], Scenario]


def scenario_total(scenario: Scenario, prices: Prices | None = None) -> float:
    """$ per charger-month of a scenario."""
    profile, measured, facts, assumptions = scenario
    return float(charger_month(profile, measured, facts, prices, assumptions)["usd_total"])


def meter_values_published(scenario: Scenario) -> Scenario:
    """The telemetry consumer as with `publishMeterValues`: a MeterValuesReceived per session
    per batch (its measured step)."""
    p, m, f, a = scenario
    return p, {**m, CONSUMER: m.get(PUBLISHING_CONSUMER, m[CONSUMER])}, f, a


def _functions(facts: StackFacts, **changes: Any) -> StackFacts:
    return replace(facts, functions={k: replace(v, **changes) for k, v in facts.functions.items()})


def _with(
    profile: dict[str, Any] | None = None,
    facts: dict[str, Any] | None = None,
    functions: dict[str, Any] | None = None,
    assumptions: dict[str, Any] | None = None,
) -> Lever:
    """A lever that changes some fields of the profile, the stack or the assumptions."""

    def apply(scenario: Scenario) -> Scenario:
        p, measured, f, a = scenario
        if functions:
            f = _functions(f, **functions)
        return (
            replace(p, **(profile or {})),
            measured,
            replace(f, **(facts or {})),
            replace(a, **(assumptions or {})),
        )

    return apply


LEVERS: dict[str, Lever] = {
    "JSON logs with system log level WARN (no START/END/REPORT lines)": _with(
        functions={"platform_logs": False}
    ),
    "No EMF line per message (API Gateway's and Lambda's own metrics instead)": _with(
        assumptions={"message_log_share": 0.0}
    ),
    "X-Ray active tracing off": _with(functions={"tracing": False}),
    "Telemetry consumer batches of up to 10,000 records / 300 s": _with(
        facts={"consumer_batch_size": 10_000, "consumer_window_s": 300.0}
    ),
    # What the chargers do, not the platform:
    "Chargers skip the Heartbeat while other messages flow (OCPP allows it)": _with(
        profile={"heartbeats_while_charging": False}
    ),
    "Meter values half as often": lambda s: _with(
        profile={"meter_interval_s": s[0].meter_interval_s * 2}
    )(s),
}
# The platform's own levers, applied together.
PLATFORM_LEVERS = (
    "JSON logs with system log level WARN (no START/END/REPORT lines)",
    "No EMF line per message (API Gateway's and Lambda's own metrics instead)",
    "X-Ray active tracing off",
    "Telemetry consumer batches of up to 10,000 records / 300 s",
)
ALL_PLATFORM_LEVERS = "All platform levers together"


def lever_savings(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices | None = None,
    assumptions: Assumptions | None = None,
) -> dict[str, float]:
    """$ saved per charger-month by each lever alone, and by the platform levers together."""
    now: Scenario = (profile, measured, facts, assumptions or Assumptions())
    base = scenario_total(now, prices)

    def total(levers: Iterable[str]) -> float:
        scenario = now
        for name in levers:
            scenario = LEVERS[name](scenario)
        return scenario_total(scenario, prices)

    savings = {name: round(base - total([name]), 8) for name in LEVERS}
    savings[ALL_PLATFORM_LEVERS] = round(base - total(PLATFORM_LEVERS), 8)
    return savings


# Designs not taken and opt-ins that are off: what each would add to the bill.
ALTERNATIVES: dict[str, Lever] = {
    "Standard session workflow of 10 transitions per app session (rejected, ADR 0011)": _with(
        assumptions={"standard_session_workflow": True}
    ),
    "A payment provider twice as slow (800 ms a request: longer tasks and executions)": lambda s: (
        _with(
            assumptions={
                "call_latency_ms": {
                    **s[3].call_latency_ms,
                    "stripe": 2 * s[3].call_latency_ms.get("stripe", 400.0),
                }
            }
        )(s)
    ),
    "MeterValuesReceived on the bus (context publishMeterValues)": meter_values_published,
    "WebSocket stage access log on (context websocketAccessLog)": lambda s: _with(
        facts={
            "access_log_line_bytes": s[2].access_log_line_bytes or WEBSOCKET_ACCESS_LOG_LINE_BYTES
        }
    )(s),
}


def alternative_costs(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices | None = None,
    assumptions: Assumptions | None = None,
) -> dict[str, float]:
    """$ each alternative would add per charger-month (0 if the stack already has it)."""
    now: Scenario = (profile, measured, facts, assumptions or Assumptions())
    base = scenario_total(now, prices)
    return {
        name: round(scenario_total(alternative(now), prices) - base, 8)
        for name, alternative in ALTERNATIVES.items()
    }


# Cost profiles. The measured MeterValues frame (benchmarks/aws_calls.py) carries these
# sampled values; a profile's measurands make the frame and its Kinesis record (the same
# sampledValue array, shared/models/telemetry.py) larger or smaller by their JSON.
MEASURED_MEASURANDS = ("Energy.Active.Import.Register", "Power.Active.Import")
# A three-phase charger reports these per phase (L1, L2, L3).
PER_PHASE = frozenset({"Current.Import", "Current.Export", "Current.Offered", "Voltage"})
UNITS = {
    "Current.Import": "A",
    "Current.Export": "A",
    "Current.Offered": "A",
    "Voltage": "V",
    "SoC": "Percent",
    "Frequency": "",
    "Power.Factor": "",
}


def sampled_value_bytes(measurands: Sequence[str]) -> int:
    """The JSON bytes of an OCPP 1.6 sampledValue array entry per measurand (and phase)."""
    total = 0
    for measurand in measurands:
        unit = UNITS.get(measurand, "W" if measurand.startswith("Power") else "Wh")
        value: dict[str, str] = {"value": "12345.6", "measurand": measurand}
        if unit:
            value["unit"] = unit
        for phase in ("L1", "L2", "L3") if measurand in PER_PHASE else (None,):
            item = {**value, "phase": phase} if phase else value
            total += len(json.dumps(item, separators=(",", ":"))) + 1  # and its comma
    return total


def cost_profile_lever(cost: CostProfile) -> Lever:
    """What the chargers do under a cost profile, as a change of the model's inputs: meter
    values every sample interval, the heartbeat interval, MeterValues frames and telemetry
    records sized by the sampled measurands. (The model has no clock-aligned meter values.)"""
    if cost.aligned_interval_s:
        raise ValueError(f"{cost.name}: the model does not price clock-aligned meter values")
    delta = sampled_value_bytes(cost.sampled_measurands) - sampled_value_bytes(MEASURED_MEASURANDS)

    def apply(scenario: Scenario) -> Scenario:
        p, measured, f, a = scenario
        meter = measured[METER_VALUES]
        resized = replace(
            meter,
            frame_in_bytes=max(0, meter.frame_in_bytes + delta),
            kinesis_bytes=max(0, meter.kinesis_bytes + delta),
        )
        profile = replace(
            p,
            meter_interval_s=cost.sample_interval_s,
            heartbeat_interval_s=cost.heartbeat_interval_s,
        )
        return profile, {**measured, METER_VALUES: resized}, f, a

    return apply


def cost_profile_costs(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices | None = None,
    assumptions: Assumptions | None = None,
    cost_profiles: Mapping[str, CostProfile] = COST_PROFILES,
) -> dict[str, dict[str, float]]:
    """$ per charger-month of the reference profile with each cost profile applied, and the
    difference from the reference profile as modelled (negative: a saving)."""
    now: Scenario = (profile, measured, facts, assumptions or Assumptions())
    base = scenario_total(now, prices)
    result = {}
    for name, cost in cost_profiles.items():
        total = scenario_total(cost_profile_lever(cost)(now), prices)
        result[name] = {
            "usd_total": round(total, 8),
            "difference_usd": round(total - base, 8),
            "meter_interval_s": float(cost.sample_interval_s),
        }
    return result
