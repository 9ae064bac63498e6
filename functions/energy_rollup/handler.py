"""TransactionStopped events -> energy per charger and day (exactly once per session)."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.config import get_settings
from shared.observability import configure_logging, logger
from shared.telemetry.energy_rollup import EnergyRollup
from shared.wiring import aws_energy_ledger

configure_logging()
rollup = EnergyRollup(aws_energy_ledger(get_settings()))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = EventBridgeEvent(event).detail
    added = rollup.on_transaction_stopped(str(detail.get("chargePointId", "")), detail)
    return {"added": added}
