"""What the cost levers of the platform saved, one after the other, and what the bill is most
sensitive to.

The ledger starts from today's measurements with every lever undone (the corrected model as
it stood before them: each lever's former behaviour rebuilt from today's measured steps), then
takes the undoing away in the order the levers landed. Its last line is today's total, so the
savings it shows add up to the difference. The sensitivity doubles one driver of the bill at a
time (meter values, reconnects, status messages, sessions, heartbeats) and finds how much of
each alone would double the bill.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import replace

from benchmarks.aws_calls import FIRST_CONNECT_STEP
from benchmarks.cost_levers import Lever, Scenario, meter_values_published, scenario_total
from benchmarks.cost_model import (
    AUTHORIZER,
    CONNECT,
    DISCONNECT,
    ActionCost,
    Assumptions,
    Prices,
    Profile,
)
from benchmarks.stack_facts import StackFacts

# The authorizer's step when it runs scrypt (the first connect after a password change).
SCRYPT_AUTHORIZER = "ws_authorize $connect (first after a password change)"
BEFORE_LEVERS = "Corrected model, before the levers"


def _measured(scenario: Scenario, **steps: ActionCost) -> Scenario:
    p, m, f, a = scenario
    return p, {**m, **steps}, f, a


def _with_calls(action: ActionCost, extra: Mapping[str, int]) -> dict[str, int]:
    calls = dict(action.calls)
    for name, n in extra.items():
        calls[name] = calls.get(name, 0) + n
    return calls


def _live_energy_every_batch(s: Scenario) -> Scenario:
    """Before: the consumer wrote each session's live energy on every batch."""
    return s[0], s[1], replace(s[2], live_energy_write_interval_s=0), s[3]


def _with_record_and_event(action: ActionCost, record_call: str, event_bytes: int) -> ActionCost:
    """A connect or disconnect as before ADR 0028: the connection record's write and an event,
    no Outbox index entry."""
    return replace(
        action,
        calls=_with_calls(action, {record_call: 1, "events:PutEvents": 1}),
        write_units=action.write_units + 1,
        index_write_units=max(0.0, action.index_write_units - 1),
        events=action.events + 1,
        event_bytes=action.event_bytes + event_bytes,
    )


def _connection_events_and_records(s: Scenario) -> Scenario:
    """Before ADR 0028: every reconnect wrote and deleted a connection record and published
    ChargerConnected and ChargerDisconnected; no disconnect waited in the Outbox index."""
    m = s[1]
    event_bytes = m[FIRST_CONNECT_STEP].event_bytes if FIRST_CONNECT_STEP in m else 200
    return _measured(
        s,
        **{
            CONNECT: _with_record_and_event(m[CONNECT], "dynamodb:PutItem", event_bytes),
            DISCONNECT: _with_record_and_event(m[DISCONNECT], "dynamodb:DeleteItem", event_bytes),
        },
    )


def _heartbeat_540(s: Scenario) -> Scenario:
    """Before: a 60 s margin below the idle timeout (540 s)."""
    return replace(s[0], heartbeat_interval_s=540), s[1], s[2], s[3]


def _scrypt_every_reconnect(s: Scenario) -> Scenario:
    """Before ADR 0027: scrypt on every reconnect, the authorizer at 512 MB, no key secret."""
    p, m, f, a = s
    scrypt_cpu = m[SCRYPT_AUTHORIZER].cpu_us if SCRYPT_AUTHORIZER in m else m[AUTHORIZER].cpu_us
    functions = dict(f.functions)
    authorizer = m[AUTHORIZER].function
    functions[authorizer] = replace(functions[authorizer], memory_mb=512)
    return (
        p,
        {**m, AUTHORIZER: replace(m[AUTHORIZER], cpu_us=scrypt_cpu)},
        replace(f, functions=functions, secrets=max(0, f.secrets - 1)),
        a,
    )


# The levers in the order they landed, each with the former behaviour it replaced.
LEDGER: tuple[tuple[str, Lever], ...] = (
    ("MeterValuesReceived only with `publishMeterValues`", meter_values_published),
    ("Live energy written at most every 300 s", _live_energy_every_batch),
    ("No connection events or records for a reconnect (ADR 0028)", _connection_events_and_records),
    ("Heartbeat 570 s (a 30 s margin below the idle timeout)", _heartbeat_540),
    ("A reconnect's admission by HMAC, not scrypt (ADR 0027)", _scrypt_every_reconnect),
)


def lever_ledger(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices | None = None,
    assumptions: Assumptions | None = None,
) -> list[tuple[str, float]]:
    """[(step, $ per charger-month)]: every lever undone, then each lever in turn; the last
    is today's total."""
    now: Scenario = (profile, measured, facts, assumptions or Assumptions())
    steps = [(BEFORE_LEVERS, [undo for _, undo in LEDGER])]
    for i, (name, _) in enumerate(LEDGER):
        steps.append((f"+ {name}", [undo for _, undo in LEDGER[i + 1 :]]))
    rows = []
    for name, undos in steps:
        scenario = now
        for undo in undos:
            scenario = undo(scenario)
        rows.append((name, round(scenario_total(scenario, prices), 8)))
    return rows


Driver = Callable[[Profile, Assumptions, float], tuple[Profile, Assumptions]]


def _scaled(field: str) -> Driver:
    def scale(profile: Profile, assumptions: Assumptions, k: float) -> tuple[Profile, Assumptions]:
        return replace(profile, **{field: getattr(profile, field) * k}), assumptions

    return scale


def _more_often(field: str) -> Driver:
    def scale(profile: Profile, assumptions: Assumptions, k: float) -> tuple[Profile, Assumptions]:
        return replace(profile, **{field: getattr(profile, field) / k}), assumptions

    return scale


def _status_messages(
    profile: Profile, assumptions: Assumptions, k: float
) -> tuple[Profile, Assumptions]:
    """Status messages per session and re-announced after each reconnect (whole messages)."""
    return (
        replace(profile, status_per_session=round(profile.status_per_session * k)),
        replace(assumptions, status_per_reconnect=round(assumptions.status_per_reconnect * k)),
    )


DRIVERS: dict[str, Driver] = {
    "Meter values": _more_often("meter_interval_s"),
    "Reconnects": _scaled("reconnects_per_month"),
    "Status messages": _status_messages,
    "Sessions": _scaled("sessions_per_day"),
    "Heartbeats": _more_often("heartbeat_interval_s"),
}


def sensitivity(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices | None = None,
    assumptions: Assumptions | None = None,
) -> dict[str, dict[str, float | None]]:
    """Per driver of the bill: the total with twice as much of it, and how many times as
    much of it alone doubles the bill (None: not even 100 times)."""
    assumptions = assumptions or Assumptions()

    def total_at(driver: Driver, k: float) -> float:
        p, a = driver(profile, assumptions, k)
        return scenario_total((p, measured, facts, a), prices)

    base = scenario_total((profile, measured, facts, assumptions), prices)
    result: dict[str, dict[str, float | None]] = {}
    for name, driver in DRIVERS.items():
        at: Callable[[float], float] = functools.partial(total_at, driver)
        result[name] = {
            "doubled_usd": round(at(2.0), 8),
            "doubles_bill_at": _doubling_factor(at, base),
        }
    return result


def _doubling_factor(total_at: Callable[[float], float], base: float) -> float | None:
    """The k in [1, 100] at which total_at(k) reaches twice the base (bisection; None if the
    bill stays below even at 100 times)."""
    low, high = 1.0, 100.0
    if total_at(high) < 2 * base:
        return None
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if total_at(mid) < 2 * base else (low, mid)
    return round(high, 2)
