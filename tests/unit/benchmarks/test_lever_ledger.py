"""The lever ledger adds up to today's total, each lever's former behaviour costs what it
did, and the sensitivity finds what doubles the bill."""

import itertools
from dataclasses import replace

import pytest

from benchmarks import cost_model as cm
from benchmarks.aws_calls import FIRST_CONNECT_STEP, PUBLISHING_CONSUMER
from benchmarks.lever_ledger import (
    BEFORE_LEVERS,
    LEDGER,
    SCRYPT_AUTHORIZER,
    lever_ledger,
    sensitivity,
)
from tests.unit.benchmarks.test_cost_model import QUIET, measured, quiet_stack

PROFILE = cm.Profile("ac", sessions_per_day=2, session_minutes=120, meter_interval_s=60)


def steps():
    return measured(
        **{
            cm.HEARTBEAT: cm.ActionCost("ws_default", cpu_us=20),
            cm.METER_VALUES: cm.ActionCost("ws_default", kinesis_units=1),
            cm.CONSUMER: cm.ActionCost("telemetry_consumer", write_units=1),
            PUBLISHING_CONSUMER: cm.ActionCost(
                "telemetry_consumer", write_units=1, events=1, calls={"events:PutEvents": 1}
            ),
            cm.CONNECT: cm.ActionCost(
                "ws_connect", calls={"dynamodb:UpdateItem": 1}, write_units=1, index_write_units=1
            ),
            cm.DISCONNECT: cm.ActionCost(
                "ws_disconnect",
                calls={"dynamodb:UpdateItem": 1},
                write_units=1,
                index_write_units=1,
            ),
            FIRST_CONNECT_STEP: cm.ActionCost("ws_connect", events=1, event_bytes=200),
            cm.AUTHORIZER: cm.ActionCost("ws_authorize", calls={"dynamodb:GetItem": 1}, cpu_us=20),
            SCRYPT_AUTHORIZER: cm.ActionCost("ws_authorize", cpu_us=40_000),
        }
    )


def total(profile=PROFILE, actions=None, facts=None, assumptions=QUIET):
    facts = facts or quiet_stack(live_energy_write_interval_s=300, secrets=1)
    result = cm.charger_month(profile, actions or steps(), facts, cm.Prices(), assumptions)
    return result["usd_total"]


def test_the_ledger_ends_at_todays_total_and_every_lever_saved_something():
    facts = quiet_stack(live_energy_write_interval_s=300, secrets=1)
    rows = lever_ledger(PROFILE, steps(), facts, cm.Prices(), QUIET)
    assert [name for name, _ in rows] == [BEFORE_LEVERS, *(f"+ {n}" for n, _ in LEDGER)]
    assert rows[-1][1] == pytest.approx(total())
    savings = [before - after for (_, before), (_, after) in itertools.pairwise(rows)]
    assert all(saved > 0 for saved in savings), rows


def test_each_former_behaviour_costs_what_it_did():
    facts = quiet_stack(live_energy_write_interval_s=300, secrets=1)
    rows = dict(lever_ledger(PROFILE, steps(), facts, cm.Prices(), QUIET))
    names = [f"+ {n}" for n, _ in LEDGER]
    # The heartbeat lever alone: 540 s instead of 570 s, nothing else.
    heartbeat = names.index("+ Heartbeat 570 s (a 30 s margin below the idle timeout)")
    before, after = rows[names[heartbeat - 1]], rows[names[heartbeat]]
    p540 = replace(PROFILE, heartbeat_interval_s=540)
    p570 = replace(PROFILE, heartbeat_interval_s=570)
    assert before - after == pytest.approx(total(p540) - total(p570), abs=2e-8)
    # Connection events: 720 events a month at $1 per million, among other things.
    connection = names.index("+ No connection events or records for a reconnect (ADR 0028)")
    saved = rows[names[connection - 1]] - rows[names[connection]]
    assert saved > 720 * cm.Prices().eventbridge_event


def test_the_secret_of_the_admission_key_is_a_fixed_cost():
    fixed = cm.fixed_monthly(quiet_stack(secrets=1), cm.Prices(), QUIET, 1)
    assert fixed["Secrets Manager secrets"] == pytest.approx(0.40)
    with_stripe = cm.fixed_monthly(
        quiet_stack(secrets=1), cm.Prices(), replace(QUIET, operator_secrets=1), 1
    )
    assert with_stripe["Secrets Manager secrets"] == pytest.approx(0.80)


def test_sensitivity_doubles_each_driver_and_finds_what_doubles_the_bill():
    facts = quiet_stack(live_energy_write_interval_s=300, secrets=1)
    result = sensitivity(PROFILE, steps(), facts, cm.Prices(), QUIET)
    base = total()
    drivers = {"Meter values", "Reconnects", "Status messages", "Sessions", "Heartbeats"}
    assert set(result) == drivers
    twice_meter = replace(PROFILE, meter_interval_s=30)
    assert result["Meter values"]["doubled_usd"] == pytest.approx(total(twice_meter))
    assert all(r["doubled_usd"] > base for r in result.values())
    k = result["Meter values"]["doubles_bill_at"]
    assert k is not None
    assert total(replace(PROFILE, meter_interval_s=60 / k)) == pytest.approx(2 * base, rel=1e-3)
