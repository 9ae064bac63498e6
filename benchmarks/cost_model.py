"""Cost per charger-month at list prices, from measured AWS calls, CPU and log bytes.

The model multiplies what one invocation was measured to cost (`benchmarks.aws_calls`: API
calls and their billing units, log bytes; `benchmarks.cpu`: CPU per message) by how often a
reference charger causes it in a month (`Profile`), prices the result (`Prices`, us-east-1
list prices read on PRICES_READ_ON), and adds the stack's fixed monthly cost shared by the
fleet. Everything it assumes is in `Assumptions` or `Profile`; docs/cost-model.md explains
the choices and the levers. Pure arithmetic: no AWS, no I/O.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from benchmarks import app_session
from benchmarks.aws_calls import (
    DEPLOYED_STREAM,
    LARGE_BATCH,
    LARGE_BATCH_CONSUMER,
    stream_record,
)
from benchmarks.stack_facts import FunctionFacts, StackFacts
from local.delivery.event_shapes import MAX_BATCH_PAYLOAD_BYTES, kinesis_record
from shared.commands.engine import MAX_SYNC_WAIT_S, CommandEngine
from shared.config import API_GATEWAY_MAX_CONNECTION_S, DEFAULT_HEARTBEAT_INTERVAL_S
from shared.drivers.starts import DEFAULT_HOLD_MINOR, START_WINDOW_S, cost_check_wait_ms
from shared.models.tariff import PriceComponent, Tariff, TariffElement

MONTH_S = 30 * 24 * 3600
MONTH_HOURS = MONTH_S / 3600
PRICES_READ_ON = "2026-11-25"
REGION = "us-east-1"
# The AWS OCPP gateway sample (Fargate + NLB + IoT Core): ~$175/month for 500 chargers.
SAMPLE_USD_PER_CHARGER_MONTH = 0.35
GB = 1_000_000_000  # the larger of the two readings of "GB" gives the smaller bill: not this one

SERVICES = (
    "API Gateway",
    "HTTP API",
    "CloudFront",
    "Lambda",
    "DynamoDB",
    "Kinesis",
    "EventBridge",
    "Step Functions",
    "CloudWatch Logs",
    "X-Ray",
    "Fixed share",
)


@dataclass(frozen=True)
class Prices:
    """List prices, us-east-1, read on PRICES_READ_ON; free tiers ignored."""

    websocket_message: float = 1.00 / 1e6  # per 32 KB unit, sent and received
    websocket_connection_minute: float = 0.25 / 1e6
    lambda_request: float = 0.20 / 1e6
    lambda_gb_second_arm: float = 0.0000133334
    dynamodb_write_unit: float = 0.625 / 1e6
    dynamodb_read_unit: float = 0.125 / 1e6
    dynamodb_storage_gb_month: float = 0.25
    kinesis_shard_hour: float = 0.015
    kinesis_put_unit: float = 0.014 / 1e6  # per 25 KB PUT payload unit
    eventbridge_event: float = 1.00 / 1e6  # per 64 KB chunk
    stepfunctions_transition: float = 0.025 / 1000  # Standard
    stepfunctions_express_request: float = 1.00 / 1e6
    stepfunctions_express_gb_second: float = 0.00001667  # billed in 64 MB and 100 ms steps
    logs_ingested_gb: float = 0.50
    logs_stored_gb_month: float = 0.03
    cloudwatch_dashboard: float = 3.00
    cloudwatch_alarm: float = 0.10
    http_api_request: float = 1.00 / 1e6  # first 300 M a month, per 512 KB
    # The charger edge (ADR 0016): each WebSocket upgrade is an HTTPS request and runs the
    # viewer-request function; frames to chargers are data transfer out (first 10 TB, North
    # America), frames from them data transfer to the origin.
    cloudfront_request: float = 0.0100 / 10_000
    cloudfront_function: float = 0.10 / 1e6
    cloudfront_out_gb: float = 0.085
    cloudfront_origin_gb: float = 0.020
    # Cognito user pools per monthly active user beyond the first 10,000 (free), by feature
    # plan; each driver who signs in or refreshes a token in a month counts.
    cognito_mau: Mapping[str, float] = field(
        default_factory=lambda: {"LITE": 0.0055, "ESSENTIALS": 0.015}
    )
    # Not in the project's price list (docs/cost-model.md names the pages they come from):
    xray_trace: float = 5.00 / 1e6
    eventbridge_archive_gb: float = 0.10
    dynamodb_pitr_gb_month: float = 0.20
    cloudwatch_custom_metric: float = 0.30
    kms_key_month: float = 1.00
    secret_month: float = 0.40


# Per-call latency seen by the function (network + service + SDK work), a stated assumption.
DEFAULT_CALL_LATENCY_MS = {
    "dynamodb": 5.0,
    "kinesis": 10.0,
    "events": 15.0,
    "apigatewaymanagementapi": 10.0,
    "stepfunctions": 10.0,
    # A Stripe API request from AWS (create/confirm a PaymentIntent, capture): a few hundred ms.
    "stripe": 400.0,
}


# The app session's steps (benchmarks.app_session).
AUTHORISE_TASK = app_session.AUTHORISE
SEND_START_TASK = app_session.SEND_START
START_COMPLETED = app_session.START_COMPLETED
SWEEP_CLAIM = app_session.SWEEP_CLAIM
SWEEP_COST_CHECK = app_session.SWEEP_COST_CHECK
SWEEP_EMPTY = app_session.SWEEP_EMPTY
SETTLE_APP_TASK = app_session.SETTLE_APP
SETTLE_CARD_TASK = app_session.SETTLE_CARD


@dataclass(frozen=True)
class ExpressWorkflow:
    """A bounded chain of the charging-session workflow as built, a Step Functions Express
    execution (docs/adr/0025-session-workflows-as-built.md). Its Lambda tasks are measured
    steps (benchmarks.app_session); it lasts as long as they do plus Step Functions' own time
    per Task state."""

    name: str
    # Executions per app-started session and per card-started session.
    per_app_session: float
    per_card_session: float
    # The measured task steps an execution runs for an app session / for a card session.
    app_tasks: tuple[str, ...]
    card_tasks: tuple[str, ...] = ()
    # Billed in 64 MB units (and 100 ms steps).
    memory_mb: int = 64
    # The Lambda invoke round trip and the state hand-off, per Task state.
    state_overhead_ms: float = 40.0


# App-started sessions: hold the payment (a provider call), then send the remote start (the
# command engine's post). The driver API runs it synchronously; the start request, its
# claim and its cost checks are the driver API's and the sweep's measured steps.
START_SESSION = ExpressWorkflow(
    "StartSession",
    per_app_session=1,
    per_card_session=0,
    app_tasks=(AUTHORISE_TASK, SEND_START_TASK),
)
# Every session, on TransactionStopped: one task prices the session, captures the hold (or
# charges the card's owner), stores the receipt and publishes ReceiptIssued; a session whose
# id tag is no driver's is looked at and left (the operator's own cards: the reference
# profiles' card sessions).
SETTLE_SESSION = ExpressWorkflow(
    "SettleSession",
    per_app_session=1,
    per_card_session=1,
    app_tasks=(SETTLE_APP_TASK,),
    card_tasks=(SETTLE_CARD_TASK,),
)


# Calls counted with the AWS ones that are no AWS SDK call (the payment provider's).
NOT_AWS = frozenset({"stripe"})


@dataclass(frozen=True)
class Assumptions:
    chargers: int = 10_000
    # Bytes around each WebSocket frame through CloudFront: the frame header (2 bytes; a
    # charger's frames add a 4-byte mask) and a TLS 1.3 record (5-byte header, 16-byte tag,
    # content type).
    frame_overhead_in_bytes: int = 6 + 22
    frame_overhead_out_bytes: int = 2 + 22
    # A WebSocket upgrade: the charger's request (host, key, protocol, Basic credentials) and
    # the 101 answer.
    upgrade_in_bytes: int = 600
    upgrade_out_bytes: int = 250
    # The AWS SDK's CPU per call, µs by "service:Operation" (benchmarks.sdk_cpu; empty: none).
    sdk_cpu_us: Mapping[str, float] = field(default_factory=dict)
    call_latency_ms: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_CALL_LATENCY_MS)
    )
    # Lambda gives one full vCPU at 1,769 MB and a proportional share below: CPU measured
    # on one core here takes 1769/memory times as long.
    vcpu_memory_mb: int = 1769
    # The Python runtime's own CPU per invocation, µs (benchmarks.runtime_overhead: fetching
    # the event from the Runtime API, decoding it, encoding and posting the result), and what
    # each record of a Kinesis batch adds to it; billed with every invocation at the memory's
    # vCPU share, not with work done inside another invocation. 0: not counted.
    runtime_overhead_us: float = 0.0
    runtime_overhead_per_record_us: float = 0.0
    # CloudWatch Logs counts 26 bytes of overhead per log event.
    log_event_overhead_bytes: int = 26
    # Text-format platform lines per invocation: START (~71 B), END (~51 B), REPORT (~135 B);
    # with active tracing REPORT carries an X-Ray trace line (~95 B).
    platform_log_bytes: int = 71 + 51 + 135
    platform_log_lines: int = 3
    xray_report_bytes: int = 95
    # X-Ray's default sampling rule: the first request each second, then 5 % (per function).
    xray_reservoir_per_s: float = 1.0
    xray_sample_rate: float = 0.05
    # Peak hour vs average, for sizing the Kinesis shards.
    peak_to_average: float = 3.0
    # Session records are kept (no TTL): storage is shown as it is after this many months.
    storage_months: int = 12
    # EMF custom metrics, billed per series (metric name and dimension values) pro rata of the
    # hours it is written in. The series the profiles' measured steps write (the `service`
    # dimension included) are written every hour at the fleet's scale; besides them, series
    # written now and then: OcppMessages of the actions no profile sends (BootNotification
    # after a reboot, DataTransfer, firmware and diagnostics status, unreadable frames: ~4),
    # OcppErrors by action and error (~6), OcppInternalErrors, ChargerAuthRefused by reason
    # and ChargerAuthLockouts (3), CommandTimeouts by action (~3), TelemetryRecordsUnreadable,
    # TelemetryRecordsLost, EventsNotPublished, OutboxRecordsRelayed: about 20, each taken
    # to be written in a quarter of the hours.
    occasional_metric_series: int = 20
    occasional_metric_hours_share: float = 0.25
    # Without measured series (an older measurement): about this many custom metrics in all.
    custom_metrics: int = 40
    # Secrets the operator stores outside the stack: the payment provider's API key.
    operator_secrets: int = 1
    # A StatusNotification per connector after each reconnect: the charger re-announces the
    # status it had, stored but not published again (the measured "unchanged" step).
    status_per_reconnect: int = 1
    # $connect and $disconnect are not metered as messages.
    messages_per_connect: int = 0
    # PutEvents takes up to 10 entries: the consumer batches its summaries in tens.
    events_per_put: int = 10
    # Share of ws_default's measured application log bytes that is kept (lever).
    message_log_share: float = 1.0
    eventbridge_archive: bool = True
    # The charging-session workflow (ADR 0011): Express executions for the bounded chains,
    # the waits carried by events and records. Their tasks are not traced (like the WebSocket
    # path) and the state machines log at level ERROR: nothing per successful execution.
    session_workflows: tuple[ExpressWorkflow, ...] = (START_SESSION, SETTLE_SESSION)
    # The outbox relay's scheduled runs (docs/adr/0019-outbox-relay.md).
    outbox_relay: bool = True
    express_log_bytes_per_execution: int = 0
    # Start requests no session claimed (refused, timed out, never plugged in) are released by
    # one scheduled sweep for the fleet: a Lambda run this often, of this billed duration.
    start_request_sweep_interval_s: int = 60
    start_request_sweep_ms: float = 100.0
    start_request_sweep_memory_mb: int = 256
    # The rejected design, kept for comparison: one Standard execution per app session
    # (pre-authorise, RemoteStart with a task token, wait for the start, wait for the stop,
    # price, capture: ~10 state transitions) instead of StartSession and that session's
    # SettleSession; its RemoteStart reply reports to the task token (SendTaskSuccess).
    standard_session_workflow: bool = False
    standard_transitions_per_app_session: int = 10
    # Operator commands per charger-month (resets, remote starts and stops, configuration):
    # about one a week, an operator clearing a stuck charger or changing a setting. Each is
    # priced from the measured Reset: an HTTP API request to the operator API, which sends it
    # and waits in that request for the charger's answer (wait=true, the API's and the CLI's
    # default: no poll request of its own), the post to the charger and its CALLRESULT on
    # $default.
    operator_commands_per_month: float = 4.0
    http_requests_per_command: float = 1.0
    # When the charger's answer is stored, after the send: a charger on a cellular link.
    command_answer_ms: float = 400.0


@dataclass(frozen=True)
class Profile:
    name: str
    sessions_per_day: float
    session_minutes: float
    meter_interval_s: float
    target_usd: float | None = None
    # The target with a margin for what the model cannot see (the platform's own goal).
    goal_usd: float | None = None
    # Half of the sessions start from the driver app (StartSession + RemoteStartTransaction),
    # the other half with an RFID card (Authorize first).
    app_share: float = 0.5
    connectors: int = 1
    heartbeat_interval_s: float = DEFAULT_HEARTBEAT_INTERVAL_S
    # API Gateway closes every connection after 2 hours.
    reconnects_per_month: float = MONTH_S / API_GATEWAY_MAX_CONNECTION_S
    # OCPP lets a charger skip a Heartbeat when it sent something else within the interval.
    heartbeats_while_charging: bool = True
    # StatusNotification per session: Preparing, Charging, Finishing, Available.
    status_per_session: int = 4
    # What an app session's cost checks depend on (docs/adr/0025): the EVSE's most power, the
    # car's average power, and the price (minor units: per kWh, per session) with 19 % tax.
    evse_power_w: int = 22_000
    charging_power_w: int = 7_400
    energy_price_minor: int = 40
    session_fee_minor: int = 50

    @property
    def sessions(self) -> float:
        return self.sessions_per_day * MONTH_S / 86400

    @property
    def meter_values_per_session(self) -> float:
        return self.session_minutes * 60 / self.meter_interval_s

    @property
    def heartbeats(self) -> float:
        awake_s: float = MONTH_S
        if not self.heartbeats_while_charging:
            awake_s -= self.sessions * self.session_minutes * 60
        return awake_s / self.heartbeat_interval_s


# A 150 kW charger, cars averaging 50 kW, 0.60 a kWh and no session fee.
DC_SITE: dict[str, Any] = {
    "evse_power_w": 150_000,
    "charging_power_w": 50_000,
    "energy_price_minor": 60,
    "session_fee_minor": 0,
}

PROFILES: tuple[Profile, ...] = (
    Profile(
        "AC public",
        sessions_per_day=2,
        session_minutes=120,
        meter_interval_s=60,
        target_usd=0.050,
        goal_usd=0.047,
    ),
    Profile(
        "DC fast",
        sessions_per_day=6,
        session_minutes=40,
        meter_interval_s=30,
        target_usd=0.075,
        goal_usd=0.070,
        **DC_SITE,
    ),
    Profile("DC stress", sessions_per_day=8, session_minutes=45, meter_interval_s=15, **DC_SITE),
)


# A CloudWatch metric: namespace, name and the dimensions' (name, value), sorted.
MetricSeries = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class ActionCost:
    """What one invocation was measured to cost."""

    function: str
    calls: Mapping[str, int] = field(default_factory=dict)
    read_units: float = 0.0
    write_units: float = 0.0
    index_write_units: float = 0.0
    events: int = 0
    event_bytes: int = 0
    kinesis_units: int = 0
    kinesis_bytes: int = 0
    posts: int = 0
    post_bytes: int = 0
    # The step's WebSocket frames: the charger's, and the route response back.
    frame_in_bytes: int = 0
    frame_out_bytes: int = 0
    log_bytes: int = 0
    log_lines: int = 0
    cpu_us: float = 0.0
    # Waiting on something that is no AWS call of its own (a synchronous workflow's run).
    extra_wait_ms: float = 0.0
    item_bytes: Mapping[str, int] = field(default_factory=dict)
    index_bytes: Mapping[str, int] = field(default_factory=dict)
    # The custom metric series the invocation writes (None: not measured).
    metric_series: frozenset[MetricSeries] | None = None

    @classmethod
    def from_measured(cls, row: Mapping[str, Any], cpu_us: float) -> ActionCost:
        capacity = row.get("capacity", {})
        return cls(
            function=row["function"],
            calls=dict(row.get("calls", {})),
            read_units=float(capacity.get("rru", 0.0)),
            write_units=float(capacity.get("wru", 0.0)),
            index_write_units=float(capacity.get("index_wru", 0.0)),
            events=int(row.get("events", 0)),
            event_bytes=int(row.get("event_bytes", 0)),
            kinesis_units=int(row.get("kinesis_payload_units", 0)),
            kinesis_bytes=int(row.get("kinesis_bytes", 0)),
            posts=int(row.get("websocket_posts", 0)),
            post_bytes=int(row.get("websocket_post_bytes", 0)),
            frame_in_bytes=int(row.get("frame_in_bytes", 0)),
            frame_out_bytes=int(row.get("frame_out_bytes", 0)),
            log_bytes=int(row.get("log_bytes", 0)),
            log_lines=int(row.get("log_lines", 0)),
            cpu_us=cpu_us,
            item_bytes=dict(row.get("item_bytes", {})),
            index_bytes=dict(row.get("index_bytes", {})),
            metric_series=(
                frozenset(
                    (s["namespace"], s["metric"], tuple(sorted(s["dimensions"].items())))
                    for s in row["metric_series"]
                )
                if "metric_series" in row
                else None
            ),
        )

    def calls_to(self, service: str) -> int:
        return sum(n for name, n in self.calls.items() if name.split(":")[0] == service)


# Measured steps the model uses (benchmarks.aws_calls names).
HEARTBEAT = "ocpp1.6 Heartbeat"
STATUS = "ocpp1.6 StatusNotification"
STATUS_UNCHANGED = "ocpp1.6 StatusNotification unchanged"
AUTHORIZE = "ocpp1.6 Authorize"
START = "ocpp1.6 StartTransaction"
METER_VALUES = "ocpp1.6 MeterValues"
STOP = "ocpp1.6 StopTransaction"
REMOTE_START_SEND = "ocpp1.6 RemoteStartTransaction send"
REMOTE_START_REPLY = "ocpp1.6 RemoteStartTransaction reply"
# An operator command (benchmarks.aws_calls' Reset, sent by the operator API).
COMMAND_SEND = "ocpp1.6 Reset send"
COMMAND_REPLY = "ocpp1.6 Reset reply"
AUTHORIZER = "ws_authorize $connect (HTTP Basic)"
CONNECT = "ws_connect $connect"
DISCONNECT = "ws_disconnect $disconnect"
CONSUMER = "telemetry_consumer batch of 1 record"
ROLLUP = "energy_rollup TransactionStopped"
TRANSACTIONS_TABLE = "csms-transactions"
TASK_RESULT_CALL = "stepfunctions:SendTaskSuccess"
BY_ID_TAG_INDEX = f"{TRANSACTIONS_TABLE}/ByIdTag"
ENERGY_TABLE = "csms-energy-daily"


@dataclass(frozen=True)
class Usage:
    """How often a charger causes one measured invocation in a month."""

    action: str
    count: float
    # API Gateway messages per occurrence: frames in, route responses and posts out.
    messages_in: int = 0
    messages_out: int = 0
    # An API Gateway route request: one access log line.
    routed: bool = False


def monthly_usage(profile: Profile, assumptions: Assumptions) -> list[Usage]:
    """One charger's invocations in a month (OCPP 1.6, every CALL answered on its route)."""
    sessions = profile.sessions
    app = sessions * profile.app_share
    reconnects = profile.reconnects_per_month
    announced = reconnects * profile.connectors * assumptions.status_per_reconnect
    connect_messages = assumptions.messages_per_connect
    return [
        Usage(HEARTBEAT, profile.heartbeats, 1, 1, routed=True),
        Usage(STATUS, sessions * profile.status_per_session, 1, 1, routed=True),
        Usage(STATUS_UNCHANGED, announced, 1, 1, routed=True),
        Usage(AUTHORIZE, sessions - app, 1, 1, routed=True),
        Usage(START, sessions, 1, 1, routed=True),
        Usage(METER_VALUES, sessions * profile.meter_values_per_session, 1, 1, routed=True),
        Usage(STOP, sessions, 1, 1, routed=True),
        # The remote start goes out from StartSession's send_start task (session_workflows).
        Usage(REMOTE_START_REPLY, app, 1, 0, routed=True),
        Usage(AUTHORIZER, reconnects),
        Usage(CONNECT, reconnects, connect_messages, 0, routed=True),
        Usage(DISCONNECT, reconnects, connect_messages, 0, routed=True),
        Usage(ROLLUP, sessions),
        # Operator commands: the post out is the send's own (ActionCost.posts).
        Usage(COMMAND_SEND, assumptions.operator_commands_per_month),
        Usage(COMMAND_REPLY, assumptions.operator_commands_per_month, 1, 0, routed=True),
    ]


@dataclass(frozen=True)
class CommandWait:
    """The operator API's wait for a command's answer inside its request."""

    polls: int  # strongly consistent reads of the command
    sleep_ms: float


def command_wait(answer_ms: float, read_ms: float) -> CommandWait:
    """How the operator API waits for an answer stored `answer_ms` after the send, each read
    taking `read_ms`: CommandEngine.wait itself, played on a clock."""

    class Clock:
        now_ms = 0.0
        polls = 0
        sleep_ms = 0.0

        def get(self, charge_point_id: str, message_id: str) -> Any:
            self.polls += 1
            self.now_ms += read_ms
            return SimpleNamespace(done=self.now_ms >= answer_ms)

        def clock_ms(self) -> int:
            return int(self.now_ms)

        def sleep(self, seconds: float) -> None:
            self.now_ms += seconds * 1000
            self.sleep_ms += seconds * 1000

    clock = Clock()
    CommandEngine.wait(cast(CommandEngine, clock), "", "", MAX_SYNC_WAIT_S)
    return CommandWait(clock.polls, clock.sleep_ms)


def command_send_with_wait(action: ActionCost, assumptions: Assumptions) -> ActionCost:
    """The measured send and the wait for the answer, one operator API invocation: a strongly
    consistent read of the command (1 RRU) per poll and the sleeps between them."""
    wait = command_wait(
        assumptions.command_answer_ms, assumptions.call_latency_ms.get("dynamodb", 10.0)
    )
    calls = dict(action.calls)
    calls["dynamodb:GetItem"] = calls.get("dynamodb:GetItem", 0) + wait.polls
    return replace(
        action,
        calls=calls,
        read_units=action.read_units + wait.polls,
        extra_wait_ms=action.extra_wait_ms + wait.sleep_ms,
    )


@dataclass(frozen=True)
class ConsumerShape:
    """How the telemetry consumer sees a fleet's meter values."""

    records_per_s: float
    records_per_batch: float
    # Session updates (one write + one summary event each) per record.
    updates_per_record: float


def consumer_batch_cap(record_bytes: int, partition_key: str = "CP-000123") -> int:
    """Records of this size one consumer invocation can carry: Lambda refuses payloads over
    6 MB and the event source mapping cuts batches below it. Each record is its base64 data
    in Lambda's event entry (local/delivery/event_shapes.py, the exact shape), ~1.1 KB for a
    375-byte meter-values record."""
    entry = kinesis_record(stream_record(b"x" * record_bytes, partition_key, 1), DEPLOYED_STREAM)
    entry_bytes = len(json.dumps(entry, separators=(",", ":"))) + 1  # and its comma
    return (MAX_BATCH_PAYLOAD_BYTES - len('{"Records":[]}')) // entry_bytes


def consumer_shape(
    profile: Profile, assumptions: Assumptions, facts: StackFacts, record_bytes: int
) -> ConsumerShape:
    meter_values = profile.sessions * profile.meter_values_per_session
    rate = assumptions.chargers * meter_values / MONTH_S
    per_batch = min(
        float(facts.consumer_batch_size),
        float(consumer_batch_cap(record_bytes)),
        max(1.0, rate * facts.consumer_window_s),
    )
    span_s = per_batch / rate if rate else 0.0
    # A batch covers span_s of readings; a session's live energy is written on the first
    # batch at least the write interval after its last write (every batch without one).
    interval = facts.live_energy_write_interval_s
    write_every_s = math.ceil(interval / span_s) * span_s if interval and span_s else span_s
    updates_per_record = min(1.0, profile.meter_interval_s / write_every_s) if span_s else 1.0
    return ConsumerShape(rate, per_batch, updates_per_record)


def sdk_cpu_us(action: ActionCost, assumptions: Assumptions) -> float:
    """The AWS SDK's own CPU for the action's calls (benchmarks.sdk_cpu); an operation not
    measured takes the mean of the measured ones, a call that is no AWS call none."""
    measured = assumptions.sdk_cpu_us
    if not measured:
        return 0.0
    mean = sum(measured.values()) / len(measured)
    return sum(
        n * measured.get(name, mean)
        for name, n in action.calls.items()
        if name.split(":")[0] not in NOT_AWS
    )


def work_ms(action: ActionCost, memory_mb: int, assumptions: Assumptions) -> float:
    """CPU (the handler's and the SDK's per call) at the memory's vCPU share + the calls'
    latency."""
    cpu_us = action.cpu_us + sdk_cpu_us(action, assumptions)
    cpu_ms = cpu_us / 1000 * max(1.0, assumptions.vcpu_memory_mb / memory_mb)
    wait_ms = sum(
        n * assumptions.call_latency_ms.get(name.split(":")[0], 10.0)
        for name, n in action.calls.items()
    )
    return cpu_ms + wait_ms + action.extra_wait_ms


def runtime_overhead_ms(memory_mb: int, assumptions: Assumptions, records: float = 0.0) -> float:
    """The runtime's own work around one invocation (of a batch of `records`), at the memory's
    vCPU share."""
    per_record = assumptions.runtime_overhead_per_record_us
    overhead_us = assumptions.runtime_overhead_us + records * per_record
    return overhead_us / 1000 * max(1.0, assumptions.vcpu_memory_mb / memory_mb)


def lambda_duration_ms(
    action: ActionCost, memory_mb: int, assumptions: Assumptions, records: float = 0.0
) -> int:
    """Billed duration of one invocation: the work and the runtime's own, rounded up to the
    millisecond."""
    overhead = runtime_overhead_ms(memory_mb, assumptions, records)
    return max(1, math.ceil(work_ms(action, memory_mb, assumptions) + overhead))


def _gb_seconds(duration_ms: float, memory_mb: int) -> float:
    return duration_ms / 1000 * memory_mb / 1024


def _log_bytes_per_invocation(
    app_bytes: float, app_lines: float, facts: FunctionFacts, assumptions: Assumptions
) -> float:
    overhead = assumptions.log_event_overhead_bytes
    total = app_bytes + app_lines * overhead
    if facts.platform_logs:
        total += assumptions.platform_log_bytes + assumptions.platform_log_lines * overhead
        if facts.tracing:
            total += assumptions.xray_report_bytes
    return total


@dataclass
class Bill:
    usd: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    log_bytes: float = 0.0
    invocations: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    messages: float = 0.0
    # WebSocket bytes through the charger edge: from chargers (to the origin), to chargers.
    bytes_in: float = 0.0
    bytes_out: float = 0.0
    write_units: float = 0.0
    read_units: float = 0.0
    events: float = 0.0


def invoke(
    bill: Bill,
    action: ActionCost,
    count: float,
    facts: FunctionFacts,
    prices: Prices,
    assumptions: Assumptions,
    invocation: bool = True,
) -> None:
    """Add `count` invocations of `action` to the bill (or, without `invocation`, that much
    work inside invocations billed elsewhere: its duration, calls and logs)."""
    duration: float = work_ms(action, facts.memory_mb, assumptions)
    if invocation:
        duration = lambda_duration_ms(action, facts.memory_mb, assumptions)
        bill.invocations[action.function] += count
        bill.usd["Lambda"] += count * prices.lambda_request
    bill.usd["Lambda"] += (
        count * _gb_seconds(duration, facts.memory_mb) * prices.lambda_gb_second_arm
    )
    writes = action.write_units + action.index_write_units
    bill.write_units += count * writes
    bill.read_units += count * action.read_units
    bill.usd["DynamoDB"] += count * (
        writes * prices.dynamodb_write_unit + action.read_units * prices.dynamodb_read_unit
    )
    _events(bill, action, count, prices, assumptions)
    bill.usd["Kinesis"] += count * action.kinesis_units * prices.kinesis_put_unit
    share = assumptions.message_log_share if action.function == "ws_default" else 1.0
    app_bytes, app_lines = action.log_bytes * share, action.log_lines * share
    if invocation:
        bill.log_bytes += count * _log_bytes_per_invocation(
            app_bytes, app_lines, facts, assumptions
        )
    else:  # no START/END/REPORT lines of its own
        bill.log_bytes += count * (app_bytes + app_lines * assumptions.log_event_overhead_bytes)


def _events(
    bill: Bill, action: ActionCost, count: float, prices: Prices, assumptions: Assumptions
) -> None:
    bill.events += count * action.events
    bill.usd["EventBridge"] += count * action.events * prices.eventbridge_event
    if assumptions.eventbridge_archive:
        bill.usd["EventBridge"] += count * action.event_bytes / GB * prices.eventbridge_archive_gb


def consumer_record_cpu_us(measured: Mapping[str, ActionCost]) -> float:
    """What each record adds to a consumer batch's CPU: a batch of 1 and one of LARGE_BATCH
    records of one session were measured (one update each)."""
    one, large = measured.get(CONSUMER), measured.get(LARGE_BATCH_CONSUMER)
    if one is None or large is None:
        return one.cpu_us if one is not None else 0.0
    return max(0.0, (large.cpu_us - one.cpu_us) / (LARGE_BATCH - 1))


def _consumer(
    bill: Bill,
    action: ActionCost,
    per_record_cpu_us: float,
    records: float,
    shape: ConsumerShape,
    facts: FunctionFacts,
    prices: Prices,
    assumptions: Assumptions,
) -> None:
    """The telemetry consumer's share per meter-values record, from a 1-record batch."""
    updates = shape.updates_per_record
    batch_updates = shape.records_per_batch * updates
    # The summaries go out in PutEvents of ten, when the consumer publishes them at all
    # (publishMeterValues: the measured record then carries an event).
    puts = math.ceil(batch_updates / assumptions.events_per_put) if action.events else 0
    per_batch = replace(
        action,
        calls={"dynamodb:UpdateItem": math.ceil(batch_updates), "events:PutEvents": puts},
        cpu_us=action.cpu_us + (shape.records_per_batch - 1) * per_record_cpu_us,
    )
    batches = records / shape.records_per_batch
    duration = lambda_duration_ms(per_batch, facts.memory_mb, assumptions, shape.records_per_batch)
    bill.invocations[action.function] += batches
    bill.usd["Lambda"] += batches * (
        prices.lambda_request + _gb_seconds(duration, facts.memory_mb) * prices.lambda_gb_second_arm
    )
    writes = records * updates * (action.write_units + action.index_write_units)
    bill.write_units += writes
    bill.usd["DynamoDB"] += writes * prices.dynamodb_write_unit
    _events(bill, action, records * updates, prices, assumptions)
    bill.log_bytes += batches * _log_bytes_per_invocation(
        action.log_bytes, action.log_lines, facts, assumptions
    )


def _frames(
    bill: Bill,
    action: ActionCost,
    count: float,
    frames_in: int,
    frames_out: int,
    assumptions: Assumptions,
) -> None:
    """The step's WebSocket frames through the charger edge: the charger's, the route
    response, and what the step posts to a charger."""
    bill.bytes_in += (
        count * frames_in * (action.frame_in_bytes + assumptions.frame_overhead_in_bytes)
    )
    bill.bytes_out += (
        count * frames_out * (action.frame_out_bytes + assumptions.frame_overhead_out_bytes)
    )
    bill.bytes_out += count * (
        action.post_bytes + action.posts * assumptions.frame_overhead_out_bytes
    )


def _charger_edge(
    bill: Bill, profile: Profile, facts: StackFacts, prices: Prices, assumptions: Assumptions
) -> float:
    """CloudFront in front of the WebSocket API (ADR 0016): a request and the viewer-request
    function per upgrade, and every frame's bytes both ways."""
    if not facts.charger_edge:
        return 0.0
    upgrades = profile.reconnects_per_month
    bytes_in = bill.bytes_in + upgrades * assumptions.upgrade_in_bytes
    bytes_out = bill.bytes_out + upgrades * assumptions.upgrade_out_bytes
    return (
        upgrades * (prices.cloudfront_request + facts.edge_functions * prices.cloudfront_function)
        + bytes_in / GB * prices.cloudfront_origin_gb
        + bytes_out / GB * prices.cloudfront_out_gb
    )


def _xray_traces(
    invocations: Mapping[str, float], facts: StackFacts, assumptions: Assumptions
) -> float:
    """Traces a charger's share of the fleet records in a month (default sampling rule)."""
    traces = 0.0
    for function, per_charger in invocations.items():
        function_facts = facts.functions.get(function)
        if function_facts is None or not function_facts.tracing:
            continue
        rate = per_charger * assumptions.chargers / MONTH_S
        reservoir = min(rate, assumptions.xray_reservoir_per_s)
        sampled_per_s = reservoir + assumptions.xray_sample_rate * (rate - reservoir)
        traces += sampled_per_s * MONTH_S / assumptions.chargers
    return traces


def kinesis_shards(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    assumptions: Assumptions,
    facts: StackFacts,
) -> int:
    """Shards the fleet's peak meter values need (1,000 records/s and 1 MB/s in per shard)."""
    record_bytes = measured[METER_VALUES].kinesis_bytes
    shape = consumer_shape(profile, assumptions, facts, record_bytes)
    peak_records = shape.records_per_s * assumptions.peak_to_average
    return max(
        facts.kinesis_shards,
        math.ceil(peak_records / 1000),
        math.ceil(peak_records * record_bytes / 1_000_000),
    )


def start_request_sweep_monthly(
    prices: Prices, assumptions: Assumptions, empty_run: ActionCost | None = None
) -> float:
    """The fleet's one scheduled sweep of due start requests (with a session workflow), when
    nothing is due: the measured empty run, or the assumed duration without one. What it
    does per request is billed per app session."""
    if not assumptions.session_workflows:
        return 0.0
    runs = MONTH_S / assumptions.start_request_sweep_interval_s
    memory = assumptions.start_request_sweep_memory_mb
    duration = (
        lambda_duration_ms(empty_run, memory, assumptions)
        if empty_run is not None
        else assumptions.start_request_sweep_ms
    )
    reads = empty_run.read_units if empty_run is not None else 0.5
    return runs * (
        prices.lambda_request
        + _gb_seconds(duration, memory) * prices.lambda_gb_second_arm
        + reads * prices.dynamodb_read_unit
    )


# The outbox relay (docs/adr/0019-outbox-relay.md): one run a minute, a scan of each table's
# sparse Outbox index; empty when nothing failed (a read costs at least 0.5 read units).
OUTBOX_RELAY_INTERVAL_S = 60
OUTBOX_RELAY_QUERIES = 4
OUTBOX_RELAY_MS = 150
OUTBOX_RELAY_MEMORY_MB = 256


def outbox_relay_monthly(prices: Prices, assumptions: Assumptions) -> float:
    if not assumptions.outbox_relay:
        return 0.0
    runs = MONTH_S / OUTBOX_RELAY_INTERVAL_S
    seconds = _gb_seconds(OUTBOX_RELAY_MS, OUTBOX_RELAY_MEMORY_MB)
    invocation = prices.lambda_request + seconds * prices.lambda_gb_second_arm
    return runs * (invocation + OUTBOX_RELAY_QUERIES * 0.5 * prices.dynamodb_read_unit)


def profile_steps(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    assumptions: Assumptions,
) -> frozenset[str]:
    """The measured steps a charger of this profile causes in a month (each at least once)."""
    steps = {use.action for use in monthly_usage(profile, assumptions) if use.count > 0}
    steps.add(CONSUMER)
    workflow = session_workflows(profile, measured, facts, Prices(), assumptions)
    steps.update(step for step, count in (*workflow.tasks, *workflow.sweep_work) if count > 0)
    if assumptions.session_workflows:
        steps.add(SWEEP_EMPTY)
    return frozenset(steps)


def emitted_metric_series(
    measured: Mapping[str, ActionCost], steps: Iterable[str]
) -> frozenset[MetricSeries] | None:
    """The custom metric series these steps write (None when none of them was measured)."""
    measured_sets: list[frozenset[MetricSeries]] = []
    for step in steps:
        found = measured[step].metric_series if step in measured else None
        if found is not None:
            measured_sets.append(found)
    if not measured_sets:
        return None
    return frozenset[MetricSeries]().union(*measured_sets)


def custom_metric_months(
    measured: Mapping[str, ActionCost] | None,
    steps: Iterable[str],
    assumptions: Assumptions,
) -> float:
    """Metric-months of EMF custom metrics: each series the steps write, every hour, and the
    occasional ones for their share of the hours; the flat count without measured series."""
    series = emitted_metric_series(measured or {}, steps)
    if series is None:
        return float(assumptions.custom_metrics)
    occasional = assumptions.occasional_metric_series * assumptions.occasional_metric_hours_share
    return len(series) + occasional


def fixed_monthly(
    facts: StackFacts,
    prices: Prices,
    assumptions: Assumptions,
    shards: int,
    measured: Mapping[str, ActionCost] | None = None,
    metric_steps: Iterable[str] | None = None,
) -> dict[str, float]:
    """The stack's monthly cost whatever the traffic. Its custom metrics are the series of
    `metric_steps` (default: the steps of the reference profiles) as measured."""
    empty_sweep = (measured or {}).get(SWEEP_EMPTY)
    if metric_steps is None and measured is not None:
        metric_steps = frozenset().union(
            *(profile_steps(p, measured, facts, assumptions) for p in PROFILES)
        )
    metric_months = custom_metric_months(measured, metric_steps or (), assumptions)
    return {
        "Kinesis shard-hours": shards * MONTH_HOURS * prices.kinesis_shard_hour,
        "CloudWatch dashboard": facts.dashboards * prices.cloudwatch_dashboard,
        "CloudWatch alarms (per metric read)": facts.alarm_metrics * prices.cloudwatch_alarm,
        "CloudWatch custom metrics (EMF)": metric_months * prices.cloudwatch_custom_metric,
        "KMS keys": facts.kms_keys * prices.kms_key_month,
        # The stack's own secrets, and the payment provider's key the operator stores
        # (docs/payments.md); their API calls are once per container, nothing per message.
        "Secrets Manager secrets": (facts.secrets + assumptions.operator_secrets)
        * prices.secret_month,
        "Session workflow: start-request sweep": start_request_sweep_monthly(
            prices, assumptions, empty_sweep
        ),
        "Outbox relay (every minute, empty indexes)": outbox_relay_monthly(prices, assumptions),
        # Operators stay within the free 10,000 MAU; drivers are priced per driver-month.
        "Cognito (operators)": 0.0,
        "DynamoDB PITR of the small tables": 0.0,
    }


def storage_per_charger_month(
    profile: Profile, measured: Mapping[str, ActionCost], prices: Prices, assumptions: Assumptions
) -> float:
    """Session records and daily energy items kept, as they stand after storage_months."""
    session_bytes = measured[STOP].item_bytes.get(TRANSACTIONS_TABLE, 1024)
    # The ByIdTag entry holds what the index projects (measured; the whole item if unknown).
    entry_bytes = measured[STOP].index_bytes.get(BY_ID_TAG_INDEX, session_bytes)
    day_bytes = measured[ROLLUP].item_bytes.get(ENERGY_TABLE, 128)
    # DynamoDB adds 100 bytes of overhead per item and per index entry.
    per_month = profile.sessions * (session_bytes + 100 + entry_bytes + 100) + 30 * (
        day_bytes + 100
    )
    stored = per_month * assumptions.storage_months
    return stored / GB * (prices.dynamodb_storage_gb_month + prices.dynamodb_pitr_gb_month)


@dataclass(frozen=True)
class WorkflowBill:
    executions: float = 0.0  # Express
    transitions: float = 0.0  # Standard
    stepfunctions_usd: float = 0.0
    # Measured steps the workflows cause, and how often: Lambda tasks (invocations of their
    # own) and the sweep's work inside its scheduled runs (no invocation of its own).
    tasks: tuple[tuple[str, float], ...] = ()
    sweep_work: tuple[tuple[str, float], ...] = ()


def express_execution_usd(duration_s: float, memory_mb: int, prices: Prices) -> float:
    """One Express execution: the request plus GB-seconds in 100 ms and 64 MB steps."""
    billed_s = math.ceil(round(duration_s * 10, 6)) / 10
    billed_gb = math.ceil(memory_mb / 64) * 64 / 1024
    return prices.stepfunctions_express_request + (
        billed_s * billed_gb * prices.stepfunctions_express_gb_second
    )


def execution_seconds(
    workflow: ExpressWorkflow,
    tasks: tuple[str, ...],
    measured: Mapping[str, ActionCost],
    memory_mb: int,
    assumptions: Assumptions,
) -> float:
    """How long an execution running these measured tasks lasts."""
    return (
        sum(
            lambda_duration_ms(measured[task], memory_mb, assumptions) + workflow.state_overhead_ms
            for task in tasks
        )
        / 1000
    )


# The sweep runs every minute: a request due at the end of its start window is claimed
# within one (half a minute on average; the whole minute here).
SWEEP_LAG_S = 60


def cost_checks_per_app_session(profile: Profile) -> int:
    """How often the sweep prices a running app session of this profile against its hold
    (claimed at the first run after the start window; docs/adr/0025), the car drawing its
    average power and the sweep waiting as the platform does."""
    tariff = Tariff(
        tariff_id="profile",
        version=1,
        currency="EUR",
        tax_rate_bp=1900,
        time_zone="UTC",
        elements=(
            TariffElement(
                (
                    PriceComponent("FLAT", profile.session_fee_minor),
                    PriceComponent("ENERGY", profile.energy_price_minor),
                )
            ),
        ),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    end_ms = int(profile.session_minutes * 60_000)
    now_ms = (START_WINDOW_S + SWEEP_LAG_S) * 1000
    checks = 0
    while True:
        energy = profile.charging_power_w * min(now_ms, end_ms) // 3_600_000
        wait = cost_check_wait_ms(
            tariff, DEFAULT_HOLD_MINOR, profile.evse_power_w, 0, now_ms, energy, now_ms
        )
        now_ms += wait
        if now_ms >= end_ms:
            return checks
        checks += 1


def session_workflows(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices,
    assumptions: Assumptions,
) -> WorkflowBill:
    """The charging-session workflow of one charger's month: its Express executions (or the
    rejected Standard one), the Lambda tasks they run, the CommandCompleted rule's look at
    each accepted start, and the sweep's claim and cost checks of each app session."""
    if not assumptions.session_workflows:
        return WorkflowBill()
    app = profile.sessions * profile.app_share
    card = profile.sessions - app
    memory = facts.functions[measured[AUTHORISE_TASK].function].memory_mb
    executions = transitions = stepfunctions = 0.0
    tasks: dict[str, float] = defaultdict(float)
    for workflow in assumptions.session_workflows:
        for count, steps in ((app * workflow.per_app_session, workflow.app_tasks),
                             (card * workflow.per_card_session, workflow.card_tasks)):  # fmt: skip
            for task in steps:
                tasks[task] += count
            express = count
            if assumptions.standard_session_workflow and steps is workflow.app_tasks:
                express = 0.0  # one Standard execution per app session instead
            seconds = execution_seconds(workflow, steps, measured, memory, assumptions)
            executions += express
            stepfunctions += express * express_execution_usd(seconds, workflow.memory_mb, prices)
    if assumptions.standard_session_workflow:
        transitions = app * assumptions.standard_transitions_per_app_session
        stepfunctions += transitions * prices.stepfunctions_transition
    tasks[START_COMPLETED] += app
    sweep = ((SWEEP_CLAIM, app), (SWEEP_COST_CHECK, app * cost_checks_per_app_session(profile)))
    return WorkflowBill(
        executions=executions,
        transitions=transitions,
        stepfunctions_usd=stepfunctions,
        tasks=tuple(tasks.items()),
        sweep_work=sweep,
    )


def charger_month(
    profile: Profile,
    measured: Mapping[str, ActionCost],
    facts: StackFacts,
    prices: Prices | None = None,
    assumptions: Assumptions | None = None,
) -> dict[str, Any]:
    """$ per charger-month of one profile, by service, at assumptions.chargers chargers."""
    prices = prices or Prices()
    assumptions = assumptions or Assumptions()
    bill = Bill()
    usage = monthly_usage(profile, assumptions)
    routed = 0.0
    for use in usage:
        action = measured[use.action]
        if use.action == REMOTE_START_REPLY and assumptions.standard_session_workflow:
            # The Standard execution waits on a task token: the reply reports to it.
            action = replace(action, calls={**action.calls, TASK_RESULT_CALL: 1})
        if use.action == COMMAND_SEND:
            action = command_send_with_wait(action, assumptions)
        invoke(
            bill,
            action,
            use.count,
            facts.functions[action.function],
            prices,
            assumptions,
        )
        bill.messages += use.count * (use.messages_in + use.messages_out + action.posts)
        _frames(bill, action, use.count, use.messages_in, use.messages_out, assumptions)
        routed += use.count if use.routed else 0.0
    meter_values = profile.sessions * profile.meter_values_per_session
    shape = consumer_shape(profile, assumptions, facts, measured[METER_VALUES].kinesis_bytes)
    consumer = measured[CONSUMER]
    _consumer(
        bill,
        consumer,
        consumer_record_cpu_us(measured),
        meter_values,
        shape,
        facts.functions[consumer.function],
        prices,
        assumptions,
    )

    bill.usd["CloudFront"] = _charger_edge(bill, profile, facts, prices, assumptions)
    http_requests = assumptions.operator_commands_per_month * assumptions.http_requests_per_command
    bill.usd["HTTP API"] = http_requests * prices.http_api_request
    minutes = MONTH_S / 60
    bill.usd["API Gateway"] = (
        bill.messages * prices.websocket_message + minutes * prices.websocket_connection_minute
    )
    workflow = session_workflows(profile, measured, facts, prices, assumptions)
    bill.usd["Step Functions"] = workflow.stepfunctions_usd
    for step, count in workflow.tasks:
        action = measured[step]
        invoke(bill, action, count, facts.functions[action.function], prices, assumptions)
        bill.messages += count * action.posts  # the remote start's post to the charger
        _frames(bill, action, count, 0, 0, assumptions)
    for step, count in workflow.sweep_work:
        action = measured[step]
        invoke(bill, action, count, facts.functions[action.function], prices, assumptions,
                invocation=False)  # fmt: skip
    access_bytes = routed * (
        (facts.access_log_line_bytes or 0)
        + (assumptions.log_event_overhead_bytes if facts.access_log_line_bytes else 0)
    )
    log_bytes = bill.log_bytes + access_bytes
    retention_months = facts.log_retention_days / 30
    bill.usd["CloudWatch Logs"] = (
        log_bytes / GB * (prices.logs_ingested_gb + prices.logs_stored_gb_month * retention_months)
    )
    traces = _xray_traces(bill.invocations, facts, assumptions)
    bill.usd["X-Ray"] = traces * prices.xray_trace
    storage = storage_per_charger_month(profile, measured, prices, assumptions)
    bill.usd["DynamoDB"] += storage
    shards = kinesis_shards(profile, measured, assumptions, facts)
    steps = profile_steps(profile, measured, facts, assumptions)
    fixed = fixed_monthly(facts, prices, assumptions, shards, measured, steps)
    bill.usd["Kinesis"] += fixed["Kinesis shard-hours"] / assumptions.chargers
    bill.usd["Fixed share"] = (
        sum(v for k, v in fixed.items() if k != "Kinesis shard-hours") / assumptions.chargers
    )

    services = {name: bill.usd.get(name, 0.0) for name in SERVICES}
    total = sum(services.values())
    floor = bill.usd["API Gateway"]
    return {
        "profile": dataclasses.asdict(profile),
        "usd_by_service": {k: round(v, 8) for k, v in services.items()},
        "usd_total": round(total, 8),
        "api_gateway_floor_usd": round(floor, 8),
        "target_usd": profile.target_usd,
        "meets_target": None if profile.target_usd is None else total <= profile.target_usd,
        "goal_usd": profile.goal_usd,
        "meets_goal": None if profile.goal_usd is None else total <= profile.goal_usd,
        "share_of_sample": round(total / SAMPLE_USD_PER_CHARGER_MONTH, 4),
        "volumes": {
            "websocket_messages": round(bill.messages),
            "websocket_bytes_in": round(bill.bytes_in),
            "websocket_bytes_out": round(bill.bytes_out),
            "http_api_requests": round(http_requests, 1),
            "connection_minutes": round(minutes),
            "lambda_invocations": {k: round(v, 1) for k, v in sorted(bill.invocations.items())},
            "dynamodb_write_units": round(bill.write_units, 1),
            "dynamodb_read_units": round(bill.read_units, 1),
            "eventbridge_events": round(bill.events, 1),
            "log_bytes": round(log_bytes),
            "xray_traces": round(traces, 1),
            "workflow_executions": round(workflow.executions, 1),
            "workflow_transitions": round(workflow.transitions, 1),
            "kinesis_shards": shards,
            "consumer_records_per_batch": round(shape.records_per_batch, 1),
            "consumer_updates_per_record": round(shape.updates_per_record, 3),
            "storage_usd": round(storage, 8),
        },
    }


# Steps benchmarks.cpu does not time separately: the same parsing and routing as these.
CPU_STAND_INS = {STATUS_UNCHANGED: STATUS}


def measured_actions(
    aws_calls: Mapping[str, Mapping[str, Any]], cpu_us: Mapping[str, float]
) -> dict[str, ActionCost]:
    """The benchmarks' results as the model's inputs: CPU per step from benchmarks.cpu's
    medians, or else the AWS-call run's one warm sample of the handler (0 when neither)."""
    return {
        name: ActionCost.from_measured(
            row,
            cpu_us.get(
                name,
                cpu_us.get(CPU_STAND_INS.get(name, name), float(row.get("handler_cpu_us", 0.0))),
            ),
        )
        for name, row in aws_calls.items()
    }


def cpu_by_step(cpu: Mapping[str, Any], routes: Mapping[str, Any]) -> dict[str, float]:
    """Median µs per step from benchmarks.cpu's run() and run_routes()."""
    values = {name: float(row["platform"]["median_us"]) for name, row in cpu.items()}
    values.update({name: float(row["median_us"]) for name, row in routes.items()})
    return values
