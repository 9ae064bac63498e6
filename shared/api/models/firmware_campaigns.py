"""Firmware campaigns in the operator API (docs/adr/0045-firmware-campaigns.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.api.models.common import ApiModel
from shared.firmware.campaigns import WaveCounts
from shared.models.firmware_campaign import (
    DEFAULT_FAILURE_THRESHOLD_PCT,
    DEFAULT_WAVES,
    Campaign,
    Selector,
    Target,
    Window,
)


class SelectorBody(ApiModel):
    """Which chargers: every given criterion must hold (AND); within one, any value (OR)."""

    vendors: list[str] = Field(default_factory=list, max_length=100)
    models: list[str] = Field(default_factory=list, max_length=100)
    firmwareVersions: list[str] = Field(
        default_factory=list, max_length=100, description="The version reported at boot now"
    )
    sites: list[str] = Field(
        default_factory=list, max_length=100, description="Location ids the chargers belong to"
    )
    chargerIds: list[str] = Field(default_factory=list, max_length=20000)
    tags: list[str] = Field(
        default_factory=list, max_length=100, description="Chargers carrying any of these tags"
    )

    def selector(self) -> Selector:
        return Selector(
            vendors=tuple(self.vendors),
            models=tuple(self.models),
            firmware_versions=tuple(self.firmwareVersions),
            sites=tuple(self.sites),
            charger_ids=tuple(self.chargerIds),
            tags=tuple(self.tags),
        )

    @classmethod
    def of(cls, selector: Selector) -> SelectorBody:
        return cls(
            vendors=list(selector.vendors),
            models=list(selector.models),
            firmwareVersions=list(selector.firmware_versions),
            sites=list(selector.sites),
            chargerIds=list(selector.charger_ids),
            tags=list(selector.tags),
        )


class WindowBody(ApiModel):
    """A maintenance window in the site's local time (UTC for chargers without a site)."""

    start: str = Field(pattern=r"^\d\d:\d\d$", examples=["22:00"])
    end: str = Field(
        pattern=r"^\d\d:\d\d$", examples=["05:00"], description="At or before start: next day"
    )
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=list, description="Days the window opens on; empty: every day"
    )


class CampaignBody(ApiModel):
    name: str = Field(min_length=1, max_length=100)
    imageId: str = Field(min_length=1, max_length=64, description="An available image")
    selector: SelectorBody
    waves: list[int] = Field(
        default_factory=lambda: list(DEFAULT_WAVES),
        min_length=1,
        max_length=10,
        description="Cumulative percentages of the targets, ending at 100",
    )
    failureThresholdPct: int = Field(
        default=DEFAULT_FAILURE_THRESHOLD_PCT,
        ge=0,
        le=100,
        description="A wave whose failure rate is above it halts the campaign",
    )
    windows: list[WindowBody] = Field(default_factory=list, max_length=20)
    sessionPolicy: Literal["wait", "skip"] = Field(
        default="wait", description="A charger with an active session: wait for its end, or skip it"
    )
    siteConcurrency: int | None = Field(
        default=1, ge=1, le=1000, description="Chargers of one site updating at once; null: any"
    )
    concurrency: int = Field(default=10, ge=1, le=1000, description="Chargers of a wave at once")
    chargerTimeoutS: int = Field(
        default=3600, ge=60, le=7 * 24 * 3600, description="Per attempt, command to new boot"
    )
    retries: int = Field(default=1, ge=0, le=5, description="Attempts after a failed one")
    pollS: int = Field(
        default=60, ge=1, le=3600, description="How often a held charger is looked at again"
    )

    def draft(self, created_by: str | None) -> Campaign:
        return Campaign(
            campaign_id="",
            name=self.name,
            image_id=self.imageId,
            image_version="",
            selector=self.selector.selector(),
            created_at="",
            waves=tuple(self.waves),
            failure_threshold_pct=self.failureThresholdPct,
            windows=tuple(Window(w.start, w.end, tuple(w.days)) for w in self.windows),
            session_policy=self.sessionPolicy,
            site_concurrency=self.siteConcurrency,
            concurrency=self.concurrency,
            charger_timeout_s=self.chargerTimeoutS,
            retries=self.retries,
            poll_s=self.pollS,
            created_by=created_by,
        )


CampaignStatusName = Literal[
    "draft", "starting", "running", "paused", "halted", "cancelled", "completed", "failed"
]


class CampaignView(CampaignBody):
    campaignId: str
    imageVersion: str = Field(description="The version the chargers must report at boot")
    status: CampaignStatusName
    createdAt: str
    createdBy: str | None = None
    startedAt: str | None = None
    finishedAt: str | None = None
    haltedReason: str | None = None
    targetCount: int | None = Field(default=None, description="Frozen at start")
    executionArn: str | None = None

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignView:
        return cls(
            campaignId=campaign.campaign_id,
            name=campaign.name,
            imageId=campaign.image_id,
            imageVersion=campaign.image_version,
            selector=SelectorBody.of(campaign.selector),
            waves=list(campaign.waves),
            failureThresholdPct=campaign.failure_threshold_pct,
            windows=[
                WindowBody.model_validate({"start": w.start, "end": w.end, "days": list(w.days)})
                for w in campaign.windows
            ],
            sessionPolicy=campaign.session_policy,
            siteConcurrency=campaign.site_concurrency,
            concurrency=campaign.concurrency,
            chargerTimeoutS=campaign.charger_timeout_s,
            retries=campaign.retries,
            pollS=campaign.poll_s,
            status=campaign.status,
            createdAt=campaign.created_at,
            createdBy=campaign.created_by,
            startedAt=campaign.started_at,
            finishedAt=campaign.finished_at,
            haltedReason=campaign.halted_reason,
            targetCount=campaign.target_count,
            executionArn=campaign.execution_arn,
        )


class CampaignPage(ApiModel):
    items: list[CampaignView] = Field(description="Newest first")
    nextCursor: str | None = None


class WaveProgress(ApiModel):
    wave: int
    total: int
    failed: int
    failureRatePct: float = Field(description="Failed of the attempted (skipped ones aside)")
    states: dict[str, int] = Field(description="Targets per state")

    @classmethod
    def of(cls, counts: WaveCounts) -> WaveProgress:
        return cls(
            wave=counts.wave,
            total=counts.total,
            failed=counts.failed,
            failureRatePct=round(counts.failure_rate_pct(), 1),
            states=dict(counts.states),
        )


class CampaignProgressView(ApiModel):
    campaign: CampaignView
    waves: list[WaveProgress] = Field(description="Counts by state per wave (after start)")


class StatusStep(ApiModel):
    status: str
    at: str


class TargetView(ApiModel):
    chargePointId: str
    wave: int
    state: str = Field(
        description="pending, ready, sent, a FirmwareStatusNotification status, or succeeded, "
        "failed, skipped, cancelled"
    )
    site: str | None = None
    attempt: int
    reason: str | None = Field(default=None, description="Why it failed or was skipped")
    updatedAt: str | None = None
    timeline: list[StatusStep] = Field(default_factory=list)

    @classmethod
    def of(cls, target: Target) -> TargetView:
        return cls(
            chargePointId=target.charge_point_id,
            wave=target.wave,
            state=target.state,
            site=target.site,
            attempt=target.attempt,
            reason=target.reason,
            updatedAt=target.updated_at,
            timeline=[StatusStep(status=e.status, at=e.at) for e in target.timeline],
        )


class TargetList(ApiModel):
    targets: list[TargetView] = Field(description="By wave, then charger id")


class ChargerCampaign(ApiModel):
    campaignId: str
    name: str
    imageVersion: str
    campaignStatus: CampaignStatusName
    target: TargetView


class ChargerFirmwareView(ApiModel):
    chargePointId: str
    firmwareVersion: str | None = Field(description="As reported at the last boot")
    firmwareStatus: str | None = Field(description="The last FirmwareStatusNotification")
    campaigns: list[ChargerCampaign] = Field(description="Newest first")
