"""Firmware campaigns: the operator's use cases, the workflow's steps and the reports that move
targets (docs/adr/0045-firmware-campaigns.md).

Idempotency contract: every step may run twice (Lambda retries, redelivered events, two
reports racing). Each change is one conditional write from the state that was read
(shared/ports/firmware_campaigns.py); losing the condition means somebody else did it. Only
the winner of a target's terminal transition reports to the workflow (SendTaskSuccess /
SendTaskFailure) and frees the site slot (in the same write), so the workflow hears of each
target once. The update command's message id and the 2.0.1 requestId are derived from
(campaign, charger, attempt): a repeated update step finds its command instead of sending a
second one.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared.commands.engine import CommandEngine, CommandError
from shared.firmware.campaigns import (
    WaveCounts,
    assign_waves,
    count_waves,
    halt_reason,
    on_boot,
    on_status,
    request_id_for,
    seconds_until_open,
    selects,
)
from shared.models.firmware_campaign import (
    CANCELLABLE,
    CANCELLED,
    FAILED,
    PAUSABLE,
    PENDING,
    READY,
    REASON_OFFLINE,
    REASON_REJECTED,
    REASON_SESSION,
    REASON_TIMEOUT,
    RESUMABLE,
    SENT,
    SKIPPED,
    STARTABLE,
    SUCCEEDED,
    Campaign,
    CampaignError,
    ChargerFacts,
    Move,
    Target,
)
from shared.ports import ChargerRepository, LocationRepository, TaskNotifier, TransactionRepository
from shared.ports.firmware import FirmwareDownloads, FirmwareImageStore
from shared.ports.firmware_campaigns import ActiveJob, CampaignExecutions, CampaignStore
from shared.ports.sessions import SessionFilter
from shared.timeutil import iso_utc, parse_timestamp

logger = logging.getLogger("csms.firmware.campaigns")

RUNNING_LIKE = frozenset({"starting", "running"})
COMMAND_TIMEOUT_S = 60
COMMAND_WAIT_S = 20
MAX_WAIT_S = 24 * 3600
# A report judged again after another one moved its target first (see _on_report).
REPORT_ATTEMPTS = 4
# Step Functions takes inputs up to 256 KB; some room is left for the state's own fields.
MAX_EXECUTION_INPUT_BYTES = 250 * 1024


class CampaignConflict(Exception):
    """An operator action the campaign's status does not allow (the API answers 409)."""

    def __init__(self, campaign: Campaign, action: str) -> None:
        super().__init__(f"cannot {action} a campaign that is {campaign.status}")
        self.campaign = campaign
        self.action = action


class CampaignNotFound(LookupError):
    pass


class FirmwareCommandFailed(Exception):
    """The update command was not accepted (its message starts with the reason): the workflow
    catches it and records the attempt as failed."""


class ChargerBusy(Exception):
    """Another command holds the charger's slot: the workflow retries the update later."""


@dataclass(frozen=True)
class Progress:
    campaign: Campaign
    waves: list[WaveCounts]


@dataclass
class CampaignService:
    store: CampaignStore
    chargers: ChargerRepository
    locations: LocationRepository
    transactions: TransactionRepository
    images: FirmwareImageStore
    downloads: FirmwareDownloads
    engine: CommandEngine
    tasks: TaskNotifier
    executions: CampaignExecutions
    now: Callable[[], datetime]

    # The operator's side

    def create(self, draft: Campaign) -> Campaign:
        """`draft` without id/version/timestamps is completed here; the image must exist and
        be available (its version is what the next boot must report)."""
        image = self.images.get(draft.image_id)
        if image is None:
            raise CampaignNotFound(f"image {draft.image_id!r} does not exist")
        if image.status != "available":
            raise CampaignConflict(draft, "use an image that is not available for")
        at = iso_utc(self.now())
        campaign = replace(
            draft,
            campaign_id=draft.campaign_id or f"{at[:10].replace('-', '')}-{uuid.uuid4().hex[:12]}",
            image_version=image.version,
            created_at=at,
            status="draft",
        )
        if not self.store.create(campaign):
            raise CampaignConflict(campaign, "create")
        return campaign

    def get(self, campaign_id: str) -> Campaign:
        campaign = self.store.get(campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"campaign {campaign_id!r} does not exist")
        return campaign

    def selection(self, campaign: Campaign) -> dict[str, ChargerFacts]:
        """The chargers the selector picks now (a full read of the chargers: operator path)."""
        picked: dict[str, ChargerFacts] = {}
        candidates = (
            [c for c in (self.chargers.get(cp) for cp in campaign.selector.charger_ids) if c]
            if campaign.selector.charger_ids
            else self.chargers.list_all()
        )
        for charger in candidates:
            site = self.locations.owner_of(charger.charge_point_id)
            facts = ChargerFacts(
                charger.charge_point_id,
                charger.vendor,
                charger.model,
                charger.firmware_version,
                site,
                charger.protocol,
                charger.tags,
            )
            if selects(campaign.selector, facts) and charger.registration_status != "Rejected":
                picked[charger.charge_point_id] = facts
        return picked

    def preview(self, campaign_id: str) -> list[Target]:
        """Before start: the targets the selector picks now, with their waves; after: the
        frozen targets and their states."""
        campaign = self.get(campaign_id)
        if campaign.status not in ("draft",):
            return sorted(
                self.store.targets(campaign_id), key=lambda t: (t.wave, t.charge_point_id)
            )
        return self._plan(campaign)

    def _plan(self, campaign: Campaign) -> list[Target]:
        picked = self.selection(campaign)
        waves = assign_waves(campaign.campaign_id, picked, campaign.waves)
        return sorted(
            (
                Target(campaign.campaign_id, cp, wave, site=picked[cp].site, attempt=1)
                for cp, wave in waves.items()
            ),
            key=lambda t: (t.wave, t.charge_point_id),
        )

    def start(self, campaign_id: str, requested_by: str | None = None) -> Campaign:
        campaign = self.get(campaign_id)
        if campaign.status not in STARTABLE:
            raise CampaignConflict(campaign, "start")
        targets = self._plan(campaign)
        if not targets:
            raise CampaignError("no charger matches the selector: nothing to start")
        waves: dict[int, list[str]] = {}
        for target in targets:
            waves.setdefault(target.wave, []).append(target.charge_point_id)
        payload = {
            "campaignId": campaign_id,
            "concurrency": campaign.concurrency,
            "timeoutS": campaign.charger_timeout_s,
            "waves": [{"wave": number, "chargers": waves[number]} for number in sorted(waves)],
        }
        size = len(json.dumps(payload, separators=(",", ":")))
        if size > MAX_EXECUTION_INPUT_BYTES:
            # The target list travels in the execution's input (ADR 0045).
            raise CampaignError(
                f"{len(targets)} chargers make an execution input of {size // 1024} KB, "
                f"more than Step Functions takes ({MAX_EXECUTION_INPUT_BYTES // 1024} KB): "
                "split the campaign (by site, model or list)"
            )
        starting = self.store.set_status(
            campaign_id, STARTABLE, {"status": "starting", "target_count": len(targets)}
        )
        if starting is None:
            raise CampaignConflict(self.get(campaign_id), "start")
        self.store.put_targets(targets)
        arn = self.executions.start(campaign_id, payload)
        running = self.store.set_status(
            campaign_id,
            frozenset({"starting"}),
            {"status": "running", "execution_arn": arn, "started_at": iso_utc(self.now())},
        )
        return running or self.get(campaign_id)

    def pause(self, campaign_id: str) -> Campaign:
        return self._operator_move(campaign_id, "pause", PAUSABLE, {"status": "paused"})

    def resume(self, campaign_id: str) -> Campaign:
        return self._operator_move(campaign_id, "resume", RESUMABLE, {"status": "running"})

    def cancel(self, campaign_id: str) -> Campaign:
        campaign = self._operator_move(
            campaign_id,
            "cancel",
            CANCELLABLE,
            {"status": "cancelled", "finished_at": iso_utc(self.now())},
        )
        if campaign.execution_arn:
            try:
                self.executions.stop(campaign.execution_arn, "cancelled by the operator")
            except Exception:
                logger.exception("execution not stopped", extra={"campaignId": campaign_id})
        # Targets not started are cancelled; those in flight finish on their own reports.
        at = iso_utc(self.now())
        for target in self.store.targets(campaign_id):
            if target.state in (PENDING, READY):
                self.store.move(target, Move(target.state, CANCELLED), at)
        return campaign

    def _operator_move(
        self, campaign_id: str, action: str, expected: frozenset[str], changes: dict[str, Any]
    ) -> Campaign:
        campaign = self.get(campaign_id)
        updated = self.store.set_status(campaign_id, expected, changes)
        if updated is None:
            raise CampaignConflict(self.get(campaign_id) or campaign, action)
        return updated

    def progress(self, campaign_id: str) -> Progress:
        campaign = self.get(campaign_id)
        return Progress(campaign, count_waves(self.store.targets(campaign_id)))

    def charger_history(self, charge_point_id: str) -> list[tuple[Campaign, Target]]:
        history: list[tuple[Campaign, Target]] = []
        for campaign_id in self.store.charger_campaigns(charge_point_id):
            campaign = self.store.get(campaign_id)
            target = self.store.get_target(campaign_id, charge_point_id)
            if campaign is not None and target is not None:
                history.append((campaign, target))
        return history

    # The workflow's steps (functions/firmware_campaign)

    def prepare(self, campaign_id: str, charge_point_id: str) -> dict[str, Any]:
        """{"action": "update"} once the target holds its site slot; {"action": "wait",
        "seconds": n} to look again later; {"action": "done"} when there is nothing to do."""
        campaign = self.get(campaign_id)
        target = self.store.get_target(campaign_id, charge_point_id)
        at = iso_utc(self.now())
        if target is None or target.terminal:
            return {"action": "done"}
        if target.state != PENDING:
            return {"action": "update"}  # a repeated prepare: the slot is held already
        if campaign.status not in RUNNING_LIKE and campaign.status != "paused":
            self.store.move(target, Move(PENDING, CANCELLED, campaign.status), at)
            return {"action": "done"}
        if campaign.status == "paused":
            return self._wait(campaign.poll_s)
        charger = self.chargers.get(charge_point_id)
        if charger is None or not charger.online:
            self._finish(target, Move(PENDING, SKIPPED, REASON_OFFLINE), at)
            return {"action": "done"}
        zone = None
        if target.site is not None:
            location = self.locations.get(target.site)
            zone = location.time_zone if location else None
        closed_for = seconds_until_open(campaign.windows, zone, self.now())
        if closed_for:
            return self._wait(closed_for)
        if self._session_active(charge_point_id):
            if campaign.session_policy == "skip":
                self._finish(target, Move(PENDING, SKIPPED, REASON_SESSION), at)
                return {"action": "done"}
            return self._wait(campaign.poll_s)
        if self.store.reserve(target, campaign.site_concurrency, at) is None:
            current = self.store.get_target(campaign_id, charge_point_id)
            if current is not None and current.state != PENDING:
                return {"action": "done" if current.terminal else "update"}
            return self._wait(campaign.poll_s)  # the site's slots are taken
        return {"action": "update"}

    @staticmethod
    def _wait(seconds: int) -> dict[str, Any]:
        return {"action": "wait", "seconds": max(1, min(int(seconds), MAX_WAIT_S))}

    def _session_active(self, charge_point_id: str) -> bool:
        page = self.transactions.by_charger(
            charge_point_id, SessionFilter(status="active"), 1, None
        )
        return bool(page.items)

    def update(self, campaign_id: str, charge_point_id: str, task_token: str) -> dict[str, Any]:
        """Store the task token, send the update and wait for the charger's answer. The task
        ends later, when the charger's reports end the target (SendTaskSuccess/Failure)."""
        campaign = self.get(campaign_id)
        target = self.store.get_target(campaign_id, charge_point_id)
        if target is None or target.terminal:
            # Cancelled (or ended) meanwhile: end the task at once.
            self.tasks.succeed(task_token, {"state": target.state if target else "unknown"})
            return {"sent": False}
        request_id = request_id_for(campaign_id, charge_point_id, target.attempt)
        at = iso_utc(self.now())
        moved = self.store.move(
            target,
            Move(target.state, SENT if target.state == READY else target.state),
            at,
            {"task_token": task_token, "request_id": request_id},
        )
        if moved is None:
            raise ChargerBusy("the target moved while the update was being sent")
        self.store.set_active_job(
            ActiveJob(charge_point_id, campaign_id, request_id, target.attempt)
        )
        if target.state not in (READY, SENT):
            return {"sent": True}  # the charger reports progress: only the token was renewed
        image = self.images.get(campaign.image_id)
        charger = self.chargers.get(charge_point_id)
        if image is None or charger is None or charger.protocol is None:
            raise FirmwareCommandFailed(f"{REASON_OFFLINE}: the charger or image is gone")
        action, payload = self.downloads.update_firmware_request(
            image, charger.protocol, request_id
        )
        message_id = str(
            uuid.uuid5(
                uuid.NAMESPACE_URL, f"firmware:{campaign_id}:{charge_point_id}:{target.attempt}"
            )
        )
        if self.engine.get(charge_point_id, message_id) is None:
            try:
                self.engine.send(
                    charge_point_id,
                    action,
                    payload,
                    timeout_s=COMMAND_TIMEOUT_S,
                    requested_by=f"campaign:{campaign_id}",
                    message_id=message_id,
                )
            except CommandError as error:
                if error.code == "CommandInFlight":
                    raise ChargerBusy(error.message) from None
                raise FirmwareCommandFailed(f"{REASON_REJECTED}: {error.code}") from None
        record = self.engine.wait(charge_point_id, message_id, COMMAND_WAIT_S)
        if record is None or record.status != "answered":
            status = record.status if record else "lost"
            raise FirmwareCommandFailed(f"{REASON_REJECTED}: no answer ({status})")
        answer = (record.result or {}).get("status", "Accepted")
        if answer not in ("Accepted", "AcceptedCanceled"):
            raise FirmwareCommandFailed(f"{REASON_REJECTED}: {answer}")
        return {"sent": True}

    def record_failure(
        self, campaign_id: str, charge_point_id: str, error: str, cause: str
    ) -> dict[str, Any]:
        """The update task failed (the charger's failure report, a refused command, the
        task's timeout): the attempt ends failed; {"retry": true} when another is due."""
        campaign = self.get(campaign_id)
        target = self.store.get_target(campaign_id, charge_point_id)
        if target is None:
            return {"retry": False}
        at = iso_utc(self.now())
        if not target.terminal:
            if error == "States.Timeout" and self._booted_with_image(campaign, target):
                # The boot's event was lost (charger events are published once): the charger
                # record saw the new version after the command, which is success.
                move = Move(target.state, SUCCEEDED)
            else:
                reason = REASON_TIMEOUT if error == "States.Timeout" else _reason(cause, error)
                move = Move(target.state, FAILED, reason)
            target = self._finish(target, move, at) or (
                self.store.get_target(campaign_id, charge_point_id) or target
            )
        if target.state != FAILED or target.attempt > campaign.retries:
            return {"retry": False}
        if campaign.status not in RUNNING_LIKE and campaign.status != "paused":
            return {"retry": False}
        retried = self.store.move(
            target,
            Move(FAILED, PENDING, f"retry {target.attempt + 1}"),
            at,
            {"attempt": target.attempt + 1, "request_id": None},
        )
        return {"retry": retried is not None}

    def _booted_with_image(self, campaign: Campaign, target: Target) -> bool:
        """Whether the charger booted with the image's version after this attempt was sent."""
        sent_at = next((e.at for e in reversed(target.timeline) if e.status == SENT), None)
        charger = self.chargers.get(target.charge_point_id)
        if sent_at is None or charger is None or charger.last_boot_at is None:
            return False
        booted, sent = parse_timestamp(charger.last_boot_at), parse_timestamp(sent_at)
        return (
            charger.firmware_version == campaign.image_version
            and booted is not None
            and sent is not None
            and booted >= sent
        )

    def evaluate_wave(self, campaign_id: str, wave: int) -> dict[str, Any]:
        campaign = self.get(campaign_id)
        counts = next(
            (c for c in count_waves(self.store.targets(campaign_id)) if c.wave == wave),
            WaveCounts(wave, {}),
        )
        reason = halt_reason(counts, campaign.failure_threshold_pct)
        if reason is None:
            return {"halted": False, "wave": wave}
        self.store.set_status(
            campaign_id,
            frozenset({"starting", "running", "paused"}),
            {"status": "halted", "halted_reason": reason, "finished_at": iso_utc(self.now())},
        )
        logger.warning("campaign halted", extra={"campaignId": campaign_id, "reason": reason})
        return {"halted": True, "wave": wave, "reason": reason}

    def finish(self, campaign_id: str) -> dict[str, Any]:
        finished = self.store.set_status(
            campaign_id,
            frozenset({"starting", "running", "paused"}),
            {"status": "completed", "finished_at": iso_utc(self.now())},
        )
        return {"status": finished.status if finished else self.get(campaign_id).status}

    # The charger's reports (the FirmwareStatusChanged and ChargerBooted rule)

    def firmware_status(self, charge_point_id: str, status: str, request_id: int | None) -> None:
        self._on_report(charge_point_id, request_id, lambda t, _: on_status(t, status))

    def booted(self, charge_point_id: str, firmware_version: str | None) -> None:
        self._on_report(
            charge_point_id, None, lambda t, c: on_boot(t, firmware_version, c.image_version)
        )

    def _on_report(
        self,
        charge_point_id: str,
        request_id: int | None,
        decide: Callable[[Target, Campaign], Move | None],
    ) -> None:
        """Apply the move a report makes. Two reports of one charger may be handled at once
        (the InstallRebooting status and the boot after it): when the other one moved the
        target first, the condition fails, and the report is judged again on the new state."""
        for _ in range(REPORT_ATTEMPTS):
            found = self._active_target(charge_point_id, request_id)
            if found is None:
                return
            target, campaign = found
            move = decide(target, campaign)
            if move is None or self._apply(target, move) is not None:
                return

    def _active_target(
        self, charge_point_id: str, request_id: int | None
    ) -> tuple[Target, Campaign] | None:
        job = self.store.active_job(charge_point_id)
        if job is None or (request_id is not None and request_id != job.request_id):
            return None  # not a campaign's request (an operator's own UpdateFirmware)
        target = self.store.get_target(job.campaign_id, charge_point_id)
        campaign = self.store.get(job.campaign_id)
        if target is None or campaign is None or target.attempt != job.attempt:
            return None
        return target, campaign

    def _apply(self, target: Target, move: Move) -> Target | None:
        at = iso_utc(self.now())
        if move.terminal:
            return self._finish(target, move, at)
        return self.store.move(target, move, at)

    def _finish(self, target: Target, move: Move, at: str) -> Target | None:
        """A terminal transition; its winner (alone) tells the waiting task."""
        finished = self.store.move(target, move, at)
        if finished is None or target.task_token is None:
            return finished
        try:
            if move.state == SUCCEEDED:
                self.tasks.succeed(
                    target.task_token,
                    {"chargePointId": target.charge_point_id, "state": "succeeded"},
                )
            elif move.state == FAILED:
                self.tasks.fail(target.task_token, "Firmware.Failed", f"{move.reason}")
        except Exception:
            # An expired token (the task timed out, the execution stopped): nothing waits.
            logger.info("task token not notified", extra={"chargePointId": target.charge_point_id})
        return finished


def _reason(cause: str, error: str) -> str:
    """The failure reason from a caught task error: a charger's report (Firmware.Failed's
    cause), the reason our update step put first in its message (FirmwareCommandFailed), or
    the error's name (ChargerBusy after its retries, a Lambda or runtime error)."""
    if error == "Firmware.Failed":
        return (cause.split(":", 1)[0] or error)[:64]
    if error != FirmwareCommandFailed.__name__:
        return error[:64] or "Failed"
    # A Lambda error's cause is the runtime's JSON payload with errorMessage.
    try:
        text = str(json.loads(cause).get("errorMessage", cause))
    except (ValueError, AttributeError):
        text = cause
    return (text.split(":", 1)[0] or error)[:64]
