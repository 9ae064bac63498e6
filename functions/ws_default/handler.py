"""$default: every OCPP-J frame from a charger; the reply goes back as the route response."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services, build_router
from shared.config import get_settings
from shared.gateway.websocket import message
from shared.observability import configure_logging, count_metric
from shared.ocpp.router import Outcome

configure_logging()
services = aws_services(get_settings())
router = build_router(services)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = Outcome()
    with invocation_deadline(context):
        response = message(event, services, router, outcome)
    dimensions = {"Action": outcome.action or "Unreadable"}
    count_metric("OcppMessages", dimensions)
    if outcome.error:
        count_metric("OcppErrors", {**dimensions, "Error": outcome.error})
        if outcome.error == "InternalError":
            count_metric("OcppInternalErrors", {})  # one series for its alarm
    return response
