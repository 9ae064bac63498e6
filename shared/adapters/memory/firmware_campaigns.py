"""In-memory campaigns and targets, for unit tests: the same conditions as the DynamoDB
adapter, under one lock."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from shared.adapters.dynamodb.paging import key_values
from shared.adapters.memory.paging import page_after
from shared.models.firmware_campaign import (
    Campaign,
    Move,
    StatusEvent,
    Target,
)
from shared.ports.firmware_campaigns import ActiveJob
from shared.ports.paging import Page


class MemoryCampaignStore:
    def __init__(self) -> None:
        self.campaigns: dict[str, Campaign] = {}
        self.target_items: dict[tuple[str, str], Target] = {}
        self.slots: dict[tuple[str, str], int] = {}
        self.jobs: dict[str, ActiveJob] = {}
        self.history: dict[str, list[tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def create(self, campaign: Campaign) -> bool:
        with self._lock:
            if campaign.campaign_id in self.campaigns:
                return False
            self.campaigns[campaign.campaign_id] = campaign
            return True

    def get(self, campaign_id: str) -> Campaign | None:
        return self.campaigns.get(campaign_id)

    def list_page(self, limit: int, cursor: str | None) -> Page[Campaign]:
        return page_after(
            self.campaigns.values(),
            lambda c: {
                "kind": "campaign",
                "createdAt": c.created_at,
                "pk": f"CAMPAIGN#{c.campaign_id}",
                "sk": "CAMPAIGN",
            },
            ("createdAt", "pk"),
            limit,
            key_values(cursor, ("kind", "createdAt", "pk", "sk")),
            descending=True,
        )

    def set_status(
        self, campaign_id: str, expected: frozenset[str], changes: dict[str, Any]
    ) -> Campaign | None:
        with self._lock:
            current = self.campaigns.get(campaign_id)
            if current is None or current.status not in expected:
                return None
            updated = replace(current, **changes)
            self.campaigns[campaign_id] = updated
            return updated

    def put_targets(self, targets: list[Target]) -> None:
        with self._lock:
            for target in targets:
                self.target_items[(target.campaign_id, target.charge_point_id)] = target

    def get_target(self, campaign_id: str, charge_point_id: str) -> Target | None:
        return self.target_items.get((campaign_id, charge_point_id))

    def targets(self, campaign_id: str) -> list[Target]:
        return sorted(
            (t for (cid, _), t in self.target_items.items() if cid == campaign_id),
            key=lambda t: t.charge_point_id,
        )

    def reserve(self, target: Target, site_limit: int | None, at: str) -> Target | None:
        with self._lock:
            key = (target.campaign_id, target.charge_point_id)
            current = self.target_items.get(key)
            if current is None or current.state != "pending":
                return None
            holds = target.site is not None and site_limit is not None
            if holds:
                slot = (target.campaign_id, str(target.site))
                if self.slots.get(slot, 0) >= int(site_limit or 0):
                    return None
                self.slots[slot] = self.slots.get(slot, 0) + 1
            updated = replace(
                current,
                state="ready",
                slot_held=holds,
                updated_at=at,
                timeline=(*current.timeline, StatusEvent("ready", at)),
            )
            self.target_items[key] = updated
            return updated

    def move(
        self, target: Target, move: Move, at: str, changes: dict[str, Any] | None = None
    ) -> Target | None:
        with self._lock:
            key = (target.campaign_id, target.charge_point_id)
            current = self.target_items.get(key)
            if (
                current is None
                or current.state != move.expected
                or current.attempt != target.attempt
            ):
                return None
            fields: dict[str, Any] = dict(changes or {})
            fields.update(state=move.state, updated_at=at)
            if move.reason is not None:
                fields["reason"] = move.reason
            if move.terminal:
                fields["task_token"] = None
                if current.slot_held and current.site is not None:
                    slot = (current.campaign_id, current.site)
                    self.slots[slot] = max(0, self.slots.get(slot, 0) - 1)
                    fields["slot_held"] = False
            if move.expected != move.state or move.reason is not None:
                label = move.state if move.reason is None else f"{move.state}: {move.reason}"
                fields["timeline"] = (*current.timeline, StatusEvent(label, at))
            updated = replace(current, **fields)
            self.target_items[key] = updated
            if move.state == "sent" and move.expected != "sent":
                entries = self.history.setdefault(target.charge_point_id, [])
                if all(cid != target.campaign_id for cid, _ in entries):
                    entries.append((target.campaign_id, at))
            return updated

    def set_active_job(self, job: ActiveJob) -> None:
        self.jobs[job.charge_point_id] = job

    def active_job(self, charge_point_id: str) -> ActiveJob | None:
        return self.jobs.get(charge_point_id)

    def charger_campaigns(self, charge_point_id: str) -> list[str]:
        entries = self.history.get(charge_point_id, [])
        return [cid for cid, _ in sorted(entries, key=lambda e: e[1], reverse=True)]


class MemoryCampaignExecutions:
    """Campaign executions that only record what was started and stopped."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []
        self.stopped: list[str] = []

    def start(self, name: str, payload: dict[str, Any]) -> str:
        self.started.append((name, payload))
        return f"arn:aws:states:us-east-1:123456789012:execution:csms-firmware-campaign:{name}"

    def stop(self, execution_arn: str, cause: str) -> None:
        self.stopped.append(execution_arn)
