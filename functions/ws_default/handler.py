"""$default: every OCPP-J frame from a charger; the reply goes back as the route response."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.config import get_settings
from shared.observability import configure_logging, count_metric
from shared.ocpp.router import Outcome
from shared.websocket import message
from shared.wiring import aws_dependencies, build_router

configure_logging()
deps = aws_dependencies(get_settings())
router = build_router(deps)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = Outcome()
    response = message(event, deps, router, outcome)
    dimensions = {"Action": outcome.action or "Unreadable"}
    count_metric("OcppMessages", dimensions)
    if outcome.error:
        count_metric("OcppErrors", {**dimensions, "Error": outcome.error})
    return response
