"""Firmware campaigns (docs/adr/0045-firmware-campaigns.md): create a draft, preview its
targets, start, watch progress per wave, pause, resume, cancel; a charger's firmware history."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.errors import Conflict, InvalidRequest, NotFound, Unavailable
from shared.api.context import ApiContext, path_value
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.models.firmware_campaigns import (
    CampaignBody,
    CampaignPage,
    CampaignProgressView,
    CampaignView,
    ChargerCampaign,
    ChargerFirmwareView,
    TargetList,
    TargetView,
    WaveProgress,
)
from shared.api.routes.responses import errors
from shared.firmware.campaigns_service import (
    CampaignConflict,
    CampaignNotFound,
    CampaignService,
)
from shared.models.firmware_campaign import Campaign, CampaignError

TAGS = ["firmware"]


def conflict(exc: CampaignConflict) -> Conflict:
    error = Conflict(str(exc))
    error.details = {"status": exc.campaign.status}
    return error


def register(ctx: ApiContext) -> None:
    routes = ctx.routes

    def service() -> CampaignService:
        if ctx.services.firmware_campaigns is None:
            raise Unavailable("firmware campaigns are not configured here")
        return ctx.services.firmware_campaigns

    def campaign_action(campaign_id: str, action: str) -> Campaign:
        try:
            return getattr(service(), action)(path_value(campaign_id))  # type: ignore[no-any-return]
        except CampaignError as exc:
            raise InvalidRequest(str(exc)) from None
        except CampaignNotFound as exc:
            raise NotFound(str(exc)) from None
        except CampaignConflict as exc:
            raise conflict(exc) from None

    @routes.post(
        "/api/firmware/campaigns",
        status_code=201,
        tags=TAGS,
        summary="Create a campaign (a draft)",
        description="A draft names an available image, a target selector, waves and the "
        "rules of the roll-out; nothing is sent before `start`. Preview its targets with "
        "GET .../targets.",
        responses=errors(400, 404, 409),
    )
    def create_campaign(body: CampaignBody) -> Response[CampaignView]:
        try:
            created = service().create(body.draft(ctx.operator()))
        except CampaignError as exc:
            raise InvalidRequest(str(exc)) from None
        except CampaignNotFound as exc:
            raise NotFound(str(exc)) from None
        except CampaignConflict as exc:
            raise Conflict(f"image {body.imageId!r} is not available yet") from exc
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=CampaignView.of(created),
            headers={"Location": f"/api/firmware/campaigns/{created.campaign_id}"},
        )

    @routes.get("/api/firmware/campaigns", tags=TAGS, summary="List campaigns, newest first")
    def list_campaigns(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> CampaignPage:
        page = service().store.list_page(limit, cursor)
        return CampaignPage(
            items=[CampaignView.of(c) for c in page.items], nextCursor=page.next_cursor
        )

    @routes.get(
        "/api/firmware/campaigns/<campaignId>",
        tags=TAGS,
        summary="A campaign and its progress: targets by state per wave",
        responses=errors(404),
    )
    def get_campaign(campaignId: str) -> CampaignProgressView:
        try:
            progress = service().progress(path_value(campaignId))
        except CampaignNotFound as exc:
            raise NotFound(str(exc)) from None
        return CampaignProgressView(
            campaign=CampaignView.of(progress.campaign),
            waves=[WaveProgress.of(w) for w in progress.waves],
        )

    @routes.get(
        "/api/firmware/campaigns/<campaignId>/targets",
        tags=TAGS,
        summary="A campaign's targets: the preview of a draft, the states after start",
        description="Before start, the chargers the selector picks now and the wave each "
        "would join (the assignment is stable: start freezes exactly this list while the "
        "fleet does not change); after, the frozen targets with their states and timelines.",
        responses=errors(404),
    )
    def campaign_targets(campaignId: str) -> TargetList:
        try:
            targets = service().preview(path_value(campaignId))
        except CampaignNotFound as exc:
            raise NotFound(str(exc)) from None
        return TargetList(targets=[TargetView.of(t) for t in targets])

    @routes.post(
        "/api/firmware/campaigns/<campaignId>/start",
        tags=TAGS,
        summary="Start a draft: freeze its targets and start its execution",
        description="400 when no charger matches, or when the target list is too large for "
        "one execution's input (256 KB, about 5,000 charger ids): split the campaign.",
        responses=errors(400, 404, 409),
    )
    def start_campaign(campaignId: str) -> CampaignView:
        return CampaignView.of(campaign_action(campaignId, "start"))

    @routes.post(
        "/api/firmware/campaigns/<campaignId>/pause",
        tags=TAGS,
        summary="Pause: chargers under way finish, no new ones start",
        responses=errors(404, 409),
    )
    def pause_campaign(campaignId: str) -> CampaignView:
        return CampaignView.of(campaign_action(campaignId, "pause"))

    @routes.post(
        "/api/firmware/campaigns/<campaignId>/resume",
        tags=TAGS,
        summary="Resume a paused campaign",
        responses=errors(404, 409),
    )
    def resume_campaign(campaignId: str) -> CampaignView:
        return CampaignView.of(campaign_action(campaignId, "resume"))

    @routes.post(
        "/api/firmware/campaigns/<campaignId>/cancel",
        tags=TAGS,
        summary="Cancel: the execution stops; targets not started are cancelled",
        responses=errors(404, 409),
    )
    def cancel_campaign(campaignId: str) -> CampaignView:
        return CampaignView.of(campaign_action(campaignId, "cancel"))

    @routes.get(
        "/api/chargers/<chargePointId>/firmware",
        tags=["chargers"],
        summary="A charger's firmware: its version, last status and campaign history",
        responses=errors(404),
    )
    def charger_firmware(chargePointId: str) -> ChargerFirmwareView:
        charge_point_id = path_value(chargePointId)
        charger = ctx.services.deps.chargers.get(charge_point_id)
        if charger is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        history = service().charger_history(charge_point_id)
        return ChargerFirmwareView(
            chargePointId=charge_point_id,
            firmwareVersion=charger.firmware_version,
            firmwareStatus=charger.firmware_status,
            campaigns=[
                ChargerCampaign(
                    campaignId=campaign.campaign_id,
                    name=campaign.name,
                    imageVersion=campaign.image_version,
                    campaignStatus=campaign.status,
                    target=TargetView.of(target),
                )
                for campaign, target in history
            ],
        )
