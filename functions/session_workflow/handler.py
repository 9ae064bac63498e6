"""The session workflows' tasks (StartSession, SettleSession; docs/adr/0011) and the rule on
CommandCompleted that releases the hold of a remote start the charger refused.

A task's payload names its `step`; an EventBridge event has a `detail-type`. Errors a
workflow should retry or catch are raised with their own name (the ASL matches on it).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.observability import configure_logging, logger

configure_logging()
services = aws_services(get_settings())


def run_step(payload: dict[str, Any]) -> dict[str, Any]:
    starts = services.session_starts
    step = payload.get("step")
    cp = str(payload.get("chargePointId"))
    if step == "authorise":
        return starts.authorise(cp, str(payload["requestId"]))
    if step == "send_start":
        return starts.send_start(cp, str(payload["requestId"]))
    if step == "release":
        error = payload.get("error") or {}
        reason = f"{error.get('Error', 'failed')}: {str(error.get('Cause', ''))[:200]}"
        return starts.release(cp, str(payload["requestId"]), reason)
    if step == "settle":
        return services.settlement.settle(cp, str(payload["transactionId"]))
    raise ValueError(f"unknown step {step!r}")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        if event.get("detail-type") == "CommandCompleted":
            services.session_starts.command_completed(event.get("detail") or {})
            return {"status": "done"}
        return run_step(event)
