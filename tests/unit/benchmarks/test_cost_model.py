"""The cost model's arithmetic on a profile small enough to work out by hand."""

from dataclasses import replace

import pytest

from benchmarks import app_session, cost_levers, costs
from benchmarks import cost_model as cm
from benchmarks.stack_facts import FunctionFacts, StackFacts, access_log_line_bytes

FUNCTIONS = (
    "ws_authorize",
    "ws_connect",
    "ws_default",
    "ws_disconnect",
    "operator_api",
    "telemetry_consumer",
    "energy_rollup",
    "session_workflow",
    "start_sweep",
    "driver_api",
)


def quiet_stack(**changes):
    """No platform logs, tracing, access log or fixed extras: only what the test sets."""
    facts = StackFacts(
        source="test",
        functions={
            name: FunctionFacts(256, platform_logs=False, tracing=False) for name in FUNCTIONS
        },
        alarms=0,
        alarm_metrics=0,
        dashboards=0,
        kms_keys=0,
        secrets=0,
        kinesis_shards=1,
        access_log_line_bytes=None,
        log_retention_days=30,
        consumer_batch_size=1,
        consumer_window_s=5.0,
        live_energy_write_interval_s=0,
    )
    return StackFacts(**{**facts.__dict__, **changes})


def measured(**overrides):
    functions = {
        cm.REMOTE_START_SEND: "operator_api",
        cm.COMMAND_SEND: "operator_api",
        cm.AUTHORIZER: "ws_authorize",
        cm.CONNECT: "ws_connect",
        cm.DISCONNECT: "ws_disconnect",
        cm.ROLLUP: "energy_rollup",
        cm.CONSUMER: "telemetry_consumer",
        **dict.fromkeys(WORKFLOW_STEPS, "session_workflow"),
        **dict.fromkeys(SWEEP_STEPS, "start_sweep"),
        **dict.fromkeys(DRIVER_STEPS, "driver_api"),
    }
    steps = [
        cm.HEARTBEAT, cm.STATUS, cm.STATUS_UNCHANGED, cm.AUTHORIZE, cm.START, cm.METER_VALUES,
        cm.STOP, cm.REMOTE_START_SEND, cm.REMOTE_START_REPLY, cm.AUTHORIZER, cm.CONNECT,
        cm.DISCONNECT, cm.ROLLUP, cm.CONSUMER, *WORKFLOW_STEPS, *SWEEP_STEPS, *DRIVER_STEPS,
        app_session.START_REPLY, app_session.STOP_REPLY, cm.COMMAND_SEND, cm.COMMAND_REPLY,
    ]  # fmt: skip
    actions = {name: cm.ActionCost(functions.get(name, "ws_default")) for name in steps}
    actions.update(overrides)
    return actions


WORKFLOW_STEPS = (
    cm.AUTHORISE_TASK, cm.SEND_START_TASK, cm.START_COMPLETED, cm.SETTLE_APP_TASK,
    cm.SETTLE_CARD_TASK,
)  # fmt: skip
SWEEP_STEPS = (cm.SWEEP_CLAIM, cm.SWEEP_COST_CHECK, cm.SWEEP_EMPTY)
DRIVER_STEPS = (
    app_session.START, app_session.START_STATUS, app_session.WATCH, app_session.APP_STOP,
    app_session.RECEIPT, app_session.NEARBY, app_session.LOCATION_PAGE, app_session.HISTORY,
)  # fmt: skip


# 1 session a day of 60 min with meter values every 10 min, heartbeats every 10 min, RFID only,
# no reconnects: 4,320 heartbeats, 120 status, 30 Authorize/Start/Stop, 180 meter values.
HAND = cm.Profile(
    "hand",
    sessions_per_day=1,
    session_minutes=60,
    meter_interval_s=600,
    app_share=0.0,
    heartbeat_interval_s=600,
    reconnects_per_month=0,
)


# No fixed extras, session workflow nor operator commands: they have tests of their own.
QUIET = cm.Assumptions(
    custom_metrics=0,
    eventbridge_archive=False,
    session_workflows=(),
    outbox_relay=False,
    operator_commands_per_month=0,
    operator_secrets=0,
)


def hand_result():
    actions = measured(
        **{
            cm.HEARTBEAT: cm.ActionCost("ws_default", log_bytes=100, log_lines=1),
            cm.STATUS: cm.ActionCost("ws_default", events=1),
            cm.START: cm.ActionCost("ws_default", write_units=2, index_write_units=1),
            cm.METER_VALUES: cm.ActionCost("ws_default", kinesis_units=1),
            cm.CONSUMER: cm.ActionCost("telemetry_consumer", write_units=1, events=1),
        }
    )
    return cm.charger_month(HAND, actions, quiet_stack(), cm.Prices(), QUIET)


def test_api_gateway_bills_both_directions_and_every_connected_minute():
    # (4,320 + 120 + 3 x 30 + 180) CALLs, each a frame in and a route response out.
    messages = 2 * (4320 + 120 + 30 + 30 + 30 + 180)
    assert hand_result()["volumes"]["websocket_messages"] == messages
    assert hand_result()["usd_by_service"]["API Gateway"] == pytest.approx(
        messages * 1e-6 + 43_200 * 0.25e-6, abs=1e-6
    )


def test_lambda_bills_requests_and_gb_seconds_rounded_up_to_the_millisecond():
    # ws_default 4,710 and energy_rollup 30 invocations of 1 ms; 180 consumer batches of one
    # record: one UpdateItem (5 ms) and one PutEvents (15 ms), 256 MB each.
    requests = 4710 + 30 + 180
    gb_s = (4710 + 30) * 0.001 * 0.25 + 180 * 0.020 * 0.25
    assert hand_result()["usd_by_service"]["Lambda"] == pytest.approx(
        requests * 0.2e-6 + gb_s * 0.0000133334, abs=1e-7
    )


def test_dynamodb_bills_request_units_and_the_sessions_kept_for_a_year():
    # 30 starts x (2 + 1 index) WRU, 180 consumer updates x 1 WRU; storage: 30 sessions x
    # 2 copies x (1,024 + 100) B + 30 days x (128 + 100) B a month, kept 12 months.
    writes = 30 * 3 + 180
    stored = 12 * (30 * 2 * 1124 + 30 * 228)
    expected = writes * 0.625e-6 + stored / 1e9 * (0.25 + 0.20)
    assert hand_result()["usd_by_service"]["DynamoDB"] == pytest.approx(expected, abs=1e-7)


def test_the_other_services_of_the_hand_profile():
    usd = hand_result()["usd_by_service"]
    assert usd["EventBridge"] == pytest.approx((120 + 180) * 1e-6, abs=1e-8)
    assert usd["Kinesis"] == pytest.approx(180 * 0.014e-6 + 720 * 0.015 / 10_000, abs=1e-8)
    # 4,320 heartbeats x (100 bytes + 26 bytes of event overhead), ingested and kept a month.
    assert usd["CloudWatch Logs"] == pytest.approx(4320 * 126 / 1e9 * 0.53, abs=1e-8)
    assert usd["Step Functions"] == 0
    assert usd["X-Ray"] == 0
    assert usd["Fixed share"] == 0


def test_the_reference_profiles_have_the_api_gateway_floor_of_the_brief():
    floors = {
        p.name: cm.charger_month(p, measured(), quiet_stack())["api_gateway_floor_usd"]
        for p in cm.PROFILES
    }
    assert floors["AC public"] == pytest.approx(0.036, abs=0.0005)
    assert floors["DC fast"] == pytest.approx(0.052, abs=0.0005)


def test_reference_traffic_counts():
    ac = {u.action: u.count for u in cm.monthly_usage(cm.PROFILES[0], cm.Assumptions())}
    assert ac[cm.HEARTBEAT] == pytest.approx(30 * 86400 / 570)  # 30 days / 570 s
    assert ac[cm.METER_VALUES] == 60 * 120
    assert ac[cm.STATUS] == 60 * 4
    assert ac[cm.STATUS_UNCHANGED] == 360  # one per reconnect, every 2 hours
    assert ac[cm.AUTHORIZE] == ac[cm.REMOTE_START_REPLY] == 30
    assert ac[cm.CONNECT] == 360


# 60 sessions a month, 30 from the app: 30 StartSession and 60 SettleSession executions.
WF = cm.Profile("wf", sessions_per_day=2, session_minutes=10, meter_interval_s=60)
GB_S = 0.0000133334  # Lambda arm
# Measured steps of a hand-sized app session (256 MB functions; a Stripe call is 400 ms).
WF_STEPS = {
    cm.AUTHORISE_TASK: cm.ActionCost("session_workflow", calls={"stripe:authorise": 1}),
    cm.SEND_START_TASK: cm.ActionCost(
        "session_workflow", calls={"dynamodb:UpdateItem": 1}, write_units=1, posts=1
    ),
    cm.SETTLE_APP_TASK: cm.ActionCost("session_workflow", calls={"stripe:capture": 1}),
    cm.SETTLE_CARD_TASK: cm.ActionCost(
        "session_workflow", calls={"dynamodb:GetItem": 1}, read_units=0.5
    ),
    cm.SWEEP_CLAIM: cm.ActionCost(
        "start_sweep", calls={"dynamodb:UpdateItem": 1}, write_units=1, index_write_units=2
    ),
}


def express(seconds: float) -> float:
    return 1e-6 + seconds * (64 / 1024) * 0.00001667


def test_the_session_workflows_bill_their_measured_tasks_and_express_executions():
    result = cm.charger_month(WF, measured(**WF_STEPS), quiet_stack())
    without = cm.charger_month(
        WF,
        measured(**WF_STEPS),
        quiet_stack(),
        assumptions=cm.Assumptions(session_workflows=()),
    )
    assert result["volumes"]["workflow_executions"] == 90
    assert result["volumes"]["workflow_transitions"] == 0
    # StartSession: 400 + 5 ms of tasks + 40 ms a state -> 0.5 s; SettleSession of an app
    # session 440 ms -> 0.5 s, of a card session 1 ms + 40 ms -> 0.1 s.
    assert result["usd_by_service"]["Step Functions"] == pytest.approx(
        30 * express(0.5) + 30 * express(0.5) + 30 * express(0.1), abs=1e-8
    )
    # authorise, send_start, the CommandCompleted look and settle per app session; settle
    # per card session.
    assert result["volumes"]["lambda_invocations"]["session_workflow"] == 30 * 4 + 30
    task_ms = 30 * (400 + 5 + 1 + 400) + 30 * 5
    # The sweep's claim runs inside its scheduled run: 5 ms a claim, no request of its own.
    # A 10-minute session on 22 kW is done before its first cost check.
    assert cm.cost_checks_per_app_session(WF) == 0
    sweep_ms = 30 * 5
    lambda_extra = result["usd_by_service"]["Lambda"] - without["usd_by_service"]["Lambda"]
    assert lambda_extra == pytest.approx(
        150 * 0.2e-6 + (task_ms + sweep_ms) / 1000 * 0.25 * GB_S, abs=1e-8
    )
    dynamodb_extra = result["usd_by_service"]["DynamoDB"] - without["usd_by_service"]["DynamoDB"]
    assert dynamodb_extra == pytest.approx(
        (30 * 1 + 30 * 3) * 0.625e-6 + 30 * 0.5 * 0.125e-6, abs=1e-8
    )
    # The remote start's post to the charger is an API Gateway message.
    messages = result["volumes"]["websocket_messages"] - without["volumes"]["websocket_messages"]
    assert messages == 30


def test_the_sweep_of_an_empty_index_is_a_fixed_cost_from_its_measured_run():
    empty = cm.ActionCost("start_sweep", calls={"dynamodb:Query": 1}, read_units=0.5)
    sweep = cm.start_request_sweep_monthly(cm.Prices(), cm.Assumptions(), empty)
    # 43,200 runs a month of 5 ms at 256 MB, each reading 0.5 RRU.
    assert sweep == pytest.approx(43_200 * (0.2e-6 + 0.005 * 0.25 * GB_S + 0.5 * 0.125e-6))
    assert cm.start_request_sweep_monthly(cm.Prices(), cm.Assumptions(session_workflows=())) == 0


def test_cost_checks_follow_the_power_and_the_session_length():
    # AC: 0.40/kWh and 0.50 on 22 kW reach a 50.00 hold in ~4.7 h: a 2-hour session is
    # never priced again after its claim. DC: 0.60/kWh on 150 kW in ~28 min: a 40-minute
    # session at 50 kW is priced once more (at ~32 min) and ends before the next look.
    ac, dc, _ = cm.PROFILES
    assert cm.cost_checks_per_app_session(ac) == 0
    assert cm.cost_checks_per_app_session(dc) == 1
    long_dc = cm.Profile("long", 1, session_minutes=240, meter_interval_s=60, **cm.DC_SITE)
    assert cm.cost_checks_per_app_session(long_dc) > 10  # every 5 min once near the hold


def test_express_bills_whole_100_ms_and_64_mb_steps():
    assert cm.express_execution_usd(1.01, 65, cm.Prices()) == pytest.approx(
        1e-6 + 1.1 * (128 / 1024) * 0.00001667
    )


def test_the_rejected_standard_workflow_shows_what_it_would_add():
    standard = cm.Assumptions(standard_session_workflow=True)
    result = cm.charger_month(WF, measured(**WF_STEPS), quiet_stack(), assumptions=standard)
    # 30 app sessions x 10 transitions; the 30 card sessions still settle with Express.
    assert result["volumes"]["workflow_transitions"] == 300
    assert result["volumes"]["workflow_executions"] == 30
    assert result["usd_by_service"]["Step Functions"] == pytest.approx(
        300 * 0.025 / 1000 + 30 * express(0.1), abs=1e-8
    )
    name = "Standard session workflow of 10 transitions per app session (rejected, ADR 0011)"
    extra = cost_levers.alternative_costs(WF, measured(**WF_STEPS), quiet_stack())[name]
    # Minus the 60 Express executions of the app sessions, plus the reply's SendTaskSuccess
    # (10 ms at 256 MB instead of the 1 ms minimum, on each of the 30 replies).
    assert extra == pytest.approx(
        300 * 0.025 / 1000 - 60 * express(0.5) + 30 * 0.009 * 0.25 * GB_S, abs=1e-8
    )


def test_billed_duration_uses_the_memory_share_of_a_vcpu_and_the_call_latency():
    action = cm.ActionCost("ws_default", calls={"dynamodb:GetItem": 1}, cpu_us=100)
    # 0.1 ms x 1769/256 = 0.69 ms of CPU + 5 ms DynamoDB, rounded up.
    assert cm.lambda_duration_ms(action, 256, cm.Assumptions()) == 6
    assert cm.lambda_duration_ms(cm.ActionCost("ws_default"), 256, cm.Assumptions()) == 1


def test_the_consumer_writes_once_per_session_per_batch():
    facts = quiet_stack(consumer_batch_size=10_000, consumer_window_s=300.0)
    # Small records (100 bytes: the payload cap is ~11,000) leave the batch to size and window.
    shape = cm.consumer_shape(cm.PROFILES[0], cm.Assumptions(), facts, 100)
    # 10,000 AC chargers: 27.8 meter values/s; a 300 s batch holds 5 per session.
    assert shape.records_per_s == pytest.approx(10_000 * 7200 / cm.MONTH_S)
    assert shape.updates_per_record == pytest.approx(60 / 300)


def test_lambdas_payload_limit_caps_the_consumers_batch_from_the_events_shape():
    import base64
    import json

    from benchmarks.aws_calls import DEPLOYED_STREAM
    from local.delivery.event_shapes import kinesis_record

    # A 375-byte meter-values record is ~1.1 KB in Lambda's event: ~5,650 records in 6 MB,
    # not the 10,000 the event source mapping asks for.
    cap = cm.consumer_batch_cap(375)
    record = {"SequenceNumber": "4" * 56, "ApproximateArrivalTimestamp": 1796576931.455,
              "Data": b"x" * 375, "PartitionKey": "CP-000123"}  # fmt: skip
    entry = json.dumps(kinesis_record(record, DEPLOYED_STREAM), separators=(",", ":"))
    assert len(base64.b64encode(b"x" * 375)) == 500 and 1_050 < len(entry) < 1_150
    assert cap == (6 * 1024 * 1024 - 14) // (len(entry) + 1)
    assert 5_400 < cap < 5_800
    assert cm.consumer_batch_cap(750) < cap  # larger records, fewer of them
    facts = quiet_stack(consumer_batch_size=10_000, consumer_window_s=300.0)
    stress = cm.consumer_shape(cm.PROFILES[2], cm.Assumptions(), facts, 375)
    # DC stress: 10,000 chargers x 8 x 180 meter values a day: 167 a second, 50,000 in 300 s.
    assert stress.records_per_batch == cap
    # A session's records in a batch: those of the ~34 s it spans (one each 15 s).
    assert stress.updates_per_record == pytest.approx(15 / (cap / stress.records_per_s))


def test_each_lever_only_lowers_the_bill():
    stack = quiet_stack(
        functions={name: FunctionFacts(256) for name in FUNCTIONS}, access_log_line_bytes=300
    )
    savings = cost_levers.lever_savings(cm.PROFILES[1], measured(), stack)
    assert all(saving >= 0 for saving in savings.values())
    assert savings["X-Ray active tracing off"] > 0
    assert savings[cost_levers.ALL_PLATFORM_LEVERS] >= max(
        savings[name] for name in cost_levers.PLATFORM_LEVERS
    )


def test_access_log_lines_are_sized_from_the_stage_format():
    line = '{"requestId":"$context.requestId","status":"$context.status"}'
    assert access_log_line_bytes(line) == len('{"requestId":"Kx2fAGlIoAMFfXw=","status":"200"}')


def test_without_a_template_the_access_log_follows_cdk_json(tmp_path, monkeypatch):
    from benchmarks import stack_facts

    off, on = tmp_path / "off.json", tmp_path / "on.json"
    off.write_text('{"context": {"websocketAccessLog": false}}')
    on.write_text('{"context": {"websocketAccessLog": "true"}}')
    assert stack_facts.websocket_access_log_configured(off) is False
    assert stack_facts.websocket_access_log_configured(on) is True
    assert stack_facts.websocket_access_log_configured(tmp_path / "missing.json") is False
    # The repository's cdk.json: off, so the model prices no access log line.
    assert stack_facts.from_catalog().access_log_line_bytes is None
    monkeypatch.setattr(stack_facts, "websocket_access_log_configured", lambda: True)
    assert stack_facts.from_catalog().access_log_line_bytes == (
        stack_facts.WEBSOCKET_ACCESS_LOG_LINE_BYTES
    )


def test_a_template_without_an_access_log_prices_no_access_log_line():
    from benchmarks import stack_facts

    stage = {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"StageName": "prod"}}
    facts = stack_facts.from_template({"Resources": {"Stage": stage}}, "test")
    assert facts.access_log_line_bytes is None
    logged = {
        **stage,
        "Properties": {
            "StageName": "prod",
            "AccessLogSettings": {"Format": '{"eventType":"$context.eventType"}'},
        },
    }
    facts = stack_facts.from_template({"Resources": {"Stage": logged}}, "test")
    assert facts.access_log_line_bytes == len('{"eventType":"MESSAGE"}')
    no_workflow = cm.Assumptions(session_workflows=())
    usd = cm.charger_month(cm.PROFILES[0], measured(), facts, assumptions=no_workflow)
    quiet = cm.charger_month(cm.PROFILES[0], measured(), quiet_stack(), assumptions=no_workflow)
    assert usd["usd_by_service"]["CloudWatch Logs"] > 0
    assert quiet["usd_by_service"]["CloudWatch Logs"] == 0


def test_an_opt_in_that_is_off_shows_what_it_would_add():
    extra = cost_levers.alternative_costs(cm.PROFILES[1], measured(), quiet_stack())
    name = "WebSocket stage access log on (context websocketAccessLog)"
    # Every routed request of the month would write one line (+ 26 bytes of event overhead),
    # ingested and kept for the 30-day retention.
    routed = sum(u.count for u in cm.monthly_usage(cm.PROFILES[1], cm.Assumptions()) if u.routed)
    assert extra[name] == pytest.approx(routed * (336 + 26) / 1e9 * 0.53, abs=1e-8)
    logged = quiet_stack(access_log_line_bytes=336)
    assert cost_levers.alternative_costs(cm.PROFILES[1], measured(), logged)[name] == 0


def test_re_announced_statuses_publish_nothing_and_take_the_status_cpu():
    rows = {
        cm.STATUS: {"function": "ws_default", "events": 1},
        cm.STATUS_UNCHANGED: {"function": "ws_default", "events": 0},
    }
    actions = cm.measured_actions(rows, {cm.STATUS: 21.5})
    assert actions[cm.STATUS_UNCHANGED].cpu_us == 21.5
    profile = cm.Profile("idle", sessions_per_day=0, session_minutes=0, meter_interval_s=60)
    everything = measured(**actions)
    no_commands = cm.Assumptions(operator_commands_per_month=0)
    result = cm.charger_month(profile, everything, quiet_stack(), cm.Prices(), no_commands)
    # No sessions: the 360 re-announced statuses are billed as messages, not as events.
    assert result["volumes"]["eventbridge_events"] == 0
    heartbeats = 30 * 86400 / profile.heartbeat_interval_s
    assert result["volumes"]["websocket_messages"] == round(2 * (heartbeats + 360))


def test_the_cost_section_prices_each_profile_with_its_levers_and_alternatives():
    rows = {name: {"function": action.function} for name, action in measured().items()}
    section = costs.run(rows, {}, quiet_stack(), profiles=(WF,))
    (profile,) = section["profiles"].values()
    expected = cm.charger_month(WF, measured(), quiet_stack())
    assert profile["usd_total"] == expected["usd_total"]
    assert profile["lever_savings_usd"] == cost_levers.lever_savings(WF, measured(), quiet_stack())
    assert profile["alternative_costs_usd"] == cost_levers.alternative_costs(
        WF, measured(), quiet_stack()
    )
    assert section["fixed_monthly_total_usd"] == round(
        sum(section["fixed_monthly_usd"].values()), 2
    )


def test_meter_values_received_is_billed_only_when_the_stack_publishes_it():
    from benchmarks.aws_calls import PUBLISHING_CONSUMER

    quiet = cm.ActionCost("telemetry_consumer", calls={"dynamodb:UpdateItem": 1}, write_units=1)
    publishing = cm.ActionCost(
        "telemetry_consumer",
        calls={"dynamodb:UpdateItem": 1, "events:PutEvents": 1},
        write_units=1,
        events=1,
        event_bytes=300,
    )
    steps = measured(**{cm.CONSUMER: quiet, PUBLISHING_CONSUMER: publishing})
    facts = quiet_stack(consumer_batch_size=10_000, consumer_window_s=300.0)
    base = cm.charger_month(HAND, steps, facts)
    name = "MeterValuesReceived on the bus (context publishMeterValues)"
    extra = cost_levers.alternative_costs(HAND, steps, facts)[name]
    published = cm.charger_month(HAND, {**steps, cm.CONSUMER: publishing}, facts)
    # HAND's 180 meter values a month, each session's in one batch: one summary per session.
    summaries = 180 * published["volumes"]["consumer_updates_per_record"]
    assert base["volumes"]["eventbridge_events"] == 0
    assert published["volumes"]["eventbridge_events"] == pytest.approx(summaries)
    assert extra == pytest.approx(published["usd_total"] - base["usd_total"], abs=1e-8)
    assert extra > summaries * 1e-6  # the events, their archive and the PutEvents' time


def test_billed_duration_includes_the_sdks_cpu_per_call_at_the_memory_share():
    sdk = {"dynamodb:GetItem": 300.0, "dynamodb:Query": 500.0}
    assumptions = cm.Assumptions(sdk_cpu_us=sdk)
    reads = cm.ActionCost("ws_default", calls={"dynamodb:GetItem": 2})
    # 2 x 0.3 ms of SDK CPU x 1769/256 = 4.15 ms + 2 x 5 ms of DynamoDB, rounded up.
    assert cm.lambda_duration_ms(reads, 256, assumptions) == 15
    assert cm.lambda_duration_ms(reads, 256, cm.Assumptions()) == 10  # without the SDK
    # At a whole vCPU it is not scaled; an operation not measured takes the mean (400 µs);
    # the payment provider's requests are no AWS SDK calls.
    assert cm.lambda_duration_ms(reads, 1769, assumptions) == 11
    other = cm.ActionCost("ws_default", calls={"events:PutEvents": 1, "stripe:capture": 1})
    assert cm.sdk_cpu_us(other, assumptions) == 400.0


def test_the_sdk_cpu_benchmark_measures_every_call_it_names():
    from benchmarks import sdk_cpu

    measured = sdk_cpu.run(iterations=5)
    assert set(measured) == set(sdk_cpu.CALLS)
    assert all(us > 0 for us in measured.values())


def test_alarms_are_billed_per_metric_they_read():
    from benchmarks import stack_facts

    plain = {"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "Errors"}}
    math = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Metrics": [
                {"Id": "reads", "MetricStat": {"Metric": {"MetricName": "ReadThrottleEvents"}}},
                {"Id": "writes", "MetricStat": {"Metric": {"MetricName": "WriteThrottleEvents"}}},
                {"Id": "both", "Expression": "FILL(reads, 0) + FILL(writes, 0)"},
            ]
        },
    }
    facts = stack_facts.from_template({"Resources": {"A": plain, "B": math}}, "t")
    assert (facts.alarms, facts.alarm_metrics) == (2, 3)
    fixed = cm.fixed_monthly(facts, cm.Prices(), cm.Assumptions(), 1)
    assert fixed["CloudWatch alarms (per metric read)"] == pytest.approx(0.30)
    # One alarm more in the stack: one metric more on the bill.
    more = stack_facts.from_template({"Resources": {"A": plain, "B": math, "C": plain}}, "t")
    more_fixed = cm.fixed_monthly(more, cm.Prices(), cm.Assumptions(), 1)
    assert more_fixed["CloudWatch alarms (per metric read)"] == pytest.approx(0.40)


def test_the_charger_edge_bills_each_upgrade_and_every_frame_both_ways():
    quiet = cm.Assumptions(
        custom_metrics=0, session_workflows=(), outbox_relay=False, operator_commands_per_month=0
    )
    sized = cm.ActionCost("ws_default", frame_in_bytes=100, frame_out_bytes=50)
    plain = cm.charger_month(HAND, measured(), quiet_stack(), cm.Prices(), quiet)
    framed = cm.charger_month(
        HAND, measured(**{cm.HEARTBEAT: sized}), quiet_stack(), cm.Prices(), quiet
    )
    # HAND's 4,320 heartbeats: 100 bytes in to the origin, 50 bytes out to the charger each.
    added_in = framed["volumes"]["websocket_bytes_in"] - plain["volumes"]["websocket_bytes_in"]
    added_out = framed["volumes"]["websocket_bytes_out"] - plain["volumes"]["websocket_bytes_out"]
    assert (added_in, added_out) == (4320 * 100, 4320 * 50)
    edge = framed["usd_by_service"]["CloudFront"] - plain["usd_by_service"]["CloudFront"]
    assert edge == pytest.approx(4320 * (100 * 0.020 + 50 * 0.085) / 1e9, abs=3e-8)
    # Each frame carries its WebSocket header and TLS record too (28 bytes in, 24 out).
    messages = plain["volumes"]["websocket_messages"] // 2
    assert plain["volumes"]["websocket_bytes_in"] == messages * 28
    # Ten upgrades: ten requests, ten runs of the viewer-request function, their bytes.
    upgrades = cm.charger_month(
        replace(HAND, reconnects_per_month=10), measured(), quiet_stack(), cm.Prices(), quiet
    )
    per_upgrade = 0.01 / 10_000 + 0.10 / 1e6 + (600 * 0.020 + 250 * 0.085) / 1e9
    assert upgrades["usd_by_service"]["CloudFront"] - plain["usd_by_service"][
        "CloudFront"
    ] == pytest.approx(10 * per_upgrade, abs=3e-8)
    # Without the distribution in the template, none of it.
    direct = cm.charger_month(HAND, measured(), quiet_stack(charger_edge=False), cm.Prices(), quiet)
    assert direct["usd_by_service"]["CloudFront"] == 0


def test_a_write_interval_spaces_the_consumers_writes_of_a_session():
    facts = quiet_stack(consumer_batch_size=10_000, consumer_window_s=300.0)
    every_batch = cm.consumer_shape(cm.PROFILES[1], cm.Assumptions(), facts, 375)
    # DC fast at 10,000 chargers: 5,657-record batches span ~102 s; a meter value each 30 s.
    span = every_batch.records_per_batch / every_batch.records_per_s
    assert every_batch.updates_per_record == pytest.approx(30 / span)
    spaced = cm.consumer_shape(
        cm.PROFILES[1], cm.Assumptions(), replace(facts, live_energy_write_interval_s=300), 375
    )
    # Five minutes between writes: every third batch (3 x ~102 s).
    assert spaced.updates_per_record == pytest.approx(30 / (3 * span))
    # The stack's own setting, read from the template's consumer.
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Environment": {"Variables": {"LIVE_ENERGY_WRITE_INTERVAL_S": "120"}}},
    }
    from benchmarks import stack_facts

    read = stack_facts.from_template({"Resources": {"F": function}}, "t")
    assert read.live_energy_write_interval_s == 120


def test_a_consumer_batch_costs_its_invocation_once_and_each_record_its_own_share():
    from benchmarks.aws_calls import LARGE_BATCH_CONSUMER

    one = cm.ActionCost("telemetry_consumer", cpu_us=500.0)
    hundred = cm.ActionCost("telemetry_consumer", cpu_us=500.0 + 99 * 30.0)
    assert cm.consumer_record_cpu_us({cm.CONSUMER: one, LARGE_BATCH_CONSUMER: hundred}) == 30.0
    # Without the larger batch measured, each record is taken to cost the whole invocation.
    assert cm.consumer_record_cpu_us({cm.CONSUMER: one}) == 500.0
