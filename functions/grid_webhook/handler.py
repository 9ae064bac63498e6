"""OpenADR 3 notifications (HTTP API, payload format 2.0, `POST /webhooks/openadr?site=ID`):
the site's bearer token checked, the update stored, GridLimitChanged published when the site's
limit changed (docs/adr/0052). 401/400/404 store nothing; a failure answers 500 so that the
VTN delivers again."""

import base64
import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.gateway.requests import query_parameter
from shared.observability import configure_logging, logger

configure_logging()
services = aws_services(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    assert services.grid_feed is not None
    body = event.get("body") or ""
    payload = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    site_id = query_parameter(event, "site") or ""
    headers = {str(k): str(v) for k, v in (event.get("headers") or {}).items()}
    with invocation_deadline(context):
        outcome = services.grid_feed.notification(site_id, headers, payload)
    if outcome.status != 200:
        logger.warning(
            "grid notification refused",
            extra={"siteId": site_id, "status": outcome.status, "problems": outcome.problems},
        )
    answer: dict[str, Any] = {"accepted": outcome.status == 200}
    if outcome.problems:
        answer["problems"] = list(outcome.problems)
    return {
        "statusCode": outcome.status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(answer),
    }
