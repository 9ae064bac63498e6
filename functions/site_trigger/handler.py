"""Domain events that change a site's inputs -> EVSE live states and the site queued for an
allocation; due wake-ups -> the site queued (docs/adr/0051). Two event sources: the bus rule
(one event per invocation) and the wake-up queue (SQS batches, partial failures)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services, aws_site_queue, site_trigger
from shared.config import get_settings
from shared.load_management.trigger import forward_wake_ups
from shared.observability import configure_logging, logger
from shared.timeutil import parse_timestamp, utc_now

configure_logging()
settings = get_settings()
queue = aws_site_queue(settings)
trigger = site_trigger(aws_services(settings), queue)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        if "Records" in event:
            failures = forward_wake_ups(event["Records"], queue, utc_now())
            return {"batchItemFailures": [{"itemIdentifier": i} for i in failures]}
        at = parse_timestamp(event.get("time")) or utc_now()
        detail = event.get("detail") or {}
        result = trigger.handle(str(event.get("detail-type", "")), at, detail)
    return {"outcome": result.outcome, "written": len(result.written)}
