"""$default: every OCPP-J frame from a charger; the reply goes back as the route response."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.config import get_settings
from shared.observability import configure_logging
from shared.ocpp.router import Outcome
from shared.websocket import message
from shared.wiring import aws_dependencies, build_router

configure_logging()
deps = aws_dependencies(get_settings())
router = build_router(deps)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = Outcome()
    response = message(event, deps, router, outcome)
    # One EMF line per message, self-contained (no state shared between invocations).
    dimensions = {"Action": outcome.action or "Unreadable"}
    with single_metric(
        name="OcppMessages", unit=MetricUnit.Count, value=1, default_dimensions=dimensions
    ):
        pass
    if outcome.error:
        with single_metric(
            name="OcppErrors",
            unit=MetricUnit.Count,
            value=1,
            default_dimensions={**dimensions, "Error": outcome.error},
        ):
            pass
    return response
