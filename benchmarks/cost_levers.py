"""Levers on the cost per charger-month: what changes in the platform (or in the chargers)
would save, each alone and the platform's own levers together; and what the designs not
taken (or the opt-ins left off) would add, so the bill shows why they are not the default.

A lever or an alternative is a change of the profile, the stack facts or the assumptions; its
effect is the difference of two runs of `cost_model.charger_month`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from benchmarks.aws_calls import PUBLISHING_CONSUMER
from benchmarks.cost_model import (
    CONSUMER,
    ActionCost,
    Assumptions,
    Prices,
    Profile,
    charger_month,
)
from benchmarks.stack_facts import WEBSOCKET_ACCESS_LOG_LINE_BYTES, StackFacts

Scenario = tuple[Profile, Mapping[str, ActionCost], StackFacts, Assumptions]
Lever = Callable[[Scenario], Scenario]


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
    assumptions = assumptions or Assumptions()
    base = charger_month(profile, measured, facts, prices, assumptions)["usd_total"]

    def total(levers: Iterable[str]) -> float:
        scenario: Scenario = (profile, measured, facts, assumptions)
        for name in levers:
            scenario = LEVERS[name](scenario)
        result = charger_month(scenario[0], scenario[1], scenario[2], prices, scenario[3])
        return float(result["usd_total"])

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
    "MeterValuesReceived on the bus (context publishMeterValues)": lambda s: (
        s[0],
        {**s[1], CONSUMER: s[1].get(PUBLISHING_CONSUMER, s[1][CONSUMER])},
        s[2],
        s[3],
    ),
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
    assumptions = assumptions or Assumptions()
    base = charger_month(profile, measured, facts, prices, assumptions)["usd_total"]
    extra = {}
    for name, alternative in ALTERNATIVES.items():
        p, m, f, a = alternative((profile, measured, facts, assumptions))
        extra[name] = round(float(charger_month(p, m, f, prices, a)["usd_total"]) - base, 8)
    return extra
