"""Operator HTTP API (API Gateway HTTP API, payload format 2.0)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.api.http_app import per_thread
from shared.api.operator import OperatorApi
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, logger

configure_logging()
services = aws_services(get_settings())
_api = per_thread(lambda: OperatorApi(services))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        return _api().resolve(event, context)
