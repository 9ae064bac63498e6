"""CertificateSigningRequested events -> the CSR signed once, CertificateSigned sent once
(docs/adr/0041). A station that is offline or busy with another command makes the invocation
fail: the event is retried (asynchronous invocation), and the station's own repeat of its
request (CertSigningRepeatTimes) tries again later."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, logger

configure_logging()
signing = aws_services(get_settings()).certificates


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    assert signing is not None  # the AWS dependencies always have the certificate store
    detail = EventBridgeEvent(event).detail
    with invocation_deadline(context):
        outcome = signing.deliver(
            str(detail.get("chargePointId", "")), str(detail.get("requestKey", ""))
        )
    return {"outcome": outcome}
