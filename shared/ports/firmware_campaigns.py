"""Campaigns, their targets, site slots and each charger's active firmware job
(docs/adr/0045-firmware-campaigns.md). Every change is conditional: the caller passes what it
read, and gets None when somebody else changed it first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from shared.models.firmware_campaign import (
    Campaign,
    Move,
    Target,
)
from shared.ports.paging import Page


@dataclass(frozen=True)
class ActiveJob:
    """The charger's firmware job now: 1.6 FirmwareStatusNotification has no requestId, so
    its reports are matched to the campaign and attempt named here."""

    charge_point_id: str
    campaign_id: str
    request_id: int
    attempt: int


class CampaignStore(Protocol):
    def create(self, campaign: Campaign) -> bool:
        """False when the id exists."""
        ...

    def get(self, campaign_id: str) -> Campaign | None: ...

    def list_page(self, limit: int, cursor: str | None) -> Page[Campaign]:
        """Newest first."""
        ...

    def set_status(
        self, campaign_id: str, expected: frozenset[str], changes: dict[str, Any]
    ) -> Campaign | None:
        """Apply `changes` (Campaign field -> value; `status` among them) only when the status
        is one of `expected`; None otherwise."""
        ...

    def put_targets(self, targets: list[Target]) -> None:
        """The frozen target list (at start; a repeated start writes the same items)."""
        ...

    def get_target(self, campaign_id: str, charge_point_id: str) -> Target | None: ...

    def targets(self, campaign_id: str) -> list[Target]: ...

    def reserve(self, target: Target, site_limit: int | None, at: str) -> Target | None:
        """pending -> ready, taking one of the site's `site_limit` slots in the same write
        (no slot without a site or a limit). None: the state moved on, or the site is full."""
        ...

    def move(
        self, target: Target, move: Move, at: str, changes: dict[str, Any] | None = None
    ) -> Target | None:
        """The transition, with `changes` (Target field -> value), when the target is still in
        `move.expected` at the same attempt; a terminal move frees the site slot it holds in
        the same write. None: somebody else moved it first."""
        ...

    def set_active_job(self, job: ActiveJob) -> None: ...

    def active_job(self, charge_point_id: str) -> ActiveJob | None: ...

    def charger_campaigns(self, charge_point_id: str) -> list[str]:
        """Campaign ids the charger was sent an update by, newest first."""
        ...


class CampaignExecutions(Protocol):
    """The campaign's Standard execution (FirmwareCampaign)."""

    def start(self, name: str, payload: dict[str, Any]) -> str:
        """Start (or find, same name and input) the execution; its ARN."""
        ...

    def stop(self, execution_arn: str, cause: str) -> None: ...
