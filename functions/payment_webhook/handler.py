"""Stripe webhook (HTTP API, payload format 2.0): verified events -> payment records."""

import base64
import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.gateway.requests import header
from shared.observability import configure_logging, logger

configure_logging()
services = aws_services(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The signature covers the exact bytes Stripe sent: never re-encode the body.
    body = event.get("body") or ""
    payload = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    with invocation_deadline(context):
        status, answer = services.payment_webhooks.receive(
            payload, header(event, "Stripe-Signature")
        )
    if status != 200:
        logger.warning("webhook refused", extra={"reason": answer.get("error")})
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(answer),
    }
