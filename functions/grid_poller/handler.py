"""Every 5 minutes: poll each site's grid sources, store what they say, publish
GridLimitChanged where a site's limit changed (docs/adr/0052)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, emit_metric, logger

configure_logging()
services = aws_services(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    assert services.grid_feed is not None
    with invocation_deadline(context):
        report = services.grid_feed.poll_all()
    if report.failed:
        # Counted (no alarm yet: docs/adr/0052); each failure is logged with its site.
        emit_metric("GridPollsFailed", len(report.failed), {})
    return {"polled": report.polled, "failed": report.failed, "published": report.published}
