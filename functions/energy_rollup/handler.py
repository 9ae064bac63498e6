"""TransactionStopped events -> energy per charger and day (exactly once per session)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, logger

configure_logging()
rollup = aws_services(get_settings()).energy_rollup


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = EventBridgeEvent(event).detail
    with invocation_deadline(context):
        added = rollup.on_transaction_stopped(str(detail.get("chargePointId", "")), detail)
    return {"added": added}
