"""ReceiptIssued events -> the receipt e-mailed to its driver, once (shared/drivers/receipt_mail).

Errors are raised: Lambda retries the event, then its dead-letter queue keeps it."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_receipt_mailer
from shared.config import get_settings
from shared.observability import configure_logging, logger

configure_logging()
mailer = aws_receipt_mailer(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = EventBridgeEvent(event).detail
    with invocation_deadline(context):
        status = mailer.on_receipt_issued(
            str(detail["chargePointId"]), str(detail["transactionId"])
        )
    return {"status": status}
