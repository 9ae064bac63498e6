"""What a driver costs a month, kept apart from the per-charger figures, and what one
app-started session adds to its charger's: both from the measured steps of
benchmarks.app_session.

A driver's month is the app's requests (HTTP API requests, each a driver_api invocation,
and the stop's command to the charger) and one Cognito monthly active user. An app
session adds the session workflows (two Express executions, their Lambda tasks, the
CommandCompleted rule's look at the start), the sweep's claim and cost checks, and the
remote start's message and answer, to the charger messages every session has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from benchmarks import app_session
from benchmarks.cost_model import (
    AUTHORISE_TASK,
    SEND_START_TASK,
    SETTLE_SESSION,
    START_SESSION,
    ActionCost,
    Assumptions,
    Bill,
    Prices,
    Profile,
    cost_checks_per_app_session,
    execution_seconds,
    express_execution_usd,
    invoke,
)
from benchmarks.stack_facts import StackFacts


@dataclass(frozen=True)
class DriverProfile:
    """A regular driver's month in the app."""

    name: str = "Regular driver"
    app_sessions: float = 8.0
    # Per session: the app asks whether the charger started until it did, watches the
    # session while open (every 30 s for 10 minutes), stops half the sessions from the app
    # (the others at the car) and opens the receipt.
    start_polls: float = 2.0
    watch_polls: float = 20.0
    app_stop_share: float = 0.5
    receipts: float = 1.0
    # Per month: searches near them, location pages, their history.
    nearby_searches: float = 8.0
    location_pages: float = 8.0
    history_views: float = 2.0


DRIVER = DriverProfile()


def with_start_session(
    measured: Mapping[str, ActionCost], facts: StackFacts, assumptions: Assumptions
) -> dict[str, ActionCost]:
    """The measured steps, the driver API's start waiting for StartSession to finish."""
    memory = facts.functions[measured[AUTHORISE_TASK].function].memory_mb
    seconds = execution_seconds(
        START_SESSION, START_SESSION.app_tasks, measured, memory, assumptions
    )
    start = measured[app_session.START]
    return {**measured, app_session.START: replace(start, extra_wait_ms=seconds * 1000)}


def _per_session(driver: DriverProfile) -> list[tuple[str, float]]:
    return [
        (app_session.START, 1.0),
        (app_session.START_STATUS, driver.start_polls),
        (app_session.WATCH, driver.watch_polls),
        (app_session.APP_STOP, driver.app_stop_share),
        (app_session.RECEIPT, driver.receipts),
    ]


def app_requests(driver: DriverProfile) -> list[tuple[str, float]]:
    """The driver API requests of a driver's month, by measured step."""
    per_month = [
        (app_session.NEARBY, driver.nearby_searches),
        (app_session.LOCATION_PAGE, driver.location_pages),
        (app_session.HISTORY, driver.history_views),
    ]
    return per_month + [(step, n * driver.app_sessions) for step, n in _per_session(driver)]


def driver_month(
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices,
    assumptions: Assumptions,
    driver: DriverProfile = DRIVER,
) -> dict[str, Any]:
    """$ per driver-month by item."""
    measured = with_start_session(measured, facts, assumptions)
    bill = Bill()
    requests = app_requests(driver)
    # A stop from the app: the command's post to the charger and its answer on $default.
    stops = driver.app_sessions * driver.app_stop_share
    steps = [*requests, (app_session.STOP_REPLY, stops)]
    _bill_steps(bill, steps, measured, facts, prices, assumptions)
    http_requests = sum(count for _, count in requests)
    tier = facts.user_pool_tier
    mau = prices.cognito_mau[tier]
    usd = {
        f"Cognito ({tier.capitalize()}, one MAU)": mau,
        "API Gateway HTTP API": http_requests * prices.http_api_request,
        "API Gateway WebSocket (the app's stops)": stops * 2 * prices.websocket_message,
        "Lambda": bill.usd["Lambda"],
        "DynamoDB": bill.usd["DynamoDB"],
        "EventBridge": bill.usd["EventBridge"],
        "CloudWatch Logs": bill.log_bytes / 1e9 * prices.logs_ingested_gb,
    }
    return {
        "driver": driver.name,
        "app_sessions": driver.app_sessions,
        "http_requests": round(http_requests, 1),
        "usd_by_item": {k: round(v, 8) for k, v in usd.items()},
        "usd_total": round(sum(usd.values()), 8),
        "usd_without_cognito": round(sum(usd.values()) - mau, 8),
    }


def _bill_steps(
    bill: Bill,
    steps: list[tuple[str, float]],
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices,
    assumptions: Assumptions,
    calls: dict[str, float] | None = None,
    in_run: tuple[str, ...] = (),
) -> None:
    """Bill each measured step `count` times (those `in_run` as work inside another
    invocation), adding its AWS calls by service to `calls`."""
    for step, count in steps:
        action = measured[step]
        function = facts.functions[action.function]
        invoke(bill, action, count, function, prices, assumptions, invocation=step not in in_run)
        if calls is not None:
            for name, n in action.calls.items():
                calls[name.split(":")[0]] += n * count


def app_session_steps(profile: Profile) -> list[tuple[str, float]]:
    """What an app start adds to its session, by measured step (the charger's own session
    messages, the same for a card, not included)."""
    return [
        (AUTHORISE_TASK, 1.0),
        (SEND_START_TASK, 1.0),
        (app_session.START_REPLY, 1.0),
        (app_session.START_COMPLETED, 1.0),
        (app_session.SWEEP_CLAIM, 1.0),
        (app_session.SWEEP_COST_CHECK, float(cost_checks_per_app_session(profile))),
        (app_session.SETTLE_APP, 1.0),
    ]


def app_session_cost(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices,
    assumptions: Assumptions,
    driver: DriverProfile = DRIVER,
) -> dict[str, Any]:
    """One app-started session of this profile: AWS calls by service, Step Functions
    requests, and its cost at list prices (the platform's part, and the app's requests)."""
    measured = with_start_session(measured, facts, assumptions)
    calls: dict[str, float] = defaultdict(float)
    platform = Bill()
    # The sweep's work runs inside its scheduled runs: no invocation of its own.
    sweep = (app_session.SWEEP_CLAIM, app_session.SWEEP_COST_CHECK)
    platform_steps = app_session_steps(profile)
    _bill_steps(platform, platform_steps, measured, facts, prices, assumptions, calls, sweep)
    memory = facts.functions[measured[AUTHORISE_TASK].function].memory_mb
    executions = 0.0
    for workflow in (START_SESSION, SETTLE_SESSION):
        seconds = execution_seconds(workflow, workflow.app_tasks, measured, memory, assumptions)
        executions += express_execution_usd(seconds, workflow.memory_mb, prices)
    # The remote start out and its answer in.
    messages = 2 * prices.websocket_message
    platform_usd = sum(platform.usd.values()) + executions + messages
    app = Bill()
    _bill_steps(app, _per_session(driver), measured, facts, prices, assumptions, calls)
    app_usd = sum(app.usd.values()) + sum(n for _, n in _per_session(driver)) * (
        prices.http_api_request
    )
    return {
        "aws_calls_by_service": {k: round(v, 1) for k, v in sorted(calls.items())},
        "aws_calls": round(sum(v for k, v in calls.items() if k != "stripe"), 1),
        "stripe_requests": round(calls["stripe"], 1),
        # StartSyncExecution (StartSession) and SettleSession's execution.
        "stepfunctions_requests": 2,
        "cost_checks": cost_checks_per_app_session(profile),
        "usd_platform": round(platform_usd, 8),
        "usd_app_requests": round(app_usd, 8),
        "usd_total": round(platform_usd + app_usd, 8),
    }
