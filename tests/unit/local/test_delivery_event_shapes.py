"""The events local delivery hands to consumers and how it reads their answers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.catalog import FunctionDef, StreamConsumerDef
from local.delivery import ConsumerTable
from local.delivery.event_shapes import (
    EVENTBRIDGE_KEYS,
    BatchResult,
    StreamSource,
    batch_result,
    eventbridge_event,
    kinesis_event,
    record_payload_bytes,
)

SOURCE = StreamSource(
    stream_arn="arn:aws:kinesis:eu-west-1:111122223333:stream/telemetry",
    shard_id="shardId-000000000003",
    region="eu-west-1",
    invoke_identity_arn="arn:aws:iam::111122223333:role/consumer-role",
)


def get_records_record(sequence_number: str, data: bytes, key: str = "CP-1") -> dict[str, Any]:
    """A record as boto3's GetRecords returns it."""
    return {
        "SequenceNumber": sequence_number,
        "ApproximateArrivalTimestamp": datetime(2024, 5, 1, 12, 0, 0, 987654, tzinfo=UTC),
        "Data": data,
        "PartitionKey": key,
    }


def test_kinesis_event_has_lambdas_exact_shape():
    data = json.dumps({"meterValue": 12.5}).encode()
    event = kinesis_event([get_records_record("4959033827149025660855", data)], SOURCE)
    assert event == {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "CP-1",
                    "sequenceNumber": "4959033827149025660855",
                    "data": base64.b64encode(data).decode(),
                    "approximateArrivalTimestamp": 1714564800.988,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": "shardId-000000000003:4959033827149025660855",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::111122223333:role/consumer-role",
                "awsRegion": "eu-west-1",
                "eventSourceARN": "arn:aws:kinesis:eu-west-1:111122223333:stream/telemetry",
            }
        ]
    }
    # What the handler gets is JSON: the event must survive the round trip unchanged.
    assert json.loads(json.dumps(event)) == event


def test_kinesis_event_keeps_record_order_and_binary_data():
    records = [get_records_record(str(n), bytes([n, 0, 255])) for n in (7, 3, 9)]
    event = kinesis_event(records, SOURCE)
    assert [r["kinesis"]["sequenceNumber"] for r in event["Records"]] == ["7", "3", "9"]
    assert base64.b64decode(event["Records"][1]["kinesis"]["data"]) == bytes([3, 0, 255])


def test_payload_size_accounts_for_base64():
    small = record_payload_bytes(get_records_record("1", b""))
    assert record_payload_bytes(get_records_record("1", b"x" * 3000)) == small + 4000


BATCH = ["101", "205", "300", "412"]


@pytest.mark.parametrize(
    "response",
    [
        None,
        {},
        {"batchItemFailures": []},
        {"batchItemFailures": None},
        {"statusCode": 200},
        "ok",
    ],
)
def test_answers_lambda_counts_as_complete_success(response):
    assert batch_result(response, BATCH) == BatchResult()
    assert batch_result(response, BATCH).succeeded


def test_retry_starts_at_the_lowest_failed_record_of_the_batch():
    response = {"batchItemFailures": [{"itemIdentifier": "412"}, {"itemIdentifier": "205"}]}
    result = batch_result(response, BATCH)
    assert (result.first_failed, result.whole_batch) == ("205", False)


def test_lowest_is_by_position_in_the_batch_not_by_string_order():
    # "99" < "100" numerically, but "100" < "99" as strings: the batch order decides.
    result = batch_result({"batchItemFailures": [{"itemIdentifier": "100"}]}, ["99", "100"])
    assert result.first_failed == "100"


@pytest.mark.parametrize(
    "failures",
    [
        [{"itemIdentifier": ""}],
        [{"itemIdentifier": None}],
        [{"itemidentifier": "205"}],
        [{"itemIdentifier": "999"}],
        [{"itemIdentifier": "205"}, "205"],
        {"itemIdentifier": "205"},
    ],
)
def test_invalid_failure_reports_fail_the_whole_batch(failures):
    result = batch_result({"batchItemFailures": failures}, BATCH)
    assert (result.first_failed, result.whole_batch) == ("101", True)
    assert result.reason


# What moto's EventBridge puts on an SQS target: the envelope without "account".
MOTO_BODY = {
    "id": "3975fb8f-cfc4-494f-937f-91a37f2e59e9",
    "time": "2026-11-25T17:05:02Z",
    "version": "0",
    "detail-type": "TransactionStopped",
    "source": "csms.ocpp",
    "region": "us-east-1",
    "resources": ["arn:aws:x"],
    "detail": {"chargePointId": "CP-1", "energyWh": 1200},
}


def test_eventbridge_event_is_the_documented_envelope_in_order():
    event = eventbridge_event(MOTO_BODY, account_id="111122223333", region="eu-west-1")
    assert list(event) == list(EVENTBRIDGE_KEYS)
    assert event == {**MOTO_BODY, "account": "111122223333"}


def test_eventbridge_event_keeps_what_the_envelope_says():
    body = {**MOTO_BODY, "account": "444455556666", "resources": []}
    event = eventbridge_event(body, account_id="111122223333", region="eu-west-1")
    assert (event["account"], event["region"], event["resources"]) == (
        "444455556666",
        "us-east-1",
        [],
    )


@pytest.mark.parametrize("body", [{"local-delivery": "stop"}, ["not", "an", "event"], "text"])
def test_eventbridge_event_refuses_what_is_not_an_envelope(body):
    with pytest.raises(ValueError, match="not an EventBridge event"):
        eventbridge_event(body, account_id="1", region="r")


def test_rule_pattern_matches_source_detail_types_and_detail_fields():
    from infra.catalog import EventRuleDef

    plain = EventRuleDef(id="R", function="f", detail_types=("A", "B"))
    assert plain.pattern("csms.ocpp") == {"source": ["csms.ocpp"], "detail-type": ["A", "B"]}
    filtered = EventRuleDef(id="R", function="f", detail_types=("A",), detail=(("x", ("1", "2")),))
    assert filtered.pattern("csms.ocpp") == {
        "source": ["csms.ocpp"],
        "detail-type": ["A"],
        "detail": {"x": ["1", "2"]},
    }


def test_fake_consumers_get_their_catalog_functions_timeout():
    table = ConsumerTable.from_handlers(
        {"telemetry_consumer": lambda e, c: None, "custom": lambda e, c: None}
    )
    assert table.functions["telemetry_consumer"].timeout_s == 60
    assert table.functions["custom"].timeout_s == 10
    assert table.get("energy_rollup") is None


def _definitions(handler: str) -> dict[str, FunctionDef]:
    return {"consumer": FunctionDef(name="consumer", handler=handler, description="")}


def test_catalog_consumer_without_a_module_yet_is_left_out():
    table = ConsumerTable.from_catalog(
        [StreamConsumerDef(function="consumer", stream="S")],
        [],
        _definitions("functions.not_written_yet.handler.handler"),
        schedules=[],
        queues=[],
    )
    assert table.functions == {}


def test_catalog_consumer_whose_import_fails_inside_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "broken_consumer.py").write_text("import no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency"):
        ConsumerTable.from_catalog(
            [StreamConsumerDef(function="consumer", stream="S")],
            [],
            _definitions("broken_consumer.handler"),
            schedules=[],
            queues=[],
        )


def test_catalog_consumer_runs_the_handler_its_definition_names():
    table = ConsumerTable.from_catalog(
        [StreamConsumerDef(function="consumer", stream="S")],
        [],
        _definitions("json.loads"),
        schedules=[],
        queues=[],
    )
    handler: Any = table.functions["consumer"].handler
    assert handler is json.loads
