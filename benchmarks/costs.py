"""The cost section of `make bench`: the model's charger-month for each reference profile,
what each lever would save, each alternative add and each cost profile make of it
(`benchmarks.cost_levers`), what an app-started session adds and a driver's month costs
(`benchmarks.driver_month`), and the stack's fixed monthly cost.

It sits above both `benchmarks.cost_model` (the arithmetic) and `benchmarks.cost_levers`
(changes of the model's inputs), so neither of those imports the other's caller.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from benchmarks.cost_levers import alternative_costs, cost_profile_costs, lever_savings
from benchmarks.cost_model import (
    PRICES_READ_ON,
    PROFILES,
    REGION,
    SAMPLE_USD_PER_CHARGER_MONTH,
    Assumptions,
    Prices,
    Profile,
    charger_month,
    fixed_monthly,
    measured_actions,
)
from benchmarks.driver_month import app_session_cost, driver_month
from benchmarks.lever_ledger import lever_ledger, sensitivity
from benchmarks.stack_facts import StackFacts


def run(
    aws_calls: Mapping[str, Mapping[str, Any]],
    cpu_us: Mapping[str, float],
    facts: StackFacts,
    prices: Prices | None = None,
    assumptions: Assumptions | None = None,
    profiles: Iterable[Profile] = PROFILES,
) -> dict[str, Any]:
    prices = prices or Prices()
    assumptions = assumptions or Assumptions()
    measured = measured_actions(aws_calls, cpu_us)
    results = {
        profile.name: {
            **charger_month(profile, measured, facts, prices, assumptions),
            "lever_savings_usd": lever_savings(profile, measured, facts, prices, assumptions),
            "alternative_costs_usd": alternative_costs(
                profile, measured, facts, prices, assumptions
            ),
            "cost_profiles_usd": cost_profile_costs(profile, measured, facts, prices, assumptions),
            "lever_ledger_usd": lever_ledger(profile, measured, facts, prices, assumptions),
            "sensitivity": sensitivity(profile, measured, facts, prices, assumptions),
            "app_session": app_session_cost(profile, measured, facts, prices, assumptions),
        }
        for profile in profiles
    }
    shards = max(r["volumes"]["kinesis_shards"] for r in results.values())
    fixed = fixed_monthly(facts, prices, assumptions, shards, measured)
    fixed_cents = {k: round(v, 2) for k, v in fixed.items()}
    return {
        "prices_read_on": PRICES_READ_ON,
        "region": REGION,
        "chargers": assumptions.chargers,
        "sample_usd_per_charger_month": SAMPLE_USD_PER_CHARGER_MONTH,
        "stack": {
            "source": facts.source,
            "alarms": facts.alarms,
            "alarms_source": facts.alarms_source,
            "notes": list(facts.notes),
        },
        "fixed_monthly_usd": fixed_cents,
        # The sum of the items as shown, so the table adds up.
        "fixed_monthly_total_usd": round(sum(fixed_cents.values()), 2),
        "assumptions": {
            k: (dict(v) if isinstance(v, Mapping) else v)
            for k, v in dataclasses.asdict(assumptions).items()
        },
        "profiles": results,
        "driver_month": driver_month(measured, facts, prices, assumptions),
    }
