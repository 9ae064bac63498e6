"""The events Lambda's pollers hand to consumer functions, and how they read the answers.

Pure functions, no I/O: the Kinesis event source mapping's event (one record per stream
record, data base64-encoded) and its partial batch response, the EventBridge event a rule
delivers to a Lambda target, and the rule's event pattern.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Lambda refuses invocation payloads over 6 MB; the event source mapping cuts batches below it.
MAX_BATCH_PAYLOAD_BYTES = 6 * 1024 * 1024
# JSON around one record's data (ids, ARNs, keys): generous, so a batch never tips over.
RECORD_ENVELOPE_BYTES = 1024

# EventBridge's envelope, in the order AWS writes it.
EVENTBRIDGE_KEYS = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)


@dataclass(frozen=True)
class StreamSource:
    """Where a batch comes from, as every record of the event repeats it."""

    stream_arn: str
    shard_id: str
    region: str
    invoke_identity_arn: str


def kinesis_record(record: Mapping[str, Any], source: StreamSource) -> dict[str, Any]:
    """One entry of `Records`, from a GetRecords record (boto3's shape: bytes, datetime)."""
    sequence_number = str(record["SequenceNumber"])
    arrival = record["ApproximateArrivalTimestamp"]
    arrival_s = arrival.timestamp() if isinstance(arrival, datetime) else float(arrival)
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": sequence_number,
            "data": base64.b64encode(record["Data"]).decode("ascii"),
            # Lambda sends seconds with millisecond precision.
            "approximateArrivalTimestamp": round(arrival_s, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{source.shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": source.invoke_identity_arn,
        "awsRegion": source.region,
        "eventSourceARN": source.stream_arn,
    }


def kinesis_event(records: Sequence[Mapping[str, Any]], source: StreamSource) -> dict[str, Any]:
    return {"Records": [kinesis_record(record, source) for record in records]}


def record_payload_bytes(record: Mapping[str, Any]) -> int:
    """What one record adds to the invocation payload (base64 grows data by 4/3)."""
    return 4 * ((len(record["Data"]) + 2) // 3) + RECORD_ENVELOPE_BYTES


@dataclass(frozen=True)
class BatchResult:
    """How the consumer's answer settles a batch.

    `first_failed` is the sequence number to retry from (None: the whole batch succeeded);
    `whole_batch` is True when no particular record was blamed (an error, an unusable
    answer), which is when Lambda bisects.
    """

    first_failed: str | None = None
    whole_batch: bool = False
    reason: str = ""

    @property
    def succeeded(self) -> bool:
        return self.first_failed is None


def whole_batch_failure(sequence_numbers: Sequence[str], reason: str) -> BatchResult:
    return BatchResult(sequence_numbers[0], whole_batch=True, reason=reason)


def batch_result(response: Any, sequence_numbers: Sequence[str]) -> BatchResult:
    """Read a partial batch response (`ReportBatchItemFailures`) the way Lambda does.

    Success: no answer, an answer without `batchItemFailures`, or an empty/null list.
    Retry from the lowest failed sequence number when records are named; the whole batch
    failed when an identifier is missing, empty or not in the batch.
    """
    if not isinstance(response, Mapping):
        return BatchResult()
    failures = response.get("batchItemFailures")
    if failures is None:
        return BatchResult()
    if not isinstance(failures, list):
        return whole_batch_failure(sequence_numbers, "batchItemFailures is not a list")
    position = {sequence_number: i for i, sequence_number in enumerate(sequence_numbers)}
    lowest: int | None = None
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in position:
            return whole_batch_failure(
                sequence_numbers, f"invalid itemIdentifier in batchItemFailures: {failure!r}"
            )
        index = position[identifier]
        lowest = index if lowest is None else min(lowest, index)
    if lowest is None:
        return BatchResult()
    count = len(failures)
    return BatchResult(
        sequence_numbers[lowest],
        reason=f"the function reported {count} failed record{'s' if count > 1 else ''}",
    )


def eventbridge_event(
    envelope: Mapping[str, Any], *, account_id: str, region: str
) -> dict[str, Any]:
    """The event a rule delivers to a Lambda target, from the envelope it sends to SQS.

    moto's SQS copy lacks `account`; AWS always sets it (and `resources`, possibly empty).
    """
    if not isinstance(envelope, Mapping):
        raise ValueError(f"not an EventBridge event: {type(envelope).__name__}")
    missing = [key for key in ("id", "detail-type", "source", "time") if key not in envelope]
    if missing:
        raise ValueError(f"not an EventBridge event (no {', '.join(missing)})")
    defaults: dict[str, Any] = {
        "version": "0",
        "account": account_id,
        "region": region,
        "resources": [],
        "detail": {},
    }
    event = {key: envelope.get(key, defaults.get(key)) for key in EVENTBRIDGE_KEYS}
    # Anything else moto or AWS may add later is kept, after the documented keys.
    event.update({key: value for key, value in envelope.items() if key not in event})
    return event


def sqs_record(message: Mapping[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One entry of the `Records` an SQS event source mapping delivers, from a received
    message (ReceiveMessage with every attribute)."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": dict(message.get("MessageAttributes") or {}),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_failures(response: Any, message_ids: Sequence[str]) -> set[str]:
    """The messages a partial batch response names as failed (Lambda's reading: no answer
    or no `batchItemFailures` is success; an identifier not in the batch fails it all)."""
    if not isinstance(response, Mapping):
        return set()
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return set(message_ids)
    named: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in message_ids:
            return set(message_ids)
        named.add(identifier)
    return named
