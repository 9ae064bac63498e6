"""Every minute: publish the domain events a live publish left behind (docs/adr/0019)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, logger
from shared.ports import relay_outbox

configure_logging()
services = aws_services(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        found = relay_outbox(services.outbox_sources(), services.now())
    return {"found": found}
