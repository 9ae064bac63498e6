"""What the deployed stack bills beyond the handlers' own work: the Lambda runtime's CPU per
invocation, the custom metric series the functions really write, and operator commands through
the HTTP API."""

import math
import time
from dataclasses import replace

import pytest

from benchmarks import cost_model as cm
from tests.unit.benchmarks.test_cost_model import HAND, QUIET, measured, quiet_stack

GB_S = 0.0000133334  # Lambda arm


# --- the Lambda runtime's own CPU per invocation ----------------------------------------------


def test_the_runtime_overhead_raises_a_1_ms_invocations_billed_duration():
    action = cm.ActionCost("ws_default", cpu_us=100)
    # 0.1 ms x 1769/256 = 0.69 ms: 1 ms billed without the runtime's work...
    assert cm.lambda_duration_ms(action, 256, cm.Assumptions()) == 1
    # ... and (0.1 + 0.3) ms x 1769/256 = 2.76 ms with it: 3 ms.
    with_runtime = cm.Assumptions(runtime_overhead_us=300)
    assert cm.lambda_duration_ms(action, 256, with_runtime) == 3
    # A whole vCPU does it in 0.4 ms: still the 1 ms minimum.
    assert cm.lambda_duration_ms(action, 1769, with_runtime) == 1
    # A batch's records add theirs: (0.1 + 0.3 + 100 x 0.005) ms x 1769/256 = 6.2 ms.
    batch = replace(with_runtime, runtime_overhead_per_record_us=5)
    assert cm.lambda_duration_ms(action, 256, batch, records=100) == 7


def test_without_runtime_overhead_the_billed_duration_is_the_work_rounded_up():
    actions = (
        cm.ActionCost("ws_default"),
        cm.ActionCost("ws_default", cpu_us=730, calls={"dynamodb:UpdateItem": 2}),
        cm.ActionCost("ws_default", cpu_us=100, extra_wait_ms=12.5),
    )
    zero = cm.Assumptions(runtime_overhead_us=0.0, runtime_overhead_per_record_us=0.0)
    for action in actions:
        expected = max(1, math.ceil(cm.work_ms(action, 256, zero)))
        assert cm.lambda_duration_ms(action, 256, zero) == expected
        assert cm.lambda_duration_ms(action, 256, zero, records=50) == expected
    assert cm.Assumptions().runtime_overhead_us == 0.0  # measured by the benchmark run


def test_the_runtime_overhead_is_billed_per_invocation_on_the_hand_profile():
    actions = measured(**{cm.CONSUMER: cm.ActionCost("telemetry_consumer", events=1)})
    plain = cm.charger_month(HAND, actions, quiet_stack(), cm.Prices(), QUIET)
    runtime = replace(QUIET, runtime_overhead_us=300)
    raised = cm.charger_month(HAND, actions, quiet_stack(), cm.Prices(), runtime)
    # ws_default's 4,710 and energy_rollup's 30 invocations: 1 ms -> 3 ms; the 180 consumer
    # batches (one PutEvents, 15 ms): 15 ms -> ceil(15 + 2.07) = 18 ms. Requests unchanged.
    added_gb_s = ((4710 + 30) * 0.002 + 180 * 0.003) * 0.25
    added = raised["usd_by_service"]["Lambda"] - plain["usd_by_service"]["Lambda"]
    assert added == pytest.approx(added_gb_s * GB_S, abs=2e-8)  # the lines are rounded
    assert raised["volumes"]["lambda_invocations"] == plain["volumes"]["lambda_invocations"]


def test_work_inside_another_invocation_carries_no_runtime_overhead():
    facts = quiet_stack().functions["start_sweep"]
    work = cm.ActionCost("start_sweep", calls={"dynamodb:UpdateItem": 1})
    bills = []
    for assumptions in (QUIET, replace(QUIET, runtime_overhead_us=5000)):
        bill = cm.Bill()
        cm.invoke(bill, work, 10, facts, cm.Prices(), assumptions, invocation=False)
        bills.append(bill.usd["Lambda"])
    assert bills[0] == bills[1] == pytest.approx(10 * 0.005 * 0.25 * GB_S)


def test_the_runtime_overhead_benchmark_returns_positive_figures_quickly():
    from benchmarks import runtime_overhead

    started = time.monotonic()
    figures = runtime_overhead.run(iterations=5)
    assert time.monotonic() - started < 60
    assert figures["websocket_message_us"] > 0
    assert figures["kinesis_batch_1_us"] > 0
    assert figures["kinesis_batch_100_us"] > 0
    assert figures["per_kinesis_record_us"] >= 0


def test_the_runtime_api_hands_out_the_events_lambda_sends():
    from benchmarks import runtime_overhead

    message = runtime_overhead.websocket_message_event()
    assert message["requestContext"]["routeKey"] == "$default"
    assert message["requestContext"]["eventType"] == "MESSAGE"
    assert '"MeterValues"' in message["body"]
    batch = runtime_overhead.kinesis_batch_event(3)
    assert [r["eventSource"] for r in batch["Records"]] == ["aws:kinesis"] * 3


# --- custom metric series as the functions write them -----------------------------------------


def series(name, **dimensions):
    return ("Csms", name, tuple(sorted({**dimensions, "service": "csms"}.items())))


HEARTBEATS = series("OcppMessages", Action="Heartbeat")
METER_VALUES = series("OcppMessages", Action="MeterValues")
STARTED = series("TransactionsStarted")


def metric_line(result):
    return result["usd_by_service"]["Fixed share"] * 10_000


def with_series(**by_step):
    return measured(
        **{
            step: cm.ActionCost("ws_default", metric_series=frozenset(found))
            for step, found in by_step.items()
        }
    )


def test_a_new_series_on_a_profiles_step_adds_a_metric_month():
    assumptions = replace(QUIET, occasional_metric_series=0)
    one = with_series(**{cm.HEARTBEAT: {HEARTBEATS}})
    two = with_series(**{cm.HEARTBEAT: {HEARTBEATS, series("OcppMessages", Action="Other")}})
    fixed_one = cm.charger_month(HAND, one, quiet_stack(), cm.Prices(), assumptions)
    fixed_two = cm.charger_month(HAND, two, quiet_stack(), cm.Prices(), assumptions)
    assert metric_line(fixed_one) == pytest.approx(0.30)
    assert metric_line(fixed_two) - metric_line(fixed_one) == pytest.approx(0.30)


def test_the_series_are_the_union_over_the_profiles_steps():
    assumptions = replace(QUIET, occasional_metric_series=0)
    actions = with_series(
        **{
            cm.HEARTBEAT: {HEARTBEATS},
            cm.METER_VALUES: {METER_VALUES},
            cm.START: {STARTED, series("OcppMessages", Action="StartTransaction")},
            # Written by a step the profile causes too: counted once.
            cm.STOP: {STARTED},
            # HAND's sessions are all card sessions: no app start's reply.
            cm.REMOTE_START_REPLY: {series("OcppMessages", Action="Reply")},
            # Never caused by a profile.
            "ocpp1.6 BootNotification": {series("OcppMessages", Action="BootNotification")},
        }
    )
    steps = cm.profile_steps(HAND, actions, quiet_stack(), assumptions)
    assert cm.HEARTBEAT in steps and cm.REMOTE_START_REPLY not in steps
    emitted = cm.emitted_metric_series(actions, steps)
    assert emitted is not None and len(emitted) == 4
    result = cm.charger_month(HAND, actions, quiet_stack(), cm.Prices(), assumptions)
    assert metric_line(result) == pytest.approx(4 * 0.30)


def test_occasional_series_are_billed_for_their_share_of_the_hours():
    actions = with_series(**{cm.HEARTBEAT: {HEARTBEATS}})
    assumptions = replace(QUIET, occasional_metric_series=20, occasional_metric_hours_share=0.25)
    result = cm.charger_month(HAND, actions, quiet_stack(), cm.Prices(), assumptions)
    assert metric_line(result) == pytest.approx((1 + 20 * 0.25) * 0.30)


def test_without_measured_series_the_flat_count_stays():
    fixed = cm.fixed_monthly(quiet_stack(), cm.Prices(), cm.Assumptions(custom_metrics=40), 1)
    assert fixed["CloudWatch custom metrics (EMF)"] == pytest.approx(12.0)
    unmeasured = measured()
    fixed = cm.fixed_monthly(quiet_stack(), cm.Prices(), cm.Assumptions(), 1, unmeasured)
    assert fixed["CloudWatch custom metrics (EMF)"] == pytest.approx(12.0)


def test_emf_lines_are_read_as_series_with_every_dimension():
    from benchmarks.aws_calls import metric_series

    line = (
        '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"Csms","Dimensions":'
        '[["Action","service"]],"Metrics":[{"Name":"OcppMessages","Unit":"Count"}]}]},'
        '"Action":"Heartbeat","service":"csms","OcppMessages":[1.0]}'
    )
    text = '{"level":"INFO","message":"not a metric"}\n' + line + "\n" + line
    assert metric_series(text) == [
        {
            "namespace": "Csms",
            "metric": "OcppMessages",
            "dimensions": {"Action": "Heartbeat", "service": "csms"},
        }
    ]


@pytest.fixture(scope="module")
def steps():
    from benchmarks import aws_calls

    return aws_calls.run()


def test_the_default_route_step_reports_its_ocpp_messages_series(steps):
    assert {
        "namespace": "Csms",
        "metric": "OcppMessages",
        "dimensions": {"Action": "Heartbeat", "service": "csms"},
    } in steps[cm.HEARTBEAT]["metric_series"]
    actions = cm.measured_actions(steps, {})
    assert HEARTBEATS in (actions[cm.HEARTBEAT].metric_series or ())
    assert STARTED in (actions[cm.START].metric_series or ())


# --- operator commands through the HTTP API ---------------------------------------------------


def test_operator_commands_bill_http_api_requests_and_zero_removes_them():
    actions = measured(**{cm.COMMAND_SEND: cm.ActionCost("operator_api", posts=1)})
    commands = replace(QUIET, operator_commands_per_month=4)
    sent = cm.charger_month(HAND, actions, quiet_stack(), cm.Prices(), commands)
    none = cm.charger_month(HAND, actions, quiet_stack(), cm.Prices(), QUIET)
    assert sent["volumes"]["http_api_requests"] == 4
    assert sent["usd_by_service"]["HTTP API"] == pytest.approx(4 * 1.00e-6)
    assert none["usd_by_service"]["HTTP API"] == 0
    assert "HTTP API" in cm.SERVICES
    # Each command: the operator API's invocation, the post out and the CALLRESULT in.
    assert sent["volumes"]["lambda_invocations"]["operator_api"] == 4
    assert none["volumes"]["lambda_invocations"].get("operator_api", 0) == 0
    assert sent["volumes"]["websocket_messages"] - none["volumes"]["websocket_messages"] == 8
    added_invocations = sum(sent["volumes"]["lambda_invocations"].values()) - sum(
        none["volumes"]["lambda_invocations"].values()
    )
    assert added_invocations == 8  # operator_api and ws_default


def test_the_operator_api_waits_for_the_answer_in_its_request():
    # The engine polls after 20 ms, then 1.5 times longer each time: an answer stored 400 ms
    # after the send is seen by the 7th read (5 ms each), after 415.6 ms of sleep.
    wait = cm.command_wait(400, 5)
    assert wait.polls == 7
    assert wait.sleep_ms == pytest.approx(20 + 30 + 45 + 67.5 + 101.25 + 151.875)
    assert cm.command_wait(0, 5).polls == 1  # answered at once: one read
    send = cm.ActionCost("operator_api", calls={"dynamodb:GetItem": 1}, read_units=1)
    waited = cm.command_send_with_wait(send, cm.Assumptions(command_answer_ms=400))
    assert waited.calls["dynamodb:GetItem"] == 8
    assert waited.read_units == 8
    # 8 reads of 5 ms and the sleeps: the invocation lasts as long as the wait.
    assert cm.lambda_duration_ms(waited, 256, cm.Assumptions()) == math.ceil(40 + wait.sleep_ms)
