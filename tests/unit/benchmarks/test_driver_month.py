"""The per-driver-month line and the app session's figures, on hand-sized measured steps."""

import pytest

from benchmarks import app_session, stack_facts
from benchmarks import cost_model as cm
from benchmarks import driver_month as dm
from tests.unit.benchmarks.test_cost_model import (
    DRIVER_STEPS,
    WF,
    WF_STEPS,
    measured,
    quiet_stack,
)

ONE_READ = {"dynamodb:GetItem": 1}


def steps(**overrides):
    return measured(
        **WF_STEPS,
        **{
            step: cm.ActionCost("driver_api", calls=ONE_READ, read_units=0.5)
            for step in DRIVER_STEPS
        },
        **overrides,
    )


def test_a_driver_month_is_one_mau_at_the_pools_plan_and_the_apps_requests():
    driver = dm.DriverProfile(
        app_sessions=2, start_polls=1, watch_polls=3, app_stop_share=0.5, receipts=1,
        nearby_searches=4, location_pages=2, history_views=1,
    )  # fmt: skip
    result = dm.driver_month(steps(), quiet_stack(), cm.Prices(), cm.Assumptions(), driver)
    # 4 + 2 + 1 a month; per session 1 start + 1 + 3 polls + 0.5 stop + 1 receipt = 6.5.
    assert result["http_requests"] == 7 + 2 * 6.5
    usd = result["usd_by_item"]
    assert usd["Cognito (Lite, one MAU)"] == 0.0055
    assert usd["API Gateway HTTP API"] == pytest.approx(20 * 1e-6)
    # One stop from the app: its command out to the charger and the answer back.
    assert usd["API Gateway WebSocket (the app's stops)"] == pytest.approx(2 * 1e-6)
    assert usd["DynamoDB"] == pytest.approx(20 * 0.5 * 0.125e-6, abs=1e-10)
    essentials = dm.driver_month(
        steps(), quiet_stack(user_pool_tier="ESSENTIALS"), cm.Prices(), cm.Assumptions(), driver
    )
    assert essentials["usd_by_item"]["Cognito (Essentials, one MAU)"] == 0.015


def test_the_driver_apis_start_waits_for_start_session():
    # StartSession: a 400 ms hold and a 5 ms send, 40 ms a state: the start's invocation
    # lasts its own 5 ms read plus 485 ms.
    waiting = dm.with_start_session(steps(), quiet_stack(), cm.Assumptions())
    start = waiting[app_session.START]
    assert cm.lambda_duration_ms(start, 256, cm.Assumptions()) == 5 + 485


def test_an_app_session_counts_its_calls_and_its_two_express_requests():
    result = dm.app_session_cost(WF, steps(), quiet_stack(), cm.Prices(), cm.Assumptions())
    assert result["stepfunctions_requests"] == 2
    assert result["cost_checks"] == 0
    # The hold and the capture (the start's profile lookup is none here).
    assert result["stripe_requests"] == 2
    # send_start's and the claim's UpdateItem, the app's reads (1 + 2 + 20 + 0.5 + 1).
    assert result["aws_calls_by_service"]["dynamodb"] == pytest.approx(2 + 24.5)
    assert result["usd_total"] == pytest.approx(
        result["usd_platform"] + result["usd_app_requests"], abs=2e-8
    )


def test_the_user_pool_plan_comes_from_the_template():
    pool = {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolTier": "LITE"}}
    assert stack_facts.from_template({"Resources": {"Pool": pool}}, "t").user_pool_tier == "LITE"
    default = {"Type": "AWS::Cognito::UserPool", "Properties": {}}
    facts = stack_facts.from_template({"Resources": {"Pool": default}}, "t")
    assert facts.user_pool_tier == "ESSENTIALS"  # Cognito's plan when none is named
