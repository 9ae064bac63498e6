"""$connect REQUEST authorizer: charger identity, registration policy, HTTP Basic auth."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.config import get_settings
from shared.observability import configure_logging, logger
from shared.websocket import authorize
from shared.wiring import aws_dependencies

configure_logging()
deps = aws_dependencies(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize(event, deps)
