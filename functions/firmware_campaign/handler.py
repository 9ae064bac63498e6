"""The FirmwareCampaign workflow's tasks (prepare, update, record_failure, evaluate_wave,
finish) and the rule on FirmwareStatusChanged and ChargerBooted that moves campaign targets
(docs/adr/0045-firmware-campaigns.md).

A task's payload names its `step`; an EventBridge event has a `detail-type`. Errors the
workflow retries or catches are raised with their own class name (FirmwareCommandFailed,
ChargerBusy): the ASL matches on it.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.adapters.aws_clients import invocation_deadline
from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.firmware.campaigns_service import CampaignService
from shared.observability import configure_logging, logger

configure_logging()
services = aws_services(get_settings())


def campaigns() -> CampaignService:
    assert services.firmware_campaigns is not None
    return services.firmware_campaigns


def run_step(payload: dict[str, Any]) -> dict[str, Any]:
    service = campaigns()
    step = payload.get("step")
    campaign_id = str(payload.get("campaignId"))
    cp = str(payload.get("chargePointId"))
    if step == "prepare":
        return service.prepare(campaign_id, cp)
    if step == "update":
        return service.update(campaign_id, cp, str(payload["taskToken"]))
    if step == "record_failure":
        error = payload.get("error") or {}
        return service.record_failure(
            campaign_id, cp, str(error.get("Error", "")), str(error.get("Cause", ""))
        )
    if step == "evaluate_wave":
        return service.evaluate_wave(campaign_id, int(payload["wave"]))
    if step == "finish":
        return service.finish(campaign_id)
    raise ValueError(f"unknown step {step!r}")


def on_event(event: dict[str, Any]) -> None:
    detail = event.get("detail") or {}
    cp = str(detail.get("chargePointId"))
    if event.get("detail-type") == "FirmwareStatusChanged":
        request_id = detail.get("requestId")
        campaigns().firmware_status(
            cp, str(detail.get("status")), int(request_id) if request_id is not None else None
        )
    elif event.get("detail-type") == "ChargerBooted":
        campaigns().booted(cp, detail.get("firmwareVersion"))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with invocation_deadline(context):
        if "detail-type" in event:
            on_event(event)
            return {"status": "done"}
        return run_step(event)
