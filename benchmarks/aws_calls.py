"""AWS API calls per invocation, through the real Lambda handlers and adapters against moto.

Every step runs the function's own `functions/<name>/handler.py` (imported fresh, configured
as the CDK stack configures it: Powertools logging at INFO, metrics on) inside moto, and
records per invocation: the API calls per "service:Operation" (retries excluded) with their
billing units (`benchmarks.metering`), and the bytes and lines the handler wrote to
stdout/stderr (what CloudWatch Logs ingests). Deterministic: the same code path makes the same
calls. The steps follow one charger's life: the authorizer and $connect, the OCPP 1.6
messages of a session, commands sent with post_to_connection and answered on $default (an
operator's Reset, the StartSession workflow's RemoteStartTransaction, a firmware campaign's
UpdateFirmware waiting on a Step Functions task token), the stream and event consumers
downstream of a session, the OCPP 2.0.1 transaction messages, and $disconnect.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import ModuleType
from typing import Any
from unittest import mock

from benchmarks import app_session
from benchmarks.frames import TIMESTAMP
from benchmarks.metering import Meter, Output, captured_output, metering
from local.delivery.event_shapes import StreamSource, kinesis_event

CHARGER = "BENCH-CP"
ID_TAG = "BENCH-TAG"
# OCPP 2.0.1 BasicAuthPassword length rules: 16 to 40 characters.
PASSWORD = "bench-password-0001"  # noqa: S105  (a benchmark fixture, never a credential)
ADMISSION_KEY_SECRET = "csms/admission-key"  # noqa: S105  (a secret's name)
# The reconnect (the fast admission check): the name benchmarks.cost_model prices.
AUTHORIZER_STEP = "ws_authorize $connect (HTTP Basic)"
MANAGEMENT_ENDPOINT = "https://bench.execute-api.us-east-1.amazonaws.com/prod"
START_SESSION_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:csms-start-session"
HANDLERS = (
    "ws_authorize",
    "ws_connect",
    "ws_default",
    "ws_disconnect",
    "telemetry_consumer",
    "energy_rollup",
    "driver_api",
    "session_workflow",
    "start_sweep",
)
PUBLISHING_CONSUMER = "telemetry_consumer batch of 1 record (publishMeterValues)"
LARGE_BATCH = 100
LARGE_BATCH_CONSUMER = f"telemetry_consumer batch of {LARGE_BATCH} records of a session"
# The operator API sends operator commands; Step Functions tasks send the StartSession
# workflow's RemoteStartTransaction and a firmware campaign's UpdateFirmware (same engine,
# same calls; sized like operator_api).
COMMAND_SENDER = "operator_api"

SCENARIO_16: list[tuple[str, list[Any]]] = [
    (
        "BootNotification",
        [2, "b", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "AC22"}],
    ),
    ("Heartbeat", [2, "h", "Heartbeat", {}]),
    (
        "StatusNotification",
        [
            2,
            "s",
            "StatusNotification",
            {
                "connectorId": 1,
                "errorCode": "NoError",
                "status": "Preparing",
                "timestamp": TIMESTAMP,
            },
        ],
    ),
    # After a reconnect the charger re-announces its connector: same status, later report.
    (
        "StatusNotification unchanged",
        [
            2,
            "s-again",
            "StatusNotification",
            {
                "connectorId": 1,
                "errorCode": "NoError",
                "status": "Preparing",
                "timestamp": "2026-11-25T10:00:05Z",
            },
        ],
    ),
    ("Authorize", [2, "a", "Authorize", {"idTag": "BENCH-TAG"}]),
    (
        "StartTransaction",
        [
            2,
            "st",
            "StartTransaction",
            {"connectorId": 1, "idTag": "BENCH-TAG", "meterStart": 1000, "timestamp": TIMESTAMP},
        ],
    ),
    (
        "MeterValues",
        [
            2,
            "mv",
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": "{tx}",
                "meterValue": [
                    {
                        "timestamp": TIMESTAMP,
                        "sampledValue": [
                            {"value": "1500", "measurand": "Energy.Active.Import.Register"},
                            {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                        ],
                    }
                ],
            },
        ],
    ),
    (
        "StopTransaction",
        [
            2,
            "sp",
            "StopTransaction",
            {
                "transactionId": "{tx}",
                "meterStop": 9000,
                "timestamp": "2026-11-25T11:00:00Z",
                "reason": "EVDisconnected",
            },
        ],
    ),
]

_EVSE = {"id": 1, "connectorId": 1}
_TX_INFO = {"transactionId": "bench-tx-1"}


def _sample(kwh: float, context: str) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": TIMESTAMP,
            "sampledValue": [{"value": kwh, "context": context, "unitOfMeasure": {"unit": "kWh"}}],
        }
    ]


SCENARIO_201: list[tuple[str, list[Any]]] = [
    (
        "Authorize",
        [2, "a2", "Authorize", {"idToken": {"idToken": "BENCH-TAG", "type": "ISO14443"}}],
    ),
    (
        "TransactionEvent Started",
        [
            2,
            "t0",
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": TIMESTAMP,
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": _TX_INFO,
                "evse": _EVSE,
                "idToken": {"idToken": "BENCH-TAG", "type": "ISO14443"},
                "meterValue": _sample(1.0, "Transaction.Begin"),
            },
        ],
    ),
    (
        "TransactionEvent Updated",
        [
            2,
            "t1",
            "TransactionEvent",
            {
                "eventType": "Updated",
                "timestamp": TIMESTAMP,
                "triggerReason": "MeterValuePeriodic",
                "seqNo": 1,
                "transactionInfo": _TX_INFO,
                "meterValue": _sample(1.5, "Sample.Periodic"),
            },
        ],
    ),
    (
        "TransactionEvent Ended",
        [
            2,
            "t2",
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": "2026-11-25T11:00:00Z",
                "triggerReason": "EVDeparted",
                "seqNo": 2,
                "transactionInfo": {**_TX_INFO, "stoppedReason": "EVDisconnected"},
                "meterValue": _sample(9.0, "Transaction.End"),
            },
        ],
    ),
]


@dataclass(frozen=True)
class FakeContext:
    """The LambdaContext attributes Powertools reads."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str


def _context(function: str) -> FakeContext:
    from infra.catalog import FUNCTIONS_BY_NAME

    return FakeContext(
        function_name=function,
        memory_limit_in_mb=FUNCTIONS_BY_NAME[function].memory_mb,
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{function}",
        aws_request_id=str(uuid.uuid4()),
    )


@contextmanager
def counting() -> Iterator[Any]:
    """Count every botocore API call made inside the block as 'service:Operation'."""
    with metering() as meter:
        yield meter.calls


def _environment() -> dict[str, str]:
    """What the CDK stack gives the functions, with the catalog's local resource names."""
    from local.resources import local_environment

    return {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        **local_environment(),
        "WS_MANAGEMENT_ENDPOINT": MANAGEMENT_ENDPOINT,
        # The driver API starts StartSession by its ARN (answered by the meter: moto has no
        # StartSyncExecution).
        "START_SESSION_STATE_MACHINE_ARN": START_SESSION_ARN,
        "UNKNOWN_CHARGERS": "reject",
        # The authorizer's admission key (created in moto by _connect).
        "ADMISSION_KEY_SECRET": ADMISSION_KEY_SECRET,
        "POWERTOOLS_SERVICE_NAME": "csms",
        "POWERTOOLS_METRICS_NAMESPACE": "Csms",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


# Set by the local platform or a developer; the stack sets none of them.
_UNSET = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI",
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "POWERTOOLS_METRICS_DISABLED",
    "POWERTOOLS_DEV",
    "OPERATOR_DEV_TOKEN",
)


def _forget_handlers() -> None:
    for name in [m for m in sys.modules if m == "functions" or m.startswith("functions.")]:
        del sys.modules[name]


def _fresh_handlers() -> dict[str, ModuleType]:
    """Import the handler modules anew (a cold start) so they read this environment."""
    _forget_handlers()
    return {name: importlib.import_module(f"functions.{name}.handler") for name in HANDLERS}


class Recorder:
    """Runs invocations and keeps what each one cost under its step name."""

    def __init__(self) -> None:
        from infra.catalog import FUNCTIONS_BY_NAME

        self._memory = {f.name: f.memory_mb for f in FUNCTIONS_BY_NAME.values()}
        self.results: dict[str, dict[str, Any]] = {}
        self.meters: dict[str, Meter] = {}
        # Calls made outside botocore (the payment provider's), counted by their adapter.
        self.side_calls: Counter[str] = Counter()

    def frames(self, name: str, received: str, answered: str) -> None:
        """The WebSocket frames of a step: the charger's, and the route response (if any)."""
        self.results[name]["frame_in_bytes"] = len(received.encode())
        self.results[name]["frame_out_bytes"] = len(answered.encode())

    def step(self, name: str, function: str, call: Callable[[], Any]) -> Any:
        output: Output
        self.side_calls.clear()
        flushed_metrics()  # what was counted before the step is not the step's
        with metering() as meter, captured_output() as output:
            begun = time.process_time_ns()
            response = call()
            cpu_ns = time.process_time_ns() - begun
        meter.calls.update(self.side_calls)
        self.meters[name] = meter
        self.results[name] = {
            **meter.summary(),
            "function": function,
            "memory_mb": self._memory[function],
            "log_bytes": output.bytes,
            "log_lines": output.lines,
            # One warm sample of the handler's own CPU (the calls' CPU taken out); the model
            # prefers benchmarks.cpu's medians where it has them.
            "handler_cpu_us": round(max(0, cpu_ns - meter.aws_cpu_ns) / 1000, 1),
            # The custom metric series the invocation counted in (written up to a minute
            # later, as the functions flush them: not in log_bytes unless written at once).
            "metric_series": metric_series(output.text + "\n" + flushed_metrics()),
        }
        return response


def metric_series(text: str) -> list[dict[str, Any]]:
    """The CloudWatch metric series of the EMF lines in `text`: each metric of each dimension
    set, with the dimensions' values as the line gives them (Powertools adds `service`)."""
    found: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
    for line in text.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if not isinstance(document, dict) or not isinstance(document.get("_aws"), dict):
            continue
        for directive in document["_aws"].get("CloudWatchMetrics", []):
            for dimension_set in directive.get("Dimensions") or [[]]:
                dimensions = tuple(sorted((d, str(document[d])) for d in dimension_set))
                for metric in directive.get("Metrics", []):
                    found.add((directive["Namespace"], metric["Name"], dimensions))
    return [
        {"namespace": namespace, "metric": name, "dimensions": dict(dimensions)}
        for namespace, name, dimensions in sorted(found)
    ]


def flushed_metrics() -> str:
    """The EMF lines of the metrics the functions have summed in memory, written now."""
    from shared.observability import flush_metrics

    output: Output
    with captured_output() as output:
        flush_metrics()
    return output.text


def _reply_of(response: dict[str, Any], what: str) -> list[Any]:
    reply = json.loads(response["body"])
    if reply[0] != 3:
        raise RuntimeError(f"{what} failed: {reply}")
    return list(reply)


# Where a deployed stream's records come from, as every record of the consumer's event repeats
# it: CloudFormation-named stream and role, a shard, 56-digit sequence numbers.
DEPLOYED_STREAM = StreamSource(
    stream_arn="arn:aws:kinesis:us-east-1:123456789012:stream/Csms-TelemetryStream1A2B3C4D-AbCdEfGhIjKl",
    shard_id="shardId-000000000000",
    region="us-east-1",
    invoke_identity_arn=(
        "arn:aws:iam::123456789012:role/Csms-TelemetryConsumerServiceRole1A2B3C4D-AbCdEfGhIjKl"
    ),
)


def stream_record(data: bytes, partition_key: str, sequence: int) -> dict[str, Any]:
    """A record as the stream hands it to Lambda's poller (boto3's GetRecords shape)."""
    return {
        "SequenceNumber": f"{sequence:056d}",
        "ApproximateArrivalTimestamp": 1796576931.455,
        "Data": data,
        "PartitionKey": partition_key,
    }


def _kinesis_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The consumer's event (Lambda's exact shape) for these PutRecord(s) entries."""
    return kinesis_event(
        [
            stream_record(
                r["Data"] if isinstance(r["Data"], bytes) else str(r["Data"]).encode("utf-8"),
                r["PartitionKey"],
                sequence,
            )
            for sequence, r in enumerate(records, start=1)
        ],
        DEPLOYED_STREAM,
    )


def _eventbridge_event(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": "123456789012",
        "time": "2026-11-25T11:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": json.loads(entry["Detail"]),
    }


# A charger's first connection (news: ChargerConnected) and its reconnect after a disconnect
# (docs/adr/0028-connection-events.md: nothing published).
FIRST_CONNECT_STEP = "ws_connect $connect (first connection)"
RECONNECT_STEP = "ws_connect $connect"


def _connect(recorder: Recorder, handlers: dict[str, ModuleType]) -> dict[str, Any]:
    """Authorizer and $connect for a charger with a password; the route context.

    The authorizer runs twice: the first connect after a password change (scrypt, and the
    fast check's verifier written), then a reconnect (the verifier checked: the common case,
    "HTTP Basic", which the cost model prices). The admission key is read first, untimed: once
    per container, not per connect (docs/adr/0027)."""
    import boto3

    from tests.fakes import authorizer_event

    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=ADMISSION_KEY_SECRET, SecretString=json.dumps({"key": "bench-admission-key-" * 3})
    )
    admission_key = handlers["ws_authorize"].services.deps.admission_key
    if admission_key is None or admission_key.key() is None:
        raise RuntimeError("the authorizer has no admission key")
    basic = base64.b64encode(f"{CHARGER}:{PASSWORD}".encode()).decode()
    for step in ("ws_authorize $connect (first after a password change)", AUTHORIZER_STEP):
        policy = recorder.step(
            step,
            "ws_authorize",
            lambda: handlers["ws_authorize"].handler(
                authorizer_event(CHARGER, "ocpp1.6", f"Basic {basic}"), _context("ws_authorize")
            ),
        )
    context = {**policy["context"], "principalId": policy["principalId"]}
    _connect_step(recorder, handlers, FIRST_CONNECT_STEP, "bench=", context)
    return context


def _connect_step(
    recorder: Recorder,
    handlers: dict[str, ModuleType],
    step: str,
    connection_id: str,
    context: dict[str, Any],
) -> None:
    from tests.fakes import connect_event

    event = connect_event(CHARGER, "ocpp1.6", connection_id=connection_id, authorizer=context)
    response = recorder.step(
        step, "ws_connect", lambda: handlers["ws_connect"].handler(event, _context("ws_connect"))
    )
    if response["statusCode"] != 200:
        raise RuntimeError(f"{step} refused: {response}")


def _messages(
    recorder: Recorder,
    handlers: dict[str, ModuleType],
    version: str,
    scenario: list[tuple[str, list[Any]]],
) -> str:
    """The scenario's messages in order; the id of the session it ran."""
    from tests.fakes import message_event

    authorizer = {"chargePointId": CHARGER, "protocol": version, "validationMode": "strict"}
    default = handlers["ws_default"].handler
    transaction_id = ""
    for name, frame in scenario:
        text = json.dumps(frame).replace('"{tx}"', transaction_id or "0")
        step = f"{version} {name}"
        event = message_event("bench=", text, authorizer)
        response = recorder.step(
            step, "ws_default", partial(default, event, _context("ws_default"))
        )
        recorder.frames(step, text, response.get("body", ""))
        reply = _reply_of(response, step)
        if name == "StartTransaction":
            transaction_id = str(reply[2]["transactionId"])
        if recorder.meters[step].records and version == "ocpp1.6" and name == "MeterValues":
            _telemetry(recorder, handlers, recorder.meters[step].records)
        if name == "StopTransaction":
            _rollup(recorder, handlers, recorder.meters[step].published)
    return transaction_id


def _telemetry(
    recorder: Recorder, handlers: dict[str, ModuleType], records: list[dict[str, Any]]
) -> None:
    """The stream consumer on a batch holding this one record (one session in the batch)."""
    event = _kinesis_event(records)
    response = recorder.step(
        "telemetry_consumer batch of 1 record",
        "telemetry_consumer",
        lambda: handlers["telemetry_consumer"].handler(event, _context("telemetry_consumer")),
    )
    if response["batchItemFailures"]:
        raise RuntimeError(f"telemetry consumer failed: {response}")
    # The same batch with the summaries on the bus (stack setting publishMeterValues), and a
    # batch of a hundred of the session's records (what each record adds to a batch's CPU);
    # both write, as a first batch of a session would.
    progress = handlers["telemetry_consumer"].progress
    interval, progress.write_interval_s = progress.write_interval_s, 0
    hundred = _kinesis_event([records[0]] * LARGE_BATCH)
    try:
        progress.publish = True
        recorder.step(
            PUBLISHING_CONSUMER,
            "telemetry_consumer",
            lambda: handlers["telemetry_consumer"].handler(event, _context("telemetry_consumer")),
        )
        progress.publish = False
        recorder.step(
            LARGE_BATCH_CONSUMER,
            "telemetry_consumer",
            lambda: handlers["telemetry_consumer"].handler(hundred, _context("telemetry_consumer")),
        )
    finally:
        progress.publish, progress.write_interval_s = False, interval


def _rollup(
    recorder: Recorder, handlers: dict[str, ModuleType], published: list[dict[str, Any]]
) -> None:
    stopped = [e for e in published if e["DetailType"] == "TransactionStopped"]
    if not stopped:
        raise RuntimeError("StopTransaction published no TransactionStopped event")
    event = _eventbridge_event(stopped[0])
    response = recorder.step(
        "energy_rollup TransactionStopped",
        "energy_rollup",
        lambda: handlers["energy_rollup"].handler(event, _context("energy_rollup")),
    )
    if not response["added"]:
        raise RuntimeError("energy roll-up added nothing")


def _commands(recorder: Recorder, handlers: dict[str, ModuleType]) -> None:
    """A command out with post_to_connection and its CALLRESULT back on $default."""
    from shared.bootstrap import aws_services
    from shared.config import get_settings
    from tests.fakes import message_event

    engine = aws_services(get_settings()).engine
    authorizer = {"chargePointId": CHARGER, "protocol": "ocpp1.6", "validationMode": "strict"}
    default = handlers["ws_default"].handler
    commands: list[tuple[str, dict[str, Any], str | None, dict[str, Any]]] = [
        ("Reset", {"type": "Soft"}, None, {"status": "Accepted"}),
        # StartSession (Express) ends once the command is posted: no task token; the reply
        # and the start come back as events and records (ADR 0011).
        (
            "RemoteStartTransaction",
            {"connectorId": 1, "idTag": ID_TAG},
            None,
            {"status": "Accepted"},
        ),
        # A firmware campaign (Standard) waits for each charger's answer on a task token.
        (
            "UpdateFirmware",
            {"location": "https://firmware.example.com/ac22-2.1.bin", "retrieveDate": TIMESTAMP},
            "bench-task-token",
            {},
        ),
    ]
    for action, payload, token, answer in commands:
        record = recorder.step(
            f"ocpp1.6 {action} send",
            COMMAND_SENDER,
            partial(engine.send, CHARGER, action, payload, task_token=token),
        )
        text = json.dumps([3, record.message_id, answer])
        event = message_event("bench=", text, authorizer)
        response = recorder.step(
            f"ocpp1.6 {action} reply",
            "ws_default",
            partial(default, event, _context("ws_default")),
        )
        recorder.frames(f"ocpp1.6 {action} reply", text, response.get("body", ""))
        if "body" in response:
            raise RuntimeError(f"{action} reply was answered: {response}")
        outcome = engine.get(CHARGER, record.message_id)
        if outcome is None or outcome.status != "answered":
            raise RuntimeError(f"{action} not answered: {outcome}")


def _app_sessions(
    recorder: Recorder, handlers: dict[str, ModuleType], provider: Any, card_session: str
) -> None:
    """A driver's session from the app, twice (the second, warm run is the one kept), and
    SettleSession on the card session of the 1.6 scenario."""
    from tests.fakes import message_event

    authorizer = {"chargePointId": CHARGER, "protocol": "ocpp1.6", "validationMode": "strict"}
    app_session.seed(handlers, CHARGER)
    session = app_session.AppSession(
        handlers,
        recorder.step,
        _context,
        lambda text, _: message_event("bench=", text, authorizer),
        CHARGER,
    )
    # The driver's card, once: not measured.
    setup = session.driver("setup", "POST", "/driver/payment-methods/setup", measured=False)
    provider.add_payment_method(setup["customerId"], "pm_card_visa")
    # The app's stop waits for the charger's answer; here it polls once (an answer in time).
    handlers["driver_api"].services.driver_stops.wait_s = 0

    def completed(step: str) -> list[dict[str, Any]]:
        published = recorder.meters[step].published
        return [_eventbridge_event(e) for e in published if e["DetailType"] == "CommandCompleted"]

    for lap in range(2):
        session.run(completed, lap)
    app_session.settle_card_session(session, CHARGER, card_session)


def _disconnect(
    recorder: Recorder, handlers: dict[str, ModuleType], context: dict[str, Any]
) -> None:
    """$disconnect, then the charger's reconnect."""
    from tests.fakes import disconnect_event

    recorder.step(
        "ws_disconnect $disconnect",
        "ws_disconnect",
        lambda: handlers["ws_disconnect"].handler(
            disconnect_event("bench=", authorizer=context), _context("ws_disconnect")
        ),
    )
    # Back within seconds, as after API Gateway's two-hour close: the $connect the cost model
    # prices for every reconnect (no event; the disconnect taken out of the outbox).
    _connect_step(recorder, handlers, RECONNECT_STEP, "bench-2=", context)


def run() -> dict[str, dict[str, Any]]:
    """{"ocpp1.6 Heartbeat": {"total": 0, "calls": {...}, "capacity": {...}, ...}, ...}"""
    import boto3
    from moto import mock_aws

    from shared import config
    from shared.access.passwords import hash_password
    from shared.adapters import aws_clients, stripe_payments
    from shared.adapters.memory.payments import FakePaymentProvider
    from shared.models.charger import ChargerRecord
    from shared.models.transaction import IdTagRecord

    recorder = Recorder()
    with mock.patch.dict(os.environ, _environment()), mock_aws():
        for name in _UNSET:
            os.environ.pop(name, None)
        from local.resources import create_resources

        create_resources(boto3.session.Session(region_name="us-east-1"))
        config.get_settings.cache_clear()
        aws_clients.forget_clients()
        app_session.stub_sync_execution()
        # Every handler's payment provider is the one fake, counting its calls as Stripe's.
        provider = app_session.CountedProvider(FakePaymentProvider(), recorder.side_calls)
        try:
            with mock.patch.object(stripe_payments, "StripePaymentProvider", return_value=provider):
                handlers = _fresh_handlers()
            deps = handlers["ws_default"].services.deps
            deps.chargers.create(ChargerRecord(CHARGER, password_hash=hash_password(PASSWORD)))
            deps.id_tags.put(IdTagRecord(ID_TAG, "Accepted"))
            context = _connect(recorder, handlers)
            card_session = _messages(recorder, handlers, "ocpp1.6", SCENARIO_16)
            _commands(recorder, handlers)
            _app_sessions(recorder, handlers, provider, card_session)
            _messages(recorder, handlers, "ocpp2.0.1", SCENARIO_201)
            _disconnect(recorder, handlers, context)
        finally:
            _forget_handlers()
            aws_clients.forget_clients()
            config.get_settings.cache_clear()
    return recorder.results


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
