"""Site load management over many simulated site-hours (docs/adr/0049-site-simulation.md):
violations of the physical draw (goal 0), limit changes per EVSE per hour (goal ≤ 4), the
commands and allocations the loop costs, and what they add per charger-month at list prices.

Half of the site-days are the busy public car park of `simulator.site_simulation.example_site`
(12 EVSEs, 6 A default, one charger without profiles, 1-phase cars, 1 % refused commands, a
disconnect every two EVSE-days, two announced grid-limit drops a day); a third the same site
without slack (every car takes 32 A on three phases, 0 A default, 2 % refused
commands, a disconnect per EVSE-day), where a misordered command shows at once; a third that
site under steady inputs (long sessions, few arrivals, the grid's limit wandering between 72
and 80 A every quarter of an hour), where the goal of at most four limit changes per EVSE-hour in
session applies (a busy day changes every active EVSE's share at each arrival and is
reported, not held to it). Every day has its own seed; a run is reproducible.

The cost, counted as the loop is built (docs/adr/0051): every event that asks for an
allocation is one `site_trigger` invocation (the charger's location and the site's records
read, the EVSE's live state written, one SQS SendMessage); every allocation is the FIFO
message's ReceiveMessage and DeleteMessage, one `site_allocator` invocation (the allocation's
measured CPU here; the site's records, its grid schedule and signals read; the allocation and
its load-history sample written; and the whole time its plan takes to send: ADR 0048's
sender sends one command at a time and waits for each answer, retries and the settle time
included), and every profile one command round trip (the running transaction read, a
WebSocket frame each way, the $default Lambda invocation that takes the answer, the pending
call's writes, and the sender's strongly consistent reads while it waits, counted by
`cost_model.command_wait`).

    python -m benchmarks.smart_charging_site            # the full 10,000 site-hours
    python -m benchmarks.smart_charging_site 20         # 20 site-days
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.cost_model import Prices, command_wait
from simulator.site_simulation import (
    Result,
    Scenario,
    SiteSimulation,
    example_site,
    wandering_grid,
)

CAR_PARK = example_site()
CAR_PARK_DAY = Scenario(arrivals_per_evse_hour=0.25)
NO_SLACK = example_site(connection_a=80, default_limit_a=0, profileless=None)
NO_SLACK_DAY = Scenario(
    arrivals_per_evse_hour=0.3,
    car_currents_a=(32.0,),
    one_phase_share=0.0,
    refusal_probability=0.02,
    disconnects_per_evse_day=1.0,
)
# Steady inputs: long sessions, few arrivals, the grid's limit wandering every 15 minutes.
STEADY_DAY = Scenario(
    arrivals_per_evse_hour=0.05,
    dwell_mean_h=10.0,
    car_currents_a=(32.0,),
    one_phase_share=0.0,
    drops_per_day=0.0,
)
HOURS_PER_MONTH = 730.0


@dataclass(frozen=True)
class LoopCosts:
    """What one allocation and one profile cost in AWS calls and Lambda time (assumptions,
    stated once here)."""

    # The trigger, per event: its location claim and the site's records read, the live
    # state written, the site queued (SendMessage).
    trigger_reads: int = 2
    trigger_writes: int = 1
    trigger_sqs_requests: int = 1
    trigger_lambda_ms: float = 15.0
    trigger_memory_mb: int = 256
    # The allocator, per allocation: the FIFO message received and deleted.
    sqs_requests_per_allocation: int = 2
    allocator_memory_mb: int = 256
    # The site's records, its grid schedule and its grid signals read; the allocation and
    # its minute's load sample written (one item each).
    allocator_reads: int = 3
    allocator_writes: int = 2
    dynamodb_call_ms: float = 5.0
    # A command's answer arrives this long after the send (the simulation's mean round
    # trip): how long the sender polls for it.
    answer_ms: float = 2200.0
    # The $default invocation that takes a command's answer, and its writes (the pending
    # call's completion, the command record).
    reply_lambda_ms: float = 20.0
    reply_memory_mb: int = 256
    reply_writes: int = 2
    # The command's slot, and the sender's check that the session a limit names still runs.
    reply_reads: int = 2
    websocket_frames_per_command: int = 2


class _TimedSimulation(SiteSimulation):
    """Measures the CPU of each allocation (allocate, the filter and the plan)."""

    cpu_ns = 0

    def _allocate(self) -> None:
        start = time.thread_time_ns()
        super()._allocate()
        self.cpu_ns += time.thread_time_ns() - start


def _gb_seconds(ms: float, memory_mb: int) -> float:
    return ms / 1000 * memory_mb / 1024


def cost_per_charger_month(
    summary: dict[str, Any],
    evses_per_site: int,
    allocation_cpu_ms: float,
    prices: Prices | None = None,
    costs: LoopCosts | None = None,
) -> dict[str, float]:
    """USD per charger (EVSE) per month from the counts of a run."""
    prices, costs = prices or Prices(), costs or LoopCosts()
    sqs_request = 0.50 / 1e6  # FIFO, per 64 KB request (../shared/aws-prices.md)
    allocations = summary["allocations_per_site_hour"] * HOURS_PER_MONTH / evses_per_site
    triggers = summary.get("triggers_per_site_hour", 0.0) * HOURS_PER_MONTH / evses_per_site
    commands = summary["commands_per_evse_day"] * HOURS_PER_MONTH / 24
    store_calls = costs.allocator_reads + costs.allocator_writes
    allocator_ms = allocation_cpu_ms + store_calls * costs.dynamodb_call_ms
    allocator = allocations * (
        costs.sqs_requests_per_allocation * sqs_request
        + prices.lambda_request
        + _gb_seconds(allocator_ms, costs.allocator_memory_mb) * prices.lambda_gb_second_arm
        + costs.allocator_reads * prices.dynamodb_read_unit
        + costs.allocator_writes * prices.dynamodb_write_unit
    )
    sending = (
        allocations
        * _gb_seconds(summary["sending_s_per_allocation"] * 1000, costs.allocator_memory_mb)
        * prices.lambda_gb_second_arm
    )
    polls = command_wait(costs.answer_ms, costs.dynamodb_call_ms).polls
    per_command = (
        costs.websocket_frames_per_command * prices.websocket_message
        + polls * prices.dynamodb_read_unit
        + prices.lambda_request
        + _gb_seconds(costs.reply_lambda_ms, costs.reply_memory_mb) * prices.lambda_gb_second_arm
        + costs.reply_writes * prices.dynamodb_write_unit
        + costs.reply_reads * prices.dynamodb_read_unit
    )
    profiles = commands * per_command
    trigger = triggers * (
        costs.trigger_sqs_requests * sqs_request
        + prices.lambda_request
        + _gb_seconds(costs.trigger_lambda_ms, costs.trigger_memory_mb)
        * prices.lambda_gb_second_arm
        + costs.trigger_reads * prices.dynamodb_read_unit
        + costs.trigger_writes * prices.dynamodb_write_unit
    )
    return {
        "triggers_per_charger_month": round(triggers, 1),
        "allocations_per_charger_month": round(allocations, 1),
        "commands_per_charger_month": round(commands, 1),
        "triggers_usd": round(trigger, 5),
        "allocations_usd": round(allocator, 5),
        "sending_usd": round(sending, 5),
        "profiles_usd": round(profiles, 5),
        "total_usd": round(trigger + allocator + sending + profiles, 5),
    }


def _profile(
    site_days: int, first_seed: int, site: Any, scenario: Scenario, wandering: bool = False
) -> dict[str, Any]:
    total = Result()
    cpu_ns = 0
    for n in range(site_days):
        seed = first_seed + n
        drops = wandering_grid(seed, scenario.hours) if wandering else None
        simulation = _TimedSimulation(site, scenario, seed=seed, drops=drops)
        total.merge(simulation.run())
        cpu_ns += simulation.cpu_ns
    summary = total.summary()
    cpu_ms = cpu_ns / 1e6 / max(1, total.allocations)
    summary["allocation_cpu_ms"] = round(cpu_ms, 3)
    summary["evses_per_site"] = len(site.evses)
    summary["cost_per_charger_month"] = cost_per_charger_month(summary, len(site.evses), cpu_ms)
    return summary


def run(site_days: int = 418, hours: float = 24.0) -> dict[str, Any]:
    """`site_days` simulated days (a third per profile): 418 days of 24 h are 10,032
    site-hours."""
    started = time.perf_counter()
    third = max(1, site_days // 3)
    profiles = {
        "car park": _profile(third, 0, CAR_PARK, _hours(CAR_PARK_DAY, hours)),
        "no slack": _profile(third, 100_000, NO_SLACK, _hours(NO_SLACK_DAY, hours)),
        "steady": _profile(
            max(1, site_days - 2 * third),
            200_000,
            NO_SLACK,
            _hours(STEADY_DAY, hours),
            wandering=True,
        ),
    }
    return {
        "site_hours": round(sum(p["site_hours"] for p in profiles.values()), 1),
        "violations": sum(p["violations"] for p in profiles.values()),
        "goal_violations": 0,
        "goal_changes_per_evse_hour": 4,
        "profiles": profiles,
        "wall_s": round(time.perf_counter() - started, 1),
    }


def _hours(scenario: Scenario, hours: float) -> Scenario:
    from dataclasses import replace

    return replace(scenario, hours=hours)


if __name__ == "__main__":
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 418
    print(run(days))
