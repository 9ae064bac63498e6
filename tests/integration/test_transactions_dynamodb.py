"""Sessions against DynamoDB (moto): conditional writes under parallel duplicates."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import pytest

from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.adapters.dynamodb.connectors import DynamoConnectorRepository
from shared.adapters.dynamodb.device_models import DynamoDeviceModelStore
from shared.adapters.dynamodb.drivers import DynamoDriverRepository
from shared.adapters.dynamodb.energy import DynamoEnergyLedger
from shared.adapters.dynamodb.id_tags import DynamoIdTagRepository
from shared.adapters.dynamodb.items import from_item
from shared.adapters.dynamodb.locations import DynamoLocationRepository
from shared.adapters.dynamodb.payments import DynamoPaymentRecords
from shared.adapters.dynamodb.tariffs import DynamoTariffRepository
from shared.adapters.dynamodb.transaction_events import DynamoTransactionEventLog
from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
from shared.adapters.kinesis import KinesisTelemetrySink
from shared.adapters.memory.charger_events import MemoryChargerEventLog
from shared.adapters.memory.chargers import MemoryConnectionRepository
from shared.adapters.memory.commands import (
    MemoryCommandStore,
    MemoryReservationStore,
    MemoryTaskNotifier,
)
from shared.adapters.memory.payments import FakePaymentProvider
from shared.adapters.memory.publishing import MemoryEventPublisher
from shared.adapters.memory.receipts import MemoryReceiptStore
from shared.adapters.memory.start_requests import MemoryStartRequestStore
from shared.adapters.memory.websocket import MemoryLiveConnections, MemorySender
from shared.adapters.stripe_webhooks import StripeWebhookVerifier
from shared.bootstrap import Dependencies, build_router, build_services
from shared.locations import geohash
from shared.models.charger import ChargerRecord
from shared.models.telemetry import TelemetryRecord
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.ocpp.router import MessageContext
from shared.ocpp.versions import OcppVersion
from tests.fakes import WEBHOOK_SECRET, InlineWorkflows

T0 = datetime(2026, 6, 1, 10, tzinfo=UTC)


@pytest.fixture
def atomic_calls():
    """DynamoDB applies each request atomically; moto's in-process backend does not lock, so
    two threads could interleave inside one conditional write. Serialise single API calls
    (as the real service does) while the threads still interleave between calls."""
    import botocore.client

    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def atomic(self, operation_name, api_params):
        with lock:
            return original(self, operation_name, api_params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", atomic):
        yield


@pytest.fixture
def deps(aws_env, dynamodb):
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    streams = kinesis.list_streams()["StreamNames"]
    if aws_env.telemetry_stream_name not in streams:
        kinesis.create_stream(StreamName=aws_env.telemetry_stream_name, ShardCount=1)
    d = Dependencies(
        settings=aws_env,
        chargers=DynamoChargerRepository(dynamodb, aws_env.chargers_table),
        connections=MemoryConnectionRepository(),
        connectors=DynamoConnectorRepository(dynamodb, aws_env.connectors_table),
        publisher=MemoryEventPublisher(),
        id_tags=DynamoIdTagRepository(dynamodb, aws_env.id_tags_table),
        transactions=DynamoTransactionRepository(
            dynamodb, aws_env.transactions_table, aws_env.connectors_table
        ),
        transaction_events=DynamoTransactionEventLog(dynamodb, aws_env.transaction_events_table),
        energy=DynamoEnergyLedger(dynamodb, aws_env.transactions_table, aws_env.energy_daily_table),
        telemetry=KinesisTelemetrySink(kinesis, aws_env.telemetry_stream_name),
        commands=MemoryCommandStore(),
        reservations=MemoryReservationStore(),
        sender=MemorySender(),
        live_connections=MemoryLiveConnections(),
        tasks=MemoryTaskNotifier(),
        tariffs=DynamoTariffRepository(dynamodb, aws_env.tariffs_table),
        payments=FakePaymentProvider(),
        payment_records=DynamoPaymentRecords(dynamodb, aws_env.payments_table),
        webhook_verifier=StripeWebhookVerifier(lambda: WEBHOOK_SECRET),
        drivers=DynamoDriverRepository(dynamodb, aws_env.drivers_table),
        start_requests=MemoryStartRequestStore(),
        receipts=MemoryReceiptStore(),
        workflows=InlineWorkflows(),
        locations=DynamoLocationRepository(dynamodb, aws_env.locations_table, geohash.encode),
        device_models=DynamoDeviceModelStore(dynamodb, aws_env.device_models_table),
        charger_events=MemoryChargerEventLog(),
    )
    d.chargers.create(ChargerRecord("CP1"))
    d.id_tags.put(IdTagRecord("GOOD", "Accepted", expiry_date="2099-01-01T00:00:00.000Z"))
    return d


def send(deps, action, payload, version=OcppVersion.V16, at=T0):
    router = build_router(build_services(deps))
    answer = router.handle(
        MessageContext("CP1", "c1", version, at), json.dumps([2, "m", action, payload])
    )
    assert answer is not None
    frame = json.loads(answer)
    assert frame[0] == 3, frame
    return frame[2]


START = {"connectorId": 1, "idTag": "GOOD", "meterStart": 100, "timestamp": "2026-06-01T10:00:00Z"}


def test_id_tags_round_trip(deps):
    assert deps.id_tags.get("GOOD").expiry_date == "2099-01-01T00:00:00.000Z"
    assert deps.id_tags.get("NOPE") is None
    assert send(deps, "Authorize", {"idTag": "GOOD"})["idTagInfo"]["status"] == "Accepted"


def test_two_parallel_duplicate_starts_create_one_session(deps, atomic_calls):
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def deliver():
        barrier.wait()
        answers.append(send(deps, "StartTransaction", START)["transactionId"])

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2
    assert answers[0] == answers[1]
    items = deps.transactions._client.scan(TableName=deps.settings.transactions_table)["Items"]
    assert len(items) == 1
    # Both copies may publish (the second finds the event still unpublished): one event id.
    started = deps.publisher.of_type("TransactionStarted")
    assert len({event.event_id for event in started}) == 1
    assert from_item(items[0]).get("unpublished") is None  # and the outbox is clear


def test_parallel_duplicate_stops_close_once(deps, atomic_calls):
    tx = send(deps, "StartTransaction", START)["transactionId"]
    stop = {"transactionId": tx, "meterStop": 5100, "timestamp": "2026-06-01T11:00:00Z"}
    barrier = threading.Barrier(3)

    def deliver():
        barrier.wait()
        send(deps, "StopTransaction", stop)

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    record = deps.transactions.get("CP1", str(tx))
    assert (record.status, record.energy_wh, record.duration_s) == ("completed", 5000, 3600)
    stopped = deps.publisher.of_type("TransactionStopped")
    assert len({event.event_id for event in stopped}) == 1
    assert record.unpublished == frozenset()


def test_replacement_orphans_and_the_connector_pointer(deps):
    old = send(deps, "StartTransaction", START)["transactionId"]
    new = send(
        deps, "StartTransaction", {**START, "meterStart": 900, "timestamp": "2026-06-01T12:00:00Z"}
    )["transactionId"]
    assert deps.transactions.get("CP1", str(old)).status == "replaced"
    assert deps.transactions.get("CP1", str(new)).status == "active"
    # The pointer item does not appear as a connector status.
    assert deps.connectors.list_for("CP1") == []
    send(
        deps,
        "StopTransaction",
        {"transactionId": 31337, "meterStop": 1, "timestamp": "2026-06-01T12:00:00Z"},
    )
    assert deps.transactions.get("CP1", "31337").status == "orphan"


def test_v201_events_deduplicated_in_dynamodb(deps):
    base = {
        "timestamp": "2026-06-01T10:00:00Z",
        "triggerReason": "Authorized",
        "transactionInfo": {"transactionId": "T-1"},
        "evse": {"id": 1, "connectorId": 1},
    }
    begin = [
        {
            "timestamp": "2026-06-01T10:00:00Z",
            "sampledValue": [
                {"value": 10.0, "context": "Transaction.Begin", "unitOfMeasure": {"unit": "kWh"}}
            ],
        }
    ]
    end = [
        {
            "timestamp": "2026-06-01T10:30:00Z",
            "sampledValue": [
                {"value": 12.5, "context": "Transaction.End", "unitOfMeasure": {"unit": "kWh"}}
            ],
        }
    ]
    started = {**base, "eventType": "Started", "seqNo": 0, "meterValue": begin}
    ended = {
        **base,
        "eventType": "Ended",
        "seqNo": 1,
        "triggerReason": "EVDeparted",
        "timestamp": "2026-06-01T10:30:00Z",
        "meterValue": end,
    }
    for payload in (started, started, ended, ended):
        send(deps, "TransactionEvent", payload, OcppVersion.V201)
    record = deps.transactions.get("CP1", "T-1")
    assert (record.status, record.energy_wh) == ("completed", 2500)
    assert len(deps.publisher.of_type("TransactionStopped")) == 1


def test_meter_values_are_one_kinesis_record_each(deps):
    send(
        deps,
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": 5,
            "meterValue": [
                {"timestamp": "2026-06-01T10:00:00Z", "sampledValue": [{"value": "100"}]}
            ],
        },
    )
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    shard = kinesis.list_shards(StreamName=deps.settings.telemetry_stream_name)["Shards"][0]
    iterator = kinesis.get_shard_iterator(
        StreamName=deps.settings.telemetry_stream_name,
        ShardId=shard["ShardId"],
        ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert len(records) == 1
    assert records[0]["PartitionKey"] == "CP1"
    decoded = TelemetryRecord.from_json(records[0]["Data"])
    assert (decoded.transaction_id, decoded.source) == ("5", "MeterValues")


def test_meter_progress_and_energy_ledger(deps, aws_env, dynamodb):
    tx = str(send(deps, "StartTransaction", START)["transactionId"])
    later = (T0 + timedelta(minutes=5)).isoformat()
    assert deps.transactions.record_meter_progress("CP1", tx, 900, later).last_meter_wh == 900
    assert deps.transactions.record_meter_progress("CP1", tx, 800, T0.isoformat()) is None
    assert deps.transactions.record_meter_progress("CP1", "nope", 1, later) is None
    send(
        deps,
        "StopTransaction",
        {"transactionId": int(tx), "meterStop": 1100, "timestamp": "2026-06-01T11:00:00Z"},
    )
    ledger = DynamoEnergyLedger(dynamodb, aws_env.transactions_table, aws_env.energy_daily_table)
    assert ledger.add_session_once("CP1", tx, "2026-06-01", 1000)
    assert not ledger.add_session_once("CP1", tx, "2026-06-01", 1000)
    assert not ledger.add_session_once("CP1", "unknown", "2026-06-01", 1000)
    assert ledger.day_total("CP1", "2026-06-01") == (1000, 1)


def test_record_start_is_conditional(deps):
    record = TransactionRecord("CP1", "X", "active", started_at="a", started_at_ms=1)
    assert deps.transactions.record_start(record) is not None
    assert deps.transactions.record_start(record) is None


def status(value, timestamp, error="NoError"):
    return {"connectorId": 1, "errorCode": error, "status": value, "timestamp": timestamp}


def test_a_re_announced_status_is_stored_but_published_only_when_it_changed(deps):
    send(deps, "StatusNotification", status("Available", "2026-06-01T10:00:00Z"))
    # A reconnect two hours later: the charger announces the same status again.
    later = T0 + timedelta(hours=2)
    send(deps, "StatusNotification", status("Available", "2026-06-01T12:00:00Z"), at=later)
    (stored,) = deps.connectors.list_for("CP1")
    # A repeat writes nothing: the stored report is the one that began the status (since when).
    assert stored.timestamp == "2026-06-01T10:00:00.000Z"
    assert stored.received_at_ms == int(T0.timestamp() * 1000)
    send(
        deps,
        "StatusNotification",
        status("Faulted", "2026-06-01T12:01:00Z", error="GroundFailure"),
        at=later + timedelta(minutes=1),
    )
    changes = deps.publisher.of_type("ConnectorStatusChanged")
    assert [(e.detail["previousStatus"], e.detail["status"]) for e in changes] == [
        (None, "Available"),
        ("Available", "Faulted"),
    ]


def test_a_connector_known_only_from_a_session_publishes_its_first_status(deps):
    send(deps, "StartTransaction", START)  # the connector item holds the session pointer only
    send(deps, "StatusNotification", status("Charging", "2026-06-01T10:00:01Z"))
    (change,) = deps.publisher.of_type("ConnectorStatusChanged")
    assert (change.detail["previousStatus"], change.detail["status"]) == (None, "Charging")


def test_record_token_only_on_a_started_session_without_one(deps):
    assert not deps.transactions.record_token("CP1", "Y", "TAG", "Accepted")  # no session
    record = TransactionRecord("CP1", "Y", "active", started_at="a", started_at_ms=1)
    deps.transactions.record_start(record)
    recorded = deps.transactions.record_token("CP1", "Y", "TAG", "Accepted")
    assert recorded is not None and recorded.id_tag == "TAG"  # the session as stored
    assert not deps.transactions.record_token("CP1", "Y", "OTHER", "Invalid")
    stored = deps.transactions.get("CP1", "Y")
    assert (stored.id_tag, stored.authorization_status) == ("TAG", "Accepted")
