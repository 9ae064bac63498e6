"""The operators' view of the platform: one CloudWatch dashboard, and alarms that need a human.

Alarms go to one SNS topic (KMS-encrypted, TLS only) with an optional e-mail subscription.
The application metrics are Powertools EMF metrics in namespace "Csms" with dimension
service=csms (see docs/adr/0017-monitoring.md for the list the functions emit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.naming import construct_id_for

NAMESPACE = "Csms"
SERVICE = "csms"
PERIOD = Duration.minutes(5)

# EMF metrics (namespace Csms): ws_default emits the OCPP ones, the command engine the
# timeouts (per action); the session metrics carry the dimension service=csms only.
OCPP_MESSAGES = "OcppMessages"  # dimensions Action, service
OCPP_ERRORS = "OcppErrors"  # dimensions Action, Error, service
COMMAND_TIMEOUTS = "CommandTimeouts"  # dimensions Action, service
TRANSACTIONS_STARTED = "TransactionsStarted"
TRANSACTIONS_STOPPED = "TransactionsStopped"
ENERGY_DELIVERED_WH = "EnergyDeliveredWh"
SERVICE_METRICS = (TRANSACTIONS_STARTED, TRANSACTIONS_STOPPED, ENERGY_DELIVERED_WH)
# Failures counted by the code (dimension service only), each alarmed on at >= 1 (what it
# means, and where to look, is the alarm's description).
FAILURE_METRICS: dict[str, str] = {
    "OcppInternalErrors": "chargers got InternalError: a fault or a bug on the $default path "
    "(the charger retries). See ws_default's logs.",
    "EventsNotPublished": "domain events were not published (EventBridge refused them after "
    "retries); a session's stay in its outbox for the next replay; each is in an ERROR log line.",
    "TelemetryRecordsLost": "meter values sent with a stop could not be put on the telemetry "
    "stream (the stop itself is stored). See ws_default's logs.",
    "TelemetryRecordsUnreadable": "the telemetry consumer skipped records it could not read.",
    "ChargerAuthLockouts": "a charger was locked out after repeated wrong passwords: someone "
    "may be guessing. See ws_authorize's logs.",
    "AdmissionKeyUnavailable": "the $connect authorizer could not read its admission key "
    "(docs/adr/0027): chargers are still admitted correctly, but every connect runs scrypt. "
    "See ws_authorize's logs (the secret, its policy, Secrets Manager).",
}

# Security events a charger reported that point at an attack or tampering (counted by ws_default,
# dimension service only; the types are shared.station.events.ALARMED_SECURITY_EVENTS), each
# alarmed on at >= 1 like the failures above (docs/adr/0036-station-events.md).
SECURITY_METRICS: dict[str, str] = {
    "CriticalSecurityEvents": "a charger reported a security event that points at an attack or "
    "tampering (TamperDetectionActivated, InvalidFirmwareSignature, certificate or TLS "
    "failures, replay attempts, a cleared security log). GET "
    "/api/chargers/{id}/events?kind=security names the charger and the event; ws_default's "
    "WARNING log line 'critical security event' too.",
}

# A consumer this far behind the stream needs attention (its batching window is seconds).
ITERATOR_AGE_ALARM = Duration.minutes(10)
# $connect answers refused handshakes (no OCPP subprotocol offered) with a 4xx integration
# response, so a few integration errors are normal; a burst is not.
WEBSOCKET_INTEGRATION_ERRORS_ALARM = 10


@dataclass(frozen=True)
class MonitoredResources:
    websocket_stage: apigwv2.WebSocketStage
    http_stage: apigwv2.HttpStage
    # Function name -> function, in the order the dashboard shows them.
    functions: Mapping[str, lambda_.IFunction]
    # The functions on the chargers' path: their errors and throttles raise alarms.
    websocket_functions: Sequence[str]
    tables: Mapping[str, dynamodb.ITable]
    streams: Mapping[str, kinesis.IStream]
    # Function name -> its dead-letter queue.
    dead_letters: Mapping[str, sqs.IQueue]
    # Functions run on a schedule (no queue keeps what they fail): their errors raise alarms.
    scheduled_functions: Sequence[str] = ()
    # State machine id -> state machine: failed and timed-out executions raise alarms.
    state_machines: Mapping[str, sfn.IStateMachine] = field(default_factory=dict)
    # Workflow rule id -> the queue of the events it could not start a state machine with.
    workflow_dead_letters: Mapping[str, sqs.IQueue] = field(default_factory=dict)


def service_metric(name: str, label: str | None = None) -> cw.Metric:
    return cw.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={"service": SERVICE},
        statistic="Sum",
        period=PERIOD,
        label=label or name,
    )


def per_dimension_search(metric_name: str, dimensions: Sequence[str], label: str) -> cw.IMetric:
    """Every series of an EMF metric whose dimension values are only known at run time."""
    schema = ",".join([NAMESPACE, *dimensions])
    return cw.MathExpression(
        expression=(
            f'SEARCH(\'{{{schema}}} MetricName="{metric_name}" service="{SERVICE}"\', '
            f"'Sum', {int(PERIOD.to_seconds())})"
        ),
        using_metrics={},
        label=label,
        period=PERIOD,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: MonitoredResources,
        alarm_email: str | None = None,
        title: str = "CSMS",
    ) -> None:
        super().__init__(scope, construct_id)
        self._resources = resources
        self.topic = self._alarm_topic(alarm_email)
        self.alarms: dict[str, cw.Alarm] = {}
        self._add_alarms()
        self.dashboard = cw.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        for row in self._widgets(title):
            self.dashboard.add_widgets(*row)

    @property
    def dashboard_url(self) -> str:
        return (
            f"https://console.aws.amazon.com/cloudwatch/home?region={Aws.REGION}"
            f"#dashboards:name={self.dashboard.dashboard_name}"
        )

    # --- alarms ---------------------------------------------------------------------------

    def _alarm_topic(self, alarm_email: str | None) -> sns.Topic:
        # A customer key: CloudWatch cannot publish to a topic under the AWS-managed aws/sns
        # key, whose policy admits no service principal.
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Encrypts the CSMS alarm topic",
            enable_key_rotation=True,
            pending_window=Duration.days(7),
            removal_policy=RemovalPolicy.DESTROY,
        )
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        key.grant(cloudwatch, "kms:Decrypt", "kms:GenerateDataKey*")
        topic = sns.Topic(
            self, "AlarmTopic", display_name="CSMS alarms", master_key=key, enforce_ssl=True
        )
        # enforce_ssl replaces the default topic policy: CloudWatch needs an explicit allow.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[cloudwatch],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:"
                        f"{Aws.ACCOUNT_ID}:alarm:*"
                    },
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )
        if alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        return topic

    def _alarm(
        self,
        construct_id: str,
        metric: cw.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
    ) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No data means no traffic (or no failure): nothing to act on.
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        action = cw_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        self.alarms[construct_id] = alarm
        return alarm

    def _add_alarms(self) -> None:
        r = self._resources
        for name in r.websocket_functions:
            function = r.functions[name]
            prefix = construct_id_for(name)
            self._alarm(
                prefix + "Errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"{name} failed: chargers got an error or no answer. See its logs.",
            )
            self._alarm(
                prefix + "Throttles",
                function.metric_throttles(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"{name} was throttled: Lambda concurrency is exhausted.",
            )
        for name in r.scheduled_functions:
            self._alarm(
                construct_id_for(name) + "Errors",
                r.functions[name].metric_errors(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"A scheduled run of {name} failed; the next run tries again. "
                "See its logs.",
            )
        for name, meaning in {**FAILURE_METRICS, **SECURITY_METRICS}.items():
            counted = cw.Metric(
                namespace=NAMESPACE,
                metric_name=name,
                dimensions_map={"service": SERVICE},
                statistic="Sum",
                period=PERIOD,
            )
            self._alarm(name, counted, threshold=1, description=meaning)
        for name, queue in r.dead_letters.items():
            self._alarm(
                construct_id_for(name) + "DeadLetters",
                queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic="Maximum"
                ),
                threshold=1,
                description=f"{name} could not process something: inspect and redrive its DLQ.",
            )
        for machine_id, machine in r.state_machines.items():
            # Express keeps no execution history: the state machine's ERROR log says why.
            self._alarm(
                machine_id + "ExecutionsFailed",
                machine.metric_failed(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"Executions of {machine_id} failed. See its log group.",
            )
            self._alarm(
                machine_id + "ExecutionsTimedOut",
                machine.metric_timed_out(period=PERIOD, statistic="Sum"),
                threshold=1,
                description=f"Executions of {machine_id} timed out. See its log group.",
            )
        for rule_id, queue in r.workflow_dead_letters.items():
            self._alarm(
                rule_id + "RuleDeadLetters",
                queue.metric_approximate_number_of_messages_visible(
                    period=PERIOD, statistic="Maximum"
                ),
                threshold=1,
                description=f"Rule {rule_id} could not start its state machine: inspect and "
                "redrive its DLQ.",
            )
        for stream_id, stream in r.streams.items():
            self._alarm(
                stream_id + "IteratorAge",
                stream.metric_get_records_iterator_age_milliseconds(
                    period=PERIOD, statistic="Maximum"
                ),
                threshold=ITERATOR_AGE_ALARM.to_milliseconds(),
                description=f"The consumer of {stream_id} is over "
                f"{ITERATOR_AGE_ALARM.to_minutes()} minutes behind.",
            )
        for table_id, table in r.tables.items():
            self._alarm(
                table_id + "TableThrottles",
                _table_throttles(table),
                threshold=1,
                description=f"Requests to table {table_id} were throttled.",
            )
        self._alarm(
            "HttpApiServerErrors",
            r.http_stage.metric_server_error(period=PERIOD, statistic="Sum"),
            threshold=1,
            description="The operator API answered with 5xx.",
        )
        self._alarm(
            "WebSocketExecutionErrors",
            r.websocket_stage.metric("ExecutionError", period=PERIOD, statistic="Sum"),
            threshold=1,
            description="API Gateway could not invoke a WebSocket integration.",
        )
        self._alarm(
            "WebSocketIntegrationErrors",
            r.websocket_stage.metric("IntegrationError", period=PERIOD, statistic="Sum"),
            threshold=WEBSOCKET_INTEGRATION_ERRORS_ALARM,
            description="Many WebSocket integration errors (failed or refused handshakes).",
        )

    # --- dashboard ------------------------------------------------------------------------

    def _widgets(self, title: str) -> list[list[cw.IWidget]]:
        r = self._resources
        ws = r.websocket_stage
        other_functions = [name for name in r.functions if name not in r.websocket_functions]
        return [
            [
                cw.TextWidget(
                    markdown=f"# {title}\nChargers, OCPP traffic, sessions and the health of "
                    "every function, table, stream and dead-letter queue. Alarms are listed "
                    "at the bottom and notify the alarm topic.",
                    width=24,
                    height=2,
                )
            ],
            [
                _graph(
                    "Charger connections and messages",
                    [
                        ws.metric("ConnectCount", period=PERIOD, statistic="Sum", label="Connects"),
                        ws.metric("MessageCount", period=PERIOD, statistic="Sum", label="Messages"),
                    ],
                ),
                _graph(
                    "OCPP messages per action",
                    [per_dimension_search(OCPP_MESSAGES, ["Action", "service"], "")],
                ),
                _graph(
                    "OCPP errors per action and error",
                    [per_dimension_search(OCPP_ERRORS, ["Action", "Error", "service"], "")],
                ),
            ],
            [
                _graph(
                    "Charging sessions",
                    [
                        service_metric(TRANSACTIONS_STARTED, "Started"),
                        service_metric(TRANSACTIONS_STOPPED, "Stopped"),
                    ],
                ),
                _graph("Energy delivered (Wh)", [service_metric(ENERGY_DELIVERED_WH, "Wh")]),
                _graph(
                    "Command timeouts per action",
                    [per_dimension_search(COMMAND_TIMEOUTS, ["Action", "service"], "")],
                ),
            ],
            [
                _graph(
                    "WebSocket handler latency p50 / p95 (ms)", _latency(r, r.websocket_functions)
                ),
                _graph("Other handler latency p50 / p95 (ms)", _latency(r, other_functions)),
                _graph(
                    "Lambda errors and throttles",
                    [
                        metric
                        for name, function in r.functions.items()
                        for metric in (
                            function.metric_errors(
                                period=PERIOD, statistic="Sum", label=f"{name} errors"
                            ),
                            function.metric_throttles(
                                period=PERIOD, statistic="Sum", label=f"{name} throttles"
                            ),
                        )
                    ],
                ),
            ],
            [
                _graph(
                    "DynamoDB throttled requests",
                    [
                        table.metric(
                            kind, period=PERIOD, statistic="Sum", label=f"{table_id} {label}"
                        )
                        for table_id, table in r.tables.items()
                        for kind, label in (
                            ("ReadThrottleEvents", "reads"),
                            ("WriteThrottleEvents", "writes"),
                        )
                    ],
                ),
                _graph(
                    "Telemetry consumer lag (iterator age, ms)",
                    [
                        stream.metric_get_records_iterator_age_milliseconds(
                            period=PERIOD, statistic="Maximum", label=stream_id
                        )
                        for stream_id, stream in r.streams.items()
                    ],
                ),
                _graph(
                    "Dead letters waiting",
                    [
                        queue.metric_approximate_number_of_messages_visible(
                            period=PERIOD, statistic="Maximum", label=name
                        )
                        for name, queue in r.dead_letters.items()
                    ],
                ),
            ],
            [
                _graph(
                    "Operator API requests",
                    [
                        r.http_stage.metric_count(period=PERIOD, statistic="Sum", label="Requests"),
                        r.http_stage.metric_client_error(
                            period=PERIOD, statistic="Sum", label="4xx"
                        ),
                        r.http_stage.metric_server_error(
                            period=PERIOD, statistic="Sum", label="5xx"
                        ),
                    ],
                ),
                _graph(
                    "Operator API latency p95 (ms)",
                    [r.http_stage.metric_latency(period=PERIOD, statistic="p95", label="p95")],
                ),
                _graph(
                    "WebSocket API errors",
                    [
                        ws.metric(name, period=PERIOD, statistic="Sum", label=name)
                        for name in ("ClientError", "IntegrationError", "ExecutionError")
                    ],
                ),
            ],
            [
                cw.AlarmStatusWidget(
                    title="Alarms", alarms=list(self.alarms.values()), width=24, height=4
                )
            ],
        ]


def _graph(title: str, metrics: Sequence[cw.IMetric]) -> cw.GraphWidget:
    return cw.GraphWidget(title=title, left=list(metrics), width=8, height=6, period=PERIOD)


def _latency(resources: MonitoredResources, names: Sequence[str]) -> list[cw.IMetric]:
    return [
        resources.functions[name].metric_duration(
            period=PERIOD, statistic=statistic, label=f"{name} {statistic}"
        )
        for name in names
        for statistic in ("p50", "p95")
    ]


def _table_throttles(table: dynamodb.ITable) -> cw.IMetric:
    return cw.MathExpression(
        # A series without throttles has no data points; FILL keeps the other one visible.
        expression="FILL(reads, 0) + FILL(writes, 0)",
        using_metrics={
            "reads": table.metric("ReadThrottleEvents", period=PERIOD, statistic="Sum"),
            "writes": table.metric("WriteThrottleEvents", period=PERIOD, statistic="Sum"),
        },
        label="Throttled requests",
        period=PERIOD,
    )
