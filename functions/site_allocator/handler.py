"""The allocation queue (SQS FIFO, one message group per site) -> each site allocated, its
limits sent and stored (docs/adr/0051). Partial batch failures: a site whose run failed is
delivered again, after the queue's visibility timeout, before anything later of its group."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services, aws_site_queue, site_allocator
from shared.config import get_settings
from shared.load_management.loop import allocate_batch
from shared.observability import configure_logging, logger

configure_logging()
settings = get_settings()
allocator = site_allocator(aws_services(settings), aws_site_queue(settings))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        failures = allocate_batch(event.get("Records") or [], allocator.run)
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failures]}
