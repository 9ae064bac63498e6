"""The dashboard, the alarms an operator must act on, and where the alarms go."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra import catalog, monitoring
from infra.naming import construct_id_for
from infra.stack import websocket_function_names
from infra.stack_settings import PROJECT_ROOT
from tests.infrastructure.template_queries import (
    as_list,
    logical_id,
    referenced_ids,
    resource,
    resources,
    template_json,
)

pytestmark = pytest.mark.infrastructure

ADR = PROJECT_ROOT / "docs" / "adr" / "0017-monitoring.md"


def _flatten(value: Any) -> str:
    """A template value as text, references as their logical ids."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_flatten(v) for v in value)
    if isinstance(value, dict):
        if "Fn::Join" in value:
            return _flatten(value["Fn::Join"][1])
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return ".".join(value["Fn::GetAtt"])
    raise AssertionError(f"unexpected template value {value!r}")


@pytest.fixture(scope="module")
def dashboard(template, stack) -> dict[str, Any]:
    (dashboard_id,) = resources(template, "AWS::CloudWatch::Dashboard")
    assert dashboard_id == logical_id(stack.monitoring.dashboard)
    body = resource(template, stack.monitoring.dashboard)["Properties"]["DashboardBody"]
    parsed: dict[str, Any] = json.loads(_flatten(body))
    return parsed


def _graph_metrics(dashboard: dict[str, Any], title: str) -> list[list[Any]]:
    (widget,) = [w for w in dashboard["widgets"] if w["properties"].get("title") == title]
    metrics: list[list[Any]] = widget["properties"]["metrics"]
    return metrics


def test_the_dashboard_shows_the_ocpp_traffic_per_action_and_error(dashboard):
    (messages,) = _graph_metrics(dashboard, "OCPP messages per action")
    (errors,) = _graph_metrics(dashboard, "OCPP errors per action and error")
    assert messages[0]["expression"] == (
        "SEARCH('{Csms,Action,service} MetricName=\"OcppMessages\" service=\"csms\"', 'Sum', 300)"
    )
    assert errors[0]["expression"].startswith(
        'SEARCH(\'{Csms,Action,Error,service} MetricName="OcppErrors"'
    )


def test_the_search_schemas_are_the_dimensions_ws_default_emits(monkeypatch, capsys):
    """A SEARCH only finds series with exactly the listed dimensions."""
    from shared.observability import count_metric, flush_metrics

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    flush_metrics()
    capsys.readouterr()
    count_metric(monitoring.OCPP_MESSAGES, {"Action": "Heartbeat"})
    count_metric(monitoring.OCPP_ERRORS, {"Action": "Heartbeat", "Error": "FormatViolation"})
    # As shared/commands/engine.py reports a timeout.
    count_metric(monitoring.COMMAND_TIMEOUTS, {"Action": "Reset"})
    flush_metrics()
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    schemas = {
        (
            e["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            e["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        ): sorted(e["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0])
        for e in emitted
    }
    assert schemas == {
        (monitoring.OCPP_MESSAGES, "Csms"): ["Action", "service"],
        (monitoring.OCPP_ERRORS, "Csms"): ["Action", "Error", "service"],
        (monitoring.COMMAND_TIMEOUTS, "Csms"): ["Action", "service"],
    }
    assert {e["service"] for e in emitted} == {monitoring.SERVICE}


def test_the_dashboard_shows_sessions_energy_and_command_timeouts(dashboard):
    shown = {
        tuple(m[:4])
        for title in ("Charging sessions", "Energy delivered (Wh)")
        for m in _graph_metrics(dashboard, title)
    }
    assert shown == {("Csms", name, "service", "csms") for name in monitoring.SERVICE_METRICS}
    (timeouts,) = _graph_metrics(dashboard, "Command timeouts per action")
    assert timeouts[0]["expression"].startswith(
        'SEARCH(\'{Csms,Action,service} MetricName="CommandTimeouts"'
    )


def test_the_metric_names_the_functions_must_emit_are_documented():
    text = ADR.read_text(encoding="utf-8")
    for name in (
        monitoring.OCPP_MESSAGES,
        monitoring.OCPP_ERRORS,
        monitoring.COMMAND_TIMEOUTS,
        *monitoring.SERVICE_METRICS,
        *monitoring.FAILURE_METRICS,
        *monitoring.SECURITY_METRICS,
    ):
        assert f"`{name}`" in text, name


def test_the_dashboard_shows_chargers_latency_errors_and_backlogs(dashboard, stack):
    text = json.dumps(dashboard)
    for metric in (
        "ConnectCount",
        "MessageCount",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "GetRecords.IteratorAgeMilliseconds",
        "ApproximateNumberOfMessagesVisible",
        "ExecutionError",
        "5xx",
    ):
        assert f'"{metric}"' in text, metric
    latency = [
        m
        for title in (
            "WebSocket handler latency p50 / p95 (ms)",
            "Other handler latency p50 / p95 (ms)",
        )
        for m in _graph_metrics(dashboard, title)
    ]
    assert {(m[3], m[4]["stat"]) for m in latency} == {
        (logical_id(f.function), stat) for f in stack.functions.values() for stat in ("p50", "p95")
    }
    tables = {m[3] for m in _graph_metrics(dashboard, "DynamoDB throttled requests")}
    assert tables == {logical_id(t) for t in stack.tables.by_id.values()}


def _alarms(template) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in resources(template, "AWS::CloudWatch::Alarm").items()}


def _alarm(template, stack, construct_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = resource(template, stack.monitoring.alarms[construct_id])[
        "Properties"
    ]
    return properties


WORKFLOW_ALARMS = ("ExecutionsFailed", "ExecutionsTimedOut")


def test_the_alarms_are_the_ones_an_operator_must_act_on(template, stack):
    expected = (
        {
            construct_id_for(n) + kind
            for n in websocket_function_names()
            for kind in ("Errors", "Throttles")
        }
        | {construct_id_for(n) + "DeadLetters" for n in stack.consumers.dead_letters}
        | {construct_id_for(n) + "DeadLetters" for n in stack.queues.dead_letters}
        | {construct_id_for(s.function) + "Errors" for s in catalog.SCHEDULES}
        | {s.id + "IteratorAge" for s in catalog.STREAMS}
        | {m.id + kind for m in catalog.STATE_MACHINES for kind in WORKFLOW_ALARMS}
        | {r.id + "RuleDeadLetters" for r in catalog.WORKFLOW_RULES}
        | {t.id + "TableThrottles" for t in catalog.TABLES}
        | {"HttpApiServerErrors", "WebSocketExecutionErrors", "WebSocketIntegrationErrors"}
        | {
            "OcppInternalErrors",
            "EventsNotPublished",
            "TelemetryRecordsLost",
            "TelemetryRecordsUnreadable",
            "ChargerAuthLockouts",
            "AdmissionKeyUnavailable",
            "CriticalSecurityEvents",
        }
    )
    assert set(stack.monitoring.alarms) == expected
    assert set(_alarms(template)) == {logical_id(a) for a in stack.monitoring.alarms.values()}


def test_every_alarm_notifies_the_topic_when_raised_and_cleared(template, stack):
    topic = {"Ref": logical_id(stack.monitoring.topic)}
    for properties in _alarms(template).values():
        assert properties["AlarmActions"] == [topic]
        assert properties["OKActions"] == [topic]
        assert properties["TreatMissingData"] == "notBreaching"
        assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert properties["AlarmDescription"]


@pytest.mark.parametrize("name", websocket_function_names())
def test_any_error_or_throttle_of_a_websocket_function_raises_an_alarm(template, stack, name):
    function = {"Ref": logical_id(stack.functions[name].function)}
    for kind in ("Errors", "Throttles"):
        alarm = _alarm(template, stack, construct_id_for(name) + kind)
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", kind)
        assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": function}]
        assert (alarm["Statistic"], alarm["Threshold"], alarm["Period"]) == ("Sum", 1, 300)


@pytest.mark.parametrize("name", [s.function for s in catalog.SCHEDULES])
def test_a_failed_scheduled_run_raises_an_alarm(template, stack, name):
    """A scheduled function has no queue keeping what it failed (the next run tries again):
    its errors are the signal that events wait longer than they should."""
    function = {"Ref": logical_id(stack.functions[name].function)}
    alarm = _alarm(template, stack, construct_id_for(name) + "Errors")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Errors")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": function}]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["Period"]) == ("Sum", 1, 300)


def test_every_failure_the_code_counts_raises_an_alarm(template, stack):
    for name in {**monitoring.FAILURE_METRICS, **monitoring.SECURITY_METRICS}:
        alarm = _alarm(template, stack, name)
        assert (alarm["Namespace"], alarm["MetricName"]) == (monitoring.NAMESPACE, name)
        assert alarm["Dimensions"] == [{"Name": "service", "Value": monitoring.SERVICE}]
        assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 1)


def test_the_failure_metrics_are_emitted_by_the_code():
    sources = "".join(
        path.read_text() for path in (PROJECT_ROOT / "shared").rglob("*.py")
    ) + "".join(path.read_text() for path in (PROJECT_ROOT / "functions").rglob("*.py"))
    for name in {**monitoring.FAILURE_METRICS, **monitoring.SECURITY_METRICS}:
        assert f'"{name}"' in sources, f"{name} is alarmed on but never emitted"


def test_a_single_dead_letter_raises_an_alarm(template, stack):
    for name, queue in stack.consumers.dead_letters.items():
        alarm = _alarm(template, stack, construct_id_for(name) + "DeadLetters")
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": [logical_id(queue), "QueueName"]}
        assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 1)


def test_a_telemetry_consumer_ten_minutes_behind_raises_an_alarm(template, stack):
    alarm = _alarm(template, stack, "TelemetryStreamIteratorAge")
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/Kinesis",
        "GetRecords.IteratorAgeMilliseconds",
    )
    assert alarm["Dimensions"] == [
        {"Name": "StreamName", "Value": {"Ref": logical_id(stack.streams.by_id["TelemetryStream"])}}
    ]
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 10 * 60 * 1000)


@pytest.mark.parametrize("definition", catalog.TABLES, ids=lambda t: t.id)
def test_throttled_reads_or_writes_on_a_table_raise_an_alarm(template, stack, definition):
    alarm = _alarm(template, stack, definition.id + "TableThrottles")
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    assert metrics["expr_1"]["Expression"] == "FILL(reads, 0) + FILL(writes, 0)"
    table = {"Ref": logical_id(stack.tables.by_id[definition.id])}
    for metric_id, name in (("reads", "ReadThrottleEvents"), ("writes", "WriteThrottleEvents")):
        stat = metrics[metric_id]["MetricStat"]
        assert stat["Metric"]["MetricName"] == name
        assert stat["Metric"]["Dimensions"] == [{"Name": "TableName", "Value": table}]
    assert alarm["Threshold"] == 1


def test_api_errors_raise_alarms(template, stack):
    http = _alarm(template, stack, "HttpApiServerErrors")
    assert (http["MetricName"], http["Threshold"]) == ("5xx", 1)
    assert {"Name": "ApiId", "Value": {"Ref": logical_id(stack.http_api.api)}} in http["Dimensions"]
    for construct_id, metric in (
        ("WebSocketExecutionErrors", "ExecutionError"),
        ("WebSocketIntegrationErrors", "IntegrationError"),
    ):
        alarm = _alarm(template, stack, construct_id)
        assert alarm["MetricName"] == metric
        assert alarm["Dimensions"] == [
            {"Name": "ApiId", "Value": {"Ref": logical_id(stack.websocket.api)}},
            {"Name": "Stage", "Value": "prod"},
        ]


def test_the_alarm_topic_is_encrypted_tls_only_and_open_to_cloudwatch(template, stack):
    topic = resource(template, stack.monitoring.topic)["Properties"]
    key = logical_id(stack.monitoring.topic.master_key)
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
    key_properties = template_json(template)["Resources"][key]["Properties"]
    assert key_properties["EnableKeyRotation"] is True
    key_grants = [
        s
        for s in key_properties["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert [sorted(as_list(s["Action"])) for s in key_grants] == [
        ["kms:Decrypt", "kms:GenerateDataKey*"]
    ]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": logical_id(stack.monitoring.topic)}]
    ]
    deny = [s for s in policy if s["Effect"] == "Deny"]
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (allow,) = [s for s in policy if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert "aws:SourceAccount" in allow["Condition"]["StringEquals"]


def test_no_email_subscription_unless_configured(template):
    assert resources(template, "AWS::SNS::Subscription") == {}


def test_an_alarm_email_subscribes_to_the_topic():
    """The monitoring construct on its own, with nothing to watch but the topic."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_apigatewayv2 as apigwv2

    stack = Stack(App(), "Alarms")
    http = apigwv2.HttpApi(stack, "Http")
    ws = apigwv2.WebSocketApi(stack, "Ws")
    watched = monitoring.Monitoring(
        stack,
        "Monitoring",
        resources=monitoring.MonitoredResources(
            websocket_stage=apigwv2.WebSocketStage(
                stack, "Stage", web_socket_api=ws, stage_name="x"
            ),
            http_stage=http.default_stage,  # type: ignore[arg-type]
            functions={},
            websocket_functions=[],
            tables={},
            streams={},
            dead_letters={},
        ),
        alarm_email="ops@example.com",
    )
    template = Template.from_stack(stack)
    (subscription,) = resources(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"
    assert referenced_ids(subscription["Properties"]["TopicArn"]) == {logical_id(watched.topic)}


def test_the_dashboard_url_is_an_output(template, stack):
    url = _flatten(template_json(template)["Outputs"]["DashboardUrl"]["Value"])
    assert url.startswith("https://console.aws.amazon.com/cloudwatch/home?region=AWS::Region")
    assert url.endswith("#dashboards:name=" + logical_id(stack.monitoring.dashboard))
