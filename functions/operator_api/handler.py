"""Operator HTTP API (API Gateway HTTP API, payload format 2.0)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.api.operator import build_app
from shared.config import get_settings
from shared.observability import configure_logging, logger
from shared.wiring import aws_dependencies

configure_logging()
api = build_app(aws_dependencies(get_settings()))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.resolve(event, context)
