"""Faults at each AWS call of a firmware campaign's charger path, through the real DynamoDB
adapters (over moto): the update step (the target's move, the charger's job, the command) and
the reports and boot that end the target (docs/adr/0045). What a charger acknowledged is
recorded once, each status enters the timeline once, the waiting task is told once (or, when
telling it failed, its timeout ends the attempt as the stored state says), and a retried update
step sends the update once."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from shared.adapters.memory.commands import MemoryTaskNotifier
from shared.firmware.campaigns_service import CampaignService, FirmwareCommandFailed
from shared.models.charger import BootInfo
from shared.models.firmware import FirmwareImage
from shared.models.firmware_campaign import Selector
from shared.ocpp.framing import CallResult
from tests.fault_injection import NthCall, nth_call_fails
from tests.faults.conftest import T0, Platform
from tests.unit.firmware.test_campaign_service import Executions, draft

IMAGE = FirmwareImage("img-2", "2.0", "fw.bin", "ab" * 32, "available", "2026-01-01T00:00:00Z")
REPORTS = ("Downloading", "Downloaded", "Installing", "InstallRebooting", "Installed")


class AnsweringSender:
    """CP1 answers every UpdateFirmware Accepted at once, as a connected station would."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.sent: list[str] = []

    def send(self, connection_id: str, text: str) -> None:
        _, message_id, action, _payload = json.loads(text)
        self.sent.append(action)
        answer = CallResult(message_id, {"status": "Accepted"})
        self.platform.services.engine.on_reply("CP1", answer)


class FlakyTasks(MemoryTaskNotifier):
    """The task notifier with Step Functions' failure: the first `failures` calls throttle."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__()
        self.failures = failures

    def succeed(self, task_token: str, output: dict[str, Any]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("ThrottlingException")
        super().succeed(task_token, output)


def clients(platform: Platform) -> list[Any]:
    return [platform.client(name) for name in ("dynamodb", "events")]


@pytest.fixture
def campaigns(platform: Platform) -> tuple[CampaignService, AnsweringSender, FlakyTasks, str]:
    services = platform.services
    assert services.firmware_campaigns is not None and services.file_locations is not None
    services.deps.chargers.record_boot(
        "CP1", BootInfo("ACME", "X1", firmware_version="1.0"), "ocpp2.0.1", T0
    )
    services.deps.chargers.attach_connection("CP1", "conn-1", "ocpp2.0.1", 1)
    sender = AnsweringSender(platform)
    services.engine.sender = sender
    tasks = FlakyTasks()
    service = services.firmware_campaigns
    service.tasks = tasks
    service.executions = Executions()
    service.images = type("Images", (), {"get": staticmethod(lambda _id: IMAGE)})()
    campaign = service.create(draft(selector=Selector(charger_ids=("CP1",)), waves=(100,)))
    service.start(campaign.campaign_id)
    assert service.prepare(campaign.campaign_id, "CP1") == {"action": "update"}
    return service, sender, tasks, campaign.campaign_id


def delivered(work: Callable[[], object], attempts: int = 3) -> None:
    """An event delivered as Lambda's asynchronous invocation does: retried when it raises."""
    for attempt in range(attempts):
        try:
            work()
            return
        except Exception:
            if attempt == attempts - 1:
                raise


def reports_and_boot(service: CampaignService, request_id: int | None) -> None:
    for status in REPORTS:
        delivered(partial(service.firmware_status, "CP1", status, request_id))
    delivered(lambda: service.booted("CP1", "2.0"))


def report_calls(platform: Platform, campaigns: Any) -> int:
    service, _, _, cid = campaigns
    service.update(cid, "CP1", "token-1")
    request_id = service.store.get_target(cid, "CP1").request_id
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        reports_and_boot(service, request_id)
    return len(probe.calls)


def test_the_report_path_makes_the_calls_the_fault_positions_cover(platform, campaigns):
    assert report_calls(platform, campaigns) == REPORT_CALLS


# The five reports' and the boot's calls: each reads the charger's job, the target and the
# campaign, then moves the target.
REPORT_CALLS = 30


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", range(1, REPORT_CALLS + 1))
def test_reports_and_boot_with_a_fault_at_any_call(platform, campaigns, n: int, after: bool):
    service, _, tasks, cid = campaigns
    service.update(cid, "CP1", "token-1")
    request_id = service.store.get_target(cid, "CP1").request_id
    fault = NthCall(n=n, after=after)
    with nth_call_fails(clients(platform), fault):
        reports_and_boot(service, request_id)
    assert fault.failed is not None
    target = service.store.get_target(cid, "CP1")
    assert target.state == "succeeded"
    steps = [e.status for e in target.timeline]
    assert steps == ["ready", "sent", *REPORTS, "succeeded"], steps
    # Told once; a notification lost after the move was stored is made good by the task's
    # timeout, which finds the charger done and records nothing more.
    assert len(tasks.succeeded) <= 1
    if not tasks.succeeded:
        assert service.record_failure(cid, "CP1", "States.Timeout", "") == {"retry": False}
        assert service.store.get_target(cid, "CP1").state == "succeeded"


def test_a_throttled_notification_leaves_the_success_stored_once(platform, campaigns):
    service, _, tasks, cid = campaigns
    service.update(cid, "CP1", "token-1")
    request_id = service.store.get_target(cid, "CP1").request_id
    tasks.failures = 1
    reports_and_boot(service, request_id)
    delivered(lambda: service.booted("CP1", "2.0"))  # the rule's redelivery changes nothing
    target = service.store.get_target(cid, "CP1")
    assert target.state == "succeeded" and tasks.succeeded == []
    assert [e.status for e in target.timeline].count("succeeded") == 1
    assert service.record_failure(cid, "CP1", "States.Timeout", "") == {"retry": False}
    assert service.store.get_target(cid, "CP1").state == "succeeded"


def update_calls(platform: Platform, campaigns: Any) -> int:
    service, _, _, cid = campaigns
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        service.update(cid, "CP1", "token-1")
    return len(probe.calls)


# The update step's calls: the campaign, the target, its move to sent (with the token), the
# image and the charger's job, the download token, the command's read, the charger, the slot,
# the command's record, then (the charger's reply, in its own invocation: 12-16, covered by
# tests/faults/test_command_faults.py) the step's read of the outcome.
UPDATE_CALLS = 17
STEP_CALLS = [*range(1, 12), 17]


def test_the_update_step_makes_the_calls_the_fault_positions_cover(platform, campaigns):
    assert update_calls(platform, campaigns) == UPDATE_CALLS


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", STEP_CALLS)
def test_the_update_step_with_a_fault_at_any_call(platform, campaigns, n: int, after: bool):
    """Step Functions runs a failed step again (its Retry, or the campaign's next attempt):
    the charger is sent one UpdateFirmware, and the target ends sent with the newest token.
    The one exception: the command's record stored but the step failed before the frame went
    out. The step again does not send it twice; the command times out unanswered and the
    attempt fails, for the campaign's retries to send a new one."""
    service, sender, _, cid = campaigns
    engine = platform.services.engine
    engine.sleep = lambda _s: None
    ticks = iter(range(10**6))
    start_ms = engine.clock_ms()
    engine.clock_ms = lambda: start_ms + 500 * next(ticks)  # waits end without sleeping
    fault = NthCall(n=n, after=after)
    with nth_call_fails(clients(platform), fault):
        try:
            service.update(cid, "CP1", "token-1")
        except Exception:
            if (n, after) == (11, True):
                with pytest.raises(FirmwareCommandFailed):
                    service.update(cid, "CP1", "token-2")
                assert sender.sent == []
                return
            service.update(cid, "CP1", "token-2")  # the step again, with its new token
    assert fault.failed is not None
    assert sender.sent == ["UpdateFirmware"]
    target = service.store.get_target(cid, "CP1")
    assert target.state == "sent" and target.task_token in ("token-1", "token-2")
    assert [e.status for e in target.timeline] == ["ready", "sent"]
