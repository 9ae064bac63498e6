"""Operator HTTP API (API Gateway HTTP API, payload format 2.0)."""

import threading
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.api.operator import OperatorApi
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, logger

configure_logging()
services = aws_services(get_settings())
# The resolver keeps the current request on itself. Lambda runs one request per instance at a
# time; the local platform runs concurrent requests in threads, so each thread gets its own.
_per_thread = threading.local()


def _api() -> OperatorApi:
    api: OperatorApi | None = getattr(_per_thread, "api", None)
    if api is None:
        api = _per_thread.api = OperatorApi(services)
    return api


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        return _api().resolve(event, context)
