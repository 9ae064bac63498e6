"""Every minute: release the holds of start requests no session claimed, claim the started
ones, and stop a running app session whose price reached its hold (docs/adr/0011)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, logger

configure_logging()
services = aws_services(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        return {"looked_at": services.session_starts.sweep()}
