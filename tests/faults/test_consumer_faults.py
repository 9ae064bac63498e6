"""A fault at any AWS call of a consumer (the telemetry consumer on a Kinesis batch, the energy
roll-up on a TransactionStopped event): a record is either done or handed back for redelivery
(a batch item failure, or an error), never acknowledged undone; the redelivery stores the work
exactly once; a bad record never costs another session's good one."""

from __future__ import annotations

import base64
import importlib
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.catalog import FUNCTIONS_BY_NAME
from local.delivery.event_shapes import StreamSource, eventbridge_event, kinesis_event
from local.invoke import LambdaContext, LambdaFunction
from shared.config import get_settings
from shared.models.telemetry import TelemetryRecord
from tests.fault_injection import Fault, NthCall, injected, nth_call_fails
from tests.faults.conftest import Platform
from tests.faults.test_session_faults import START_16, deliver, sessions

ACCOUNT = "123456789012"
REGION = "us-east-1"
DAY = "2026-06-01"


class Failed(Exception):
    """The invocation raised: Lambda delivers the whole batch (or the event) again."""


def cold_start(name: str) -> LambdaFunction:
    """A function as Lambda starts it. Its handler module builds the services at import, so it
    is imported afresh: its clients are then this test's, the ones faults go into."""
    definition = FUNCTIONS_BY_NAME[name]
    module_name, _, attribute = definition.handler.rpartition(".")
    loaded = sys.modules.get(module_name)
    module = importlib.reload(loaded) if loaded else importlib.import_module(module_name)
    return LambdaFunction(
        name, getattr(module, attribute), definition.timeout_s, definition.memory_mb
    )


@pytest.fixture
def telemetry_consumer(platform: Platform, monkeypatch) -> LambdaFunction:
    """With its summaries on the bus (publishMeterValues): the harder case, a PutEvents more."""
    monkeypatch.setenv("PUBLISH_METER_VALUES", "true")
    # Every batch writes (the default waits five minutes of readings between writes).
    monkeypatch.setenv("LIVE_ENERGY_WRITE_INTERVAL_S", "0")
    get_settings.cache_clear()
    return cold_start("telemetry_consumer")


@pytest.fixture
def quiet_telemetry_consumer(platform: Platform, monkeypatch) -> LambdaFunction:
    """As the stack deploys it by default: no MeterValuesReceived."""
    monkeypatch.delenv("PUBLISH_METER_VALUES", raising=False)
    get_settings.cache_clear()
    return cold_start("telemetry_consumer")


@pytest.fixture
def energy_rollup(platform: Platform) -> LambdaFunction:
    return cold_start("energy_rollup")


def clients(platform: Platform) -> list[Any]:
    """The clients of every service the consumers may call (their grants in infra/catalog.py:
    DynamoDB, EventBridge)."""
    return [platform.client(name) for name in ("dynamodb", "events")]


def invoke(function: LambdaFunction, event: dict[str, Any]) -> Any:
    """One invocation, with a JSON copy of the event and a runtime-like context."""
    deadline = int(time.time() * 1000) + int(function.timeout_s * 1000)
    context = LambdaContext(function, region=REGION, account_id=ACCOUNT, deadline_epoch_ms=deadline)
    try:
        return function.handler(json.loads(json.dumps(event)), context)
    except Exception as exc:
        raise Failed(repr(exc)) from exc


def batch_failures(function: LambdaFunction, event: dict[str, Any]) -> list[str] | None:
    """The sequence numbers the consumer hands back; None when the invocation failed."""
    try:
        answer = invoke(function, event)
    except Failed:
        return None
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


# The telemetry consumer


def start_two_sessions(platform: Platform) -> tuple[str, str]:
    """Sessions A (connector 1) and B (connector 2) of CP1, both from meter reading 100 Wh."""
    a = deliver(platform, "StartTransaction", START_16, "ocpp1.6")[2]["transactionId"]
    b = deliver(platform, "StartTransaction", {**START_16, "connectorId": 2}, "ocpp1.6")
    return str(a), str(b[2]["transactionId"])


def meter_value(wh: int, minute: int) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": f"{DAY}T10:{minute:02d}:00Z",
            "sampledValue": [{"value": str(wh), "context": "Sample.Periodic"}],
        }
    ]


def meter_values(platform: Platform, connector: int, tx: str | None, wh: int, minute: int):
    """A MeterValues through the router: the hot path puts it on the stream."""
    payload: dict[str, Any] = {"connectorId": connector, "meterValue": meter_value(wh, minute)}
    if tx is not None:
        payload["transactionId"] = int(tx)
    assert platform.send("MeterValues", payload)[0] == 3


def reading(tx: Any, connector: int, wh: int, minute: int) -> bytes:
    """The record the hot path puts on the stream for such a MeterValues (`tx` as given)."""
    record = TelemetryRecord(
        "CP1",
        "ocpp1.6",
        "MeterValues",
        f"{DAY}T10:{minute:02d}:01.000Z",
        meter_value(wh, minute),
        connector_id=connector,
    )
    return json.dumps(
        {**json.loads(record.to_json()), "transactionId": tx}, separators=(",", ":")
    ).encode()


def put_raw(platform: Platform, data: bytes) -> None:
    """A record on the stream that did not come from the hot path."""
    platform.client("kinesis").put_record(
        StreamName=platform.services.settings.telemetry_stream_name, Data=data, PartitionKey="CP1"
    )


def batch_of(records: list[dict[str, Any]], shard_id: str) -> dict[str, Any]:
    """The consumer's event for these GetRecords records, as the event source mapping builds it."""
    stream = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/telemetry"
    role = f"arn:aws:iam::{ACCOUNT}:role/telemetry-consumer"
    return kinesis_event(records, StreamSource(stream, shard_id, REGION, role))


def stream_batch(platform: Platform) -> dict[str, Any]:
    """Everything on moto's stream, as one batch."""
    kinesis = platform.client("kinesis")
    stream = platform.services.settings.telemetry_stream_name
    (shard,) = kinesis.list_shards(StreamName=stream)["Shards"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return batch_of(kinesis.get_records(ShardIterator=iterator)["Records"], shard["ShardId"])


def batch(*data: bytes) -> dict[str, Any]:
    """A batch of these record bodies, in this order (no round trip through moto's stream)."""
    records = [
        {
            "SequenceNumber": f"4959{n:020d}",
            "ApproximateArrivalTimestamp": datetime(2026, 6, 1, 10, n, tzinfo=UTC),
            "Data": body,
            "PartitionKey": "CP1",
        }
        for n, body in enumerate(data, start=1)
    ]
    return batch_of(records, "shardId-000000000000")


def sequence_numbers(event: dict[str, Any]) -> list[str]:
    return [record["kinesis"]["sequenceNumber"] for record in event["Records"]]


def last_reading(platform: Platform, tx: str) -> tuple[Any, Any]:
    session = platform.services.deps.transactions.get("CP1", tx)
    return session.last_meter_wh, session.last_meter_at


def summaries(platform: Platform, tx: str) -> list[dict[str, Any]]:
    published = platform.published.of_type("MeterValuesReceived")
    return [summary for summary in published if summary["transactionId"] == tx]


# Every AWS call of a batch with two sessions' readings, in order: each session's update, then
# one PutEvents (the clean redelivery in the test below checks the list is complete).
TELEMETRY_CALLS = ("dynamodb:UpdateItem", "dynamodb:UpdateItem", "events:PutEvents")
POSITIONS_TELEMETRY = range(1, len(TELEMETRY_CALLS) + 1)

# How a call fails: before it reaches the service (throttled, a 500) or after it took effect.
KINDS = [
    pytest.param(False, "ThrottlingException", id="throttled"),
    pytest.param(False, "InternalServerError", id="500"),
    pytest.param(True, "InternalServerError", id="after-effect"),
]


@pytest.mark.parametrize(("after", "code"), KINDS)
@pytest.mark.parametrize("n", POSITIONS_TELEMETRY)
def test_a_telemetry_batch_with_a_fault_at_any_call(
    platform: Platform, telemetry_consumer: LambdaFunction, n: int, after: bool, code: str
):
    a, b = start_two_sessions(platform)
    # A's readings around B's: A's update comes first, and its records are not contiguous.
    event = batch(reading(a, 1, 1200, 2), reading(b, 2, 2500, 3), reading(a, 1, 1500, 5))
    a1, b1, a2 = sequence_numbers(event)
    expected = {a: (1500, f"{DAY}T10:05:00.000Z"), b: (2500, f"{DAY}T10:03:00.000Z")}
    # The session whose update the fault hits hands back its records, and only those.
    failing = {1: (a, {a1, a2}), 2: (b, {b1}), 3: (None, set())}[n]
    fault = NthCall(n=n, after=after, code=code)
    with nth_call_fails(clients(platform), fault):
        failed = batch_failures(telemetry_consumer, event)
    assert fault.failed == TELEMETRY_CALLS[n - 1]
    if failed is not None:  # else the whole batch comes again
        tx, records = failing
        assert set(failed) == records
        for other in {a, b} - {tx}:  # what is not handed back is done
            assert last_reading(platform, other) == expected[other]
    # The redelivery (here the whole batch, more than Lambda resends) completes the work; it
    # makes every call of the batch, so a new call must extend TELEMETRY_CALLS.
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        assert batch_failures(telemetry_consumer, event) == []
    assert tuple(probe.calls) == TELEMETRY_CALLS
    # An older record of it once more on its own (a retry from a failed record, a charger's
    # late queue) never moves a reading back.
    assert batch_failures(telemetry_consumer, batch(reading(a, 1, 1200, 2))) == []
    for tx, (wh, at) in expected.items():
        assert last_reading(platform, tx) == (wh, at)
        assert wh in {summary["latestEnergyWh"] for summary in summaries(platform, tx)}
    for session in sessions(platform):  # a reading touches nothing else of the session
        assert (session["status"], session["meterStartWh"]) == ("active", 100)
        assert session.get("energyWh") is None


def test_by_default_a_batch_stores_progress_and_publishes_nothing(
    platform: Platform, quiet_telemetry_consumer: LambdaFunction
):
    """Without publishMeterValues a batch is its sessions' updates and no PutEvents."""
    a, b = start_two_sessions(platform)
    event = batch(reading(a, 1, 1200, 2), reading(b, 2, 2500, 3), reading(a, 1, 1500, 5))
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        assert batch_failures(quiet_telemetry_consumer, event) == []
    assert tuple(probe.calls) == ("dynamodb:UpdateItem", "dynamodb:UpdateItem")
    assert last_reading(platform, a) == (1500, f"{DAY}T10:05:00.000Z")
    assert last_reading(platform, b) == (2500, f"{DAY}T10:03:00.000Z")
    assert platform.published.of_type("MeterValuesReceived") == []


def test_bad_records_never_cost_another_sessions_good_ones(
    platform: Platform, telemetry_consumer: LambdaFunction
):
    a, b = start_two_sessions(platform)
    meter_values(platform, 1, a, 1500, 5)
    put_raw(platform, b"\xff\xfe not JSON")
    meter_values(platform, 1, "999", 700, 6)  # a session never started
    put_raw(platform, reading(a, 1, 9000, 9).replace(b'"v":1', b'"v":2'))  # a newer format
    put_raw(platform, b'{"v":1,"chargePointId":"CP1"}')  # fields missing
    meter_values(platform, 1, None, 1700, 7)  # outside a session
    put_raw(platform, b"to be garbled")
    meter_values(platform, 2, b, 2500, 8)
    event = stream_batch(platform)
    assert len(event["Records"]) == 8
    garbled = event["Records"][6]["kinesis"]
    assert base64.b64decode(garbled["data"]) == b"to be garbled"
    garbled["data"] = "A"  # not base64
    assert batch_failures(telemetry_consumer, event) == []
    assert last_reading(platform, a) == (1500, f"{DAY}T10:05:00.000Z")
    assert last_reading(platform, b) == (2500, f"{DAY}T10:08:00.000Z")
    assert {s["transactionId"] for s in sessions(platform)} == {a, b}  # none made up for 999
    assert [s["sessionEnergyWh"] for s in summaries(platform, a)] == [1400]
    assert [s["sessionEnergyWh"] for s in summaries(platform, b)] == [2400]


def good_readings_around(platform: Platform, bad: bytes) -> tuple[str, str, dict[str, Any]]:
    a, b = start_two_sessions(platform)
    return a, b, batch(reading(a, 1, 1500, 5), bad, reading(b, 2, 2500, 8))


@pytest.mark.parametrize("bad", [b"null", b"[]", b"1", b'"x"', b"{}"])
def test_a_record_of_json_that_is_no_telemetry_record_is_skipped(
    platform: Platform, telemetry_consumer: LambdaFunction, bad: bytes
):
    a, b, event = good_readings_around(platform, bad)
    assert batch_failures(telemetry_consumer, event) == []
    assert (last_reading(platform, a)[0], last_reading(platform, b)[0]) == (1500, 2500)


@pytest.mark.parametrize("tx", [7, {"id": "7"}, ["7"], "", True], ids=repr)
def test_a_record_with_an_unusable_transaction_id_is_skipped(
    platform: Platform, telemetry_consumer: LambdaFunction, tx: Any
):
    """Such a record never becomes usable (DynamoDB keys are non-empty strings): skipped as
    unreadable, not handed back forever in front of the shard's good records."""
    a, b, event = good_readings_around(platform, reading(tx, 1, 4000, 6))
    assert (last_reading(platform, a)[0], last_reading(platform, b)[0]) == (None, None)
    assert batch_failures(telemetry_consumer, event) == []
    assert (last_reading(platform, a)[0], last_reading(platform, b)[0]) == (1500, 2500)


# The energy roll-up

STOP_16 = {"meterStop": 5100, "timestamp": f"{DAY}T11:00:00Z", "reason": "EVDisconnected"}


def stopped_event(platform: Platform) -> dict[str, Any]:
    """A finished session's TransactionStopped (100 to 5100 Wh), as the rule delivers it to
    the roll-up."""
    tx = deliver(platform, "StartTransaction", START_16, "ocpp1.6")[2]["transactionId"]
    deliver(platform, "StopTransaction", {**STOP_16, "transactionId": tx}, "ocpp1.6")
    (entry,) = [e for e in platform.published.entries if e["DetailType"] == "TransactionStopped"]
    envelope = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "time": f"{DAY}T11:00:01Z",
        "region": REGION,
        "resources": [],
        "detail": json.loads(entry["Detail"]),
    }
    return eventbridge_event(envelope, account_id=ACCOUNT, region=REGION)


def day_total(platform: Platform) -> tuple[int, int]:
    """(energy Wh, sessions) of CP1's day."""
    ledger: Any = platform.services.deps.energy
    total: tuple[int, int] = ledger.day_total("CP1", DAY)
    return total


# Every AWS call of the roll-up (checked by the clean redelivery in the test below): one
# transaction of the session's "rolled up" marker and the day's sums.
ROLLUP_CALLS = ("TransactWriteItems",)
POSITIONS_ROLLUP = range(1, len(ROLLUP_CALLS) + 1)
CANCELED = "TransactionCanceledException"

# (after it took effect, error code, cancellation reasons of the transaction's two items)
ROLLUP_KINDS = [
    pytest.param(False, "ThrottlingException", None, id="throttled"),
    pytest.param(False, CANCELED, ["None", "TransactionConflict"], id="conflict"),
    pytest.param(False, "InternalServerError", None, id="500"),
    pytest.param(True, "InternalServerError", None, id="after-effect"),
]


@contextmanager
def rollup_fault(
    platform: Platform, n: int, after: bool, code: str, reasons: list[str] | None
) -> Iterator[Fault]:
    response = {"CancellationReasons": [{"Code": r} for r in reasons]} if reasons else {}
    fault = Fault(ROLLUP_CALLS[n - 1], code=code, after=after, response=response)
    with injected(platform.client("dynamodb"), fault):
        yield fault


@pytest.mark.parametrize(("after", "code", "reasons"), ROLLUP_KINDS)
@pytest.mark.parametrize("n", POSITIONS_ROLLUP)
def test_an_energy_rollup_with_a_fault_at_any_call(
    platform: Platform,
    energy_rollup: LambdaFunction,
    n: int,
    after: bool,
    code: str,
    reasons: list[str] | None,
):
    event = stopped_event(platform)
    with rollup_fault(platform, n, after, code, reasons) as fault:
        try:
            first = invoke(energy_rollup, event)
        except Failed:
            first = None  # EventBridge invokes the function again
    assert fault.raised == 1
    if first is not None:  # acknowledged: then it is counted
        assert (first, day_total(platform)) == ({"added": True}, (5000, 1))
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        invoke(energy_rollup, event)
    assert tuple(probe.calls) == tuple(f"dynamodb:{call}" for call in ROLLUP_CALLS)
    assert day_total(platform) == (5000, 1)
    # A further copy of the event (EventBridge delivers at least once) adds nothing.
    assert invoke(energy_rollup, event) == {"added": False}
    assert day_total(platform) == (5000, 1)
    (session,) = sessions(platform)
    assert session["rolledUpAt"]
