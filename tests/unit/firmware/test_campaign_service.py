"""Campaigns over the in-memory adapters: the operator's use cases, the workflow's steps as
the ASL runs them, and the charger's reports (shared/firmware/campaigns_service.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.adapters.memory.files import MemoryFileObjects, MemoryFileTokens, MemoryImageRepository
from shared.adapters.memory.firmware_campaigns import MemoryCampaignStore
from shared.firmware.campaigns_service import (
    CampaignConflict,
    CampaignService,
    ChargerBusy,
    FirmwareCommandFailed,
)
from shared.firmware.files import FileLocations
from shared.models.charger import BootInfo, ChargerRecord
from shared.models.firmware import FirmwareImage
from shared.models.firmware_campaign import (
    Campaign,
    CampaignError,
    Move,
    Selector,
    Window,
)
from shared.models.transaction import TransactionRecord
from shared.ocpp.framing import CallResult
from shared.ports.firmware_campaigns import CampaignStore
from tests.fakes import Clock, memory_services

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
IMAGE = FirmwareImage("img-2", "2.0", "fw.bin", "ab" * 32, "available", "2026-01-01T00:00:00Z")


def images_of(image: FirmwareImage) -> MemoryImageRepository:
    images = MemoryImageRepository()
    images.create(image)
    return images


class Executions:
    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []
        self.stopped: list[str] = []

    def start(self, name: str, payload: dict[str, Any]) -> str:
        self.started.append((name, payload))
        return f"arn:exec:{name}"

    def stop(self, execution_arn: str, cause: str) -> None:
        self.stopped.append(execution_arn)


class AnsweringSender:
    """The charger answers every UpdateFirmware at once with `answer` (None: 1.6's {})."""

    def __init__(self, services, answer: str | None = "Accepted") -> None:
        self.services = services
        self.answer = answer
        self.sent: list[dict[str, Any]] = []

    def send(self, connection_id: str, text: str) -> None:
        _, message_id, action, payload = json.loads(text)
        self.sent.append({"action": action, **payload})
        cp = connection_id.removesuffix("=")
        result = {} if self.answer is None else {"status": self.answer}
        self.services.engine.on_reply(cp, CallResult(message_id, result))


@pytest.fixture
def store() -> CampaignStore:
    return MemoryCampaignStore()


@pytest.fixture
def world(store: CampaignStore):
    clock = Clock(NOW)
    services = memory_services(now=clock)
    deps = services.deps
    sender = AnsweringSender(services)
    services.engine.sender = sender
    for i in range(10):
        cp = f"CP{i}"
        deps.chargers.create(ChargerRecord(cp))
        deps.chargers.record_boot(
            cp, BootInfo("ACME", "X1", firmware_version="1.0"), "ocpp2.0.1", NOW
        )
        deps.chargers.attach_connection(cp, f"{cp}=", "ocpp2.0.1", 1)
    executions = Executions()
    service = CampaignService(
        store=store,
        chargers=deps.chargers,
        locations=deps.locations,
        transactions=deps.transactions,
        images=images_of(IMAGE),
        downloads=FileLocations(MemoryFileTokens(), MemoryFileObjects(), "https://files.test"),
        engine=services.engine,
        tasks=deps.tasks,
        executions=executions,
        now=clock,
    )
    return service, deps, sender, executions, clock


def draft(**kw) -> Campaign:
    fields: dict[str, Any] = {
        "campaign_id": "",
        "name": "roll 2.0",
        "image_id": "img-2",
        "image_version": "",
        "selector": Selector(models=("X1",)),
        "created_at": "",
        "waves": (10, 50, 100),
        "site_concurrency": None,
    }
    fields.update(kw)
    return Campaign(**fields)


def started(service: CampaignService, **kw: Any) -> Campaign:
    campaign = service.create(draft(**kw))
    return service.start(campaign.campaign_id)


def test_create_preview_start_freezes_targets_and_starts_the_execution(world):
    service, _, _, executions, _ = world
    campaign = service.create(draft())
    assert campaign.status == "draft" and campaign.image_version == "2.0"
    preview = service.preview(campaign.campaign_id)
    assert [sum(1 for t in preview if t.wave == n) for n in (1, 2, 3)] == [1, 4, 5]
    running = service.start(campaign.campaign_id)
    assert running.status == "running" and running.execution_arn
    name, payload = executions.started[0]
    assert name == campaign.campaign_id
    assert [len(w["chargers"]) for w in payload["waves"]] == [1, 4, 5]
    assert {t.charge_point_id: t.wave for t in service.preview(campaign.campaign_id)} == {
        t.charge_point_id: t.wave for t in preview
    }
    with pytest.raises(CampaignConflict) as conflict:
        service.start(campaign.campaign_id)
    assert conflict.value.campaign.status == "running"


def update_to_success(service, deps, cid, cp):
    assert service.prepare(cid, cp) == {"action": "update"}
    service.update(cid, cp, f"token-{cp}")
    target = service.store.get_target(cid, cp)
    for status in ("Downloading", "Downloaded", "Installing", "Installed"):
        service.firmware_status(cp, status, target.request_id)
    service.booted(cp, "2.0")


def test_a_charger_succeeds_at_the_boot_with_the_new_version(world):
    service, deps, sender, _, _ = world
    cid = started(service, selector=Selector(charger_ids=("CP1",))).campaign_id
    update_to_success(service, deps, cid, "CP1")
    assert sender.sent[0]["action"] == "UpdateFirmware"
    target = service.store.get_target(cid, "CP1")
    assert target.state == "succeeded"
    assert [e.status for e in target.timeline] == [
        "ready", "sent", "Downloading", "Downloaded", "Installing", "Installed", "succeeded"
    ]  # fmt: skip
    assert deps.tasks.succeeded == [("token-CP1", {"chargePointId": "CP1", "state": "succeeded"})]
    # Replayed reports and boots change nothing and notify nobody again.
    service.firmware_status("CP1", "Installed", target.request_id)
    service.booted("CP1", "2.0")
    assert len(deps.tasks.succeeded) == 1
    assert service.charger_history("CP1")[0][0].campaign_id == cid


def test_a_failure_report_fails_the_task_and_a_retry_sends_a_new_request(world):
    service, deps, sender, _, _ = world
    cid = started(service, selector=Selector(charger_ids=("CP1",)), retries=1).campaign_id
    service.prepare(cid, "CP1")
    service.update(cid, "CP1", "tok-1")
    first = service.store.get_target(cid, "CP1")
    service.firmware_status("CP1", "DownloadFailed", first.request_id)
    assert deps.tasks.failed == [("tok-1", "Firmware.Failed", "DownloadFailed")]
    assert service.record_failure(cid, "CP1", "Firmware.Failed", "DownloadFailed") == {
        "retry": True
    }
    # The old request's late reports are not this attempt's.
    service.firmware_status("CP1", "Downloading", first.request_id)
    assert service.store.get_target(cid, "CP1").state == "pending"
    service.prepare(cid, "CP1")
    service.update(cid, "CP1", "tok-2")
    second = service.store.get_target(cid, "CP1")
    assert second.attempt == 2 and second.request_id != first.request_id
    assert sender.sent[1]["requestId"] == second.request_id
    service.firmware_status("CP1", "InstallationFailed", second.request_id)
    assert service.record_failure(cid, "CP1", "Firmware.Failed", "InstallationFailed") == {
        "retry": False
    }
    assert service.store.get_target(cid, "CP1").reason == "InstallationFailed"


def test_a_rejected_command_raises_for_the_workflow_to_catch(world):
    service, _, sender, _, _ = world
    sender.answer = "Rejected"
    cid = started(service, selector=Selector(charger_ids=("CP1",)), retries=0).campaign_id
    service.prepare(cid, "CP1")
    with pytest.raises(FirmwareCommandFailed, match="CommandRejected: Rejected"):
        service.update(cid, "CP1", "tok")
    cause = json.dumps({"errorMessage": "CommandRejected: Rejected"})
    assert service.record_failure(cid, "CP1", "FirmwareCommandFailed", cause) == {"retry": False}
    target = service.store.get_target(cid, "CP1")
    assert (target.state, target.reason) == ("failed", "CommandRejected")


def test_a_repeated_update_step_sends_one_command(world):
    service, _, sender, _, _ = world
    cid = started(service, selector=Selector(charger_ids=("CP1",))).campaign_id
    service.prepare(cid, "CP1")
    service.update(cid, "CP1", "tok-1")
    service.update(cid, "CP1", "tok-2")  # the Lambda invocation retried
    assert len(sender.sent) == 1
    assert service.store.get_target(cid, "CP1").task_token == "tok-2"


def test_a_busy_charger_is_retried_by_the_workflow(world):
    service, deps, _, _, _ = world
    cid = started(service, selector=Selector(charger_ids=("CP1",))).campaign_id
    deps.commands.acquire_slot("CP1", "other", 2**62, 0)
    service.prepare(cid, "CP1")
    with pytest.raises(ChargerBusy):
        service.update(cid, "CP1", "tok")


def test_the_timeout_fails_the_attempt(world):
    service, _, _, _, _ = world
    cid = started(service, selector=Selector(charger_ids=("CP1",)), retries=0).campaign_id
    service.prepare(cid, "CP1")
    service.update(cid, "CP1", "tok")
    service.firmware_status("CP1", "Downloading", None)  # 1.6: no requestId, the job decides
    assert service.record_failure(cid, "CP1", "States.Timeout", "") == {"retry": False}
    assert service.store.get_target(cid, "CP1").reason == "Timeout"


def test_sessions_wait_or_skip(world):
    service, deps, _, _, _ = world
    deps.transactions.create(
        TransactionRecord("CP1", "tx-1", connector_id=1, status="active", id_tag="T")
    )
    waits = started(service, selector=Selector(charger_ids=("CP1",)), poll_s=30)
    assert service.prepare(waits.campaign_id, "CP1") == {"action": "wait", "seconds": 30}
    skips = started(service, selector=Selector(charger_ids=("CP1",)), session_policy="skip")
    assert service.prepare(skips.campaign_id, "CP1") == {"action": "done"}
    target = service.store.get_target(skips.campaign_id, "CP1")
    assert (target.state, target.reason) == ("skipped", "ActiveSession")


def test_a_closed_window_holds_the_charger(world):
    service, _, _, _, clock = world
    cid = started(
        service, selector=Selector(charger_ids=("CP1",)), windows=(Window("13:00", "14:00"),)
    ).campaign_id
    assert service.prepare(cid, "CP1") == {"action": "wait", "seconds": 3600}
    clock.now = NOW.replace(hour=13, minute=5)
    assert service.prepare(cid, "CP1") == {"action": "update"}


def test_pause_holds_new_chargers_and_cancel_ends_them(world):
    service, _, _, executions, _ = world
    cid = started(service, selector=Selector(charger_ids=("CP1", "CP2")), poll_s=5).campaign_id
    service.pause(cid)
    with pytest.raises(CampaignConflict):
        service.pause(cid)
    assert service.prepare(cid, "CP1") == {"action": "wait", "seconds": 5}
    service.resume(cid)
    assert service.prepare(cid, "CP1") == {"action": "update"}
    cancelled = service.cancel(cid)
    assert cancelled.status == "cancelled" and executions.stopped == [cancelled.execution_arn]
    assert {t.charge_point_id: t.state for t in service.store.targets(cid)} == {
        "CP1": "cancelled",
        "CP2": "cancelled",
    }
    with pytest.raises(CampaignConflict) as conflict:
        service.resume(cid)
    assert conflict.value.campaign.status == "cancelled"


def test_site_concurrency_bounds_chargers_per_site(world):
    service, deps, _, _, _ = world
    deps.locations.claims.update({"CP1": "S1", "CP2": "S1", "CP3": "S2"})
    cid = started(
        service, selector=Selector(charger_ids=("CP1", "CP2", "CP3")), site_concurrency=1
    ).campaign_id
    assert service.prepare(cid, "CP1") == {"action": "update"}
    assert service.prepare(cid, "CP2")["action"] == "wait"
    assert service.prepare(cid, "CP3") == {"action": "update"}
    service.update(cid, "CP1", "tok")
    service.firmware_status("CP1", "DownloadFailed", None)  # ends: the slot is free again
    assert service.prepare(cid, "CP2") == {"action": "update"}


def test_a_wave_over_the_threshold_halts_the_campaign(world):
    service, deps, _, _, _ = world
    cid = started(service, failure_threshold_pct=20, retries=0).campaign_id
    wave2 = [t.charge_point_id for t in service.store.targets(cid) if t.wave == 2]
    for cp in wave2[:2]:
        update_to_success(service, deps, cid, cp)
    for cp in wave2[2:]:
        service.prepare(cid, cp)
        service.update(cid, cp, "tok")
        service.firmware_status(cp, "InvalidSignature", None)
    result = service.evaluate_wave(cid, 2)
    assert result["halted"] and "2 of 4" in result["reason"]
    campaign = service.get(cid)
    assert campaign.status == "halted" and campaign.halted_reason == result["reason"]
    progress = service.progress(cid)
    assert dict(progress.waves[1].states) == {"succeeded": 2, "failed": 2}
    # Later waves are never sent: their prepare ends them.
    wave3 = next(t for t in service.store.targets(cid) if t.wave == 3)
    assert service.prepare(cid, wave3.charge_point_id) == {"action": "done"}


def test_only_available_images(world):
    service, _, _, _, _ = world
    service.images = images_of(replace(IMAGE, status="awaiting_upload"))
    with pytest.raises(CampaignConflict):
        service.create(draft())


def test_a_boot_racing_another_report_is_judged_again(world):
    """The InstallRebooting report and the boot after it are handled at once: the boot read
    Installing, InstallRebooting was written first, the boot's condition fails; judged again
    on InstallRebooting, the boot still makes the target succeed."""
    service, deps, _, _, _ = world
    cid = started(service, selector=Selector(charger_ids=("CP1",))).campaign_id
    service.prepare(cid, "CP1")
    service.update(cid, "CP1", "tok")
    service.firmware_status("CP1", "Installing", None)
    store = service.store
    real_move = store.move
    raced: list[bool] = []

    def racing_move(target, move, at, changes=None):
        if not raced:
            raced.append(True)
            current = store.get_target(cid, "CP1")
            real_move(current, Move("Installing", "InstallRebooting"), at)
        return real_move(target, move, at, changes)

    store.move = racing_move
    service.booted("CP1", "2.0")
    target = store.get_target(cid, "CP1")
    assert target.state == "succeeded" and raced
    assert deps.tasks.succeeded[-1][0] == "tok"


def test_a_start_too_large_for_one_execution_or_without_targets_is_refused(world, monkeypatch):
    from shared.firmware import campaigns_service

    service, _, _, executions, _ = world
    monkeypatch.setattr(campaigns_service, "MAX_EXECUTION_INPUT_BYTES", 200)
    campaign = service.create(draft())
    with pytest.raises(CampaignError, match="split the campaign"):
        service.start(campaign.campaign_id)
    nobody = service.create(draft(selector=Selector(models=("nope",))))
    with pytest.raises(CampaignError, match="no charger matches"):
        service.start(nobody.campaign_id)
    assert service.get(campaign.campaign_id).status == "draft" and not executions.started


def test_a_busy_charger_after_its_retries_fails_as_busy(world):
    service, _, _, _, _ = world
    cid = started(service, selector=Selector(charger_ids=("CP1",)), retries=0).campaign_id
    service.prepare(cid, "CP1")
    cause = json.dumps({"errorMessage": "charger 'CP1' is still answering another command"})
    assert service.record_failure(cid, "CP1", "ChargerBusy", cause) == {"retry": False}
    assert service.store.get_target(cid, "CP1").reason == "ChargerBusy"


def test_a_timeout_after_a_lost_boot_event_is_a_success_when_the_charger_has_the_version(world):
    """Charger events are published once: when the boot's event was lost, the timeout finds
    the new version on the charger record (booted after the command) and ends a success."""
    service, deps, _, _, clock = world
    cid = started(service, selector=Selector(charger_ids=("CP1", "CP2")), retries=0).campaign_id
    for cp in ("CP1", "CP2"):
        service.prepare(cid, cp)
        service.update(cid, cp, f"tok-{cp}")
    clock.now = NOW.replace(minute=30)
    deps.chargers.record_boot(
        "CP1", BootInfo("ACME", "X1", firmware_version="2.0"), "ocpp2.0.1", clock.now
    )  # no ChargerBooted reached the campaign
    assert service.record_failure(cid, "CP1", "States.Timeout", "") == {"retry": False}
    assert service.record_failure(cid, "CP2", "States.Timeout", "") == {"retry": False}
    states = {t.charge_point_id: (t.state, t.reason) for t in service.store.targets(cid)}
    assert states == {"CP1": ("succeeded", None), "CP2": ("failed", "Timeout")}
