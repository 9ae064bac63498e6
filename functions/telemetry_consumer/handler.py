"""Kinesis telemetry -> live session energy (one write per session per batch) and summaries."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.models.telemetry import TelemetryRecord
from shared.observability import configure_logging, count_metric, logger
from shared.timeutil import utc_now

configure_logging()
progress = aws_services(get_settings()).session_progress


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records: list[tuple[str, TelemetryRecord]] = []
    for record in KinesisStreamEvent(event).records:
        sequence = record.kinesis.sequence_number
        try:
            records.append((sequence, TelemetryRecord.from_json(record.kinesis.data_as_bytes())))
        except (ValueError, KeyError, TypeError):
            # A record that cannot be read never will be: retrying it would block the shard.
            logger.error("unreadable telemetry record skipped", extra={"sequenceNumber": sequence})
            count_metric("TelemetryRecordsUnreadable", {})
    with invocation_deadline(context):
        failed = progress.apply(records, utc_now())
    # Lambda retries from the lowest failed sequence number; the updates are idempotent.
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
