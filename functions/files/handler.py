"""Chargers' files (HTTP API `/files/{proxy+}`, no JWT): download redirects and upload relay
(docs/adr/0045-firmware-campaigns.md)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.api.files_relay import handle
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, logger

configure_logging()
services = aws_services(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        return handle(event, services)
