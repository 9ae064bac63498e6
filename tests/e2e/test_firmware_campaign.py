"""Firmware campaigns on the local platform (docs/adr/0045-firmware-campaigns.md): the
FirmwareCampaign Standard execution really runs in moto (nested Map, Wait, Lambda tasks with
task tokens), the updates go out through the command engine over WebSockets, and simulated
2.0.1 stations download, report, reboot and boot with the new version (or fail as their job
faults say). Use cases: OCPP 2.0.1 L02 (non-secure firmware update), at fleet scale."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_cli.client import ApiError, Client
from csms_cli.firmware import upload_image
from simulator import Backoff, SimulatedCharger, always, firmware_file
from tests.e2e.conftest import moto_client, run

pytestmark = pytest.mark.e2e

V201 = "ocpp2.0.1"
NEW = "sim-2.0.0"
View = dict[str, Any]


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def images(platform: Any) -> str:
    """The image campaigns roll out, uploaded through its presigned PUT and verified: the
    stations really download it through /files/<token> and install the version it names."""
    client = Client(platform.http_url, "dev-operator-token", timeout_s=30)
    image = upload_image(client, firmware_file(NEW, 4096), {"version": NEW, "fileName": "fw.bin"})
    assert image["status"] == "available"
    image_id: str = image["imageId"]
    return image_id


class Operator:
    def __init__(self, platform: Any, image_id: str) -> None:
        self.client = Client(platform.http_url, "dev-operator-token", timeout_s=30)
        self.image_id = image_id

    async def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        return await asyncio.to_thread(self.client.request, method, path, query or None, body)

    async def create(self, charger_ids: list[str], **rules: Any) -> View:
        body = {
            "name": "roll 2.0.0",
            "imageId": self.image_id,
            "selector": {"chargerIds": charger_ids},
            "siteConcurrency": None,
            "pollS": 1,
            "retries": 0,
            "chargerTimeoutS": 60,
            **rules,
        }
        created: View = await self.call("POST", "/firmware/campaigns", body)
        return created

    async def show(self, campaign_id: str) -> View:
        view: View = await self.call("GET", f"/firmware/campaigns/{campaign_id}")
        return view

    async def targets(self, campaign_id: str) -> dict[str, View]:
        listed = await self.call("GET", f"/firmware/campaigns/{campaign_id}/targets")
        return {t["chargePointId"]: t for t in listed["targets"]}

    async def act(self, campaign_id: str, action: str) -> View:
        view: View = await self.call("POST", f"/firmware/campaigns/{campaign_id}/{action}")
        return view


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.25)


@contextlib.asynccontextmanager
async def fleet(
    platform: Any, count: int, prefix: str, protocol: str = V201
) -> AsyncIterator[list[SimulatedCharger]]:
    """`count` stations, booted with the old version, online until the block ends."""
    async with contextlib.AsyncExitStack() as stack:
        chargers = []
        for _ in range(count):
            cp = SimulatedCharger(
                platform.ws_url,
                new_id(prefix),
                protocol=protocol,
                backoff=Backoff(initial_s=0.05, max_s=0.2),
            )
            cp.device.job_step_s = 0.02
            await stack.enter_async_context(cp)
            assert (await cp.boot())["status"] == "Accepted"
            chargers.append(cp)
        yield chargers


def execution_status(platform: Any, arn: str) -> View:
    described: View = moto_client(platform, "stepfunctions").describe_execution(executionArn=arn)
    return described


def test_L02_a_three_wave_campaign_halts_when_the_second_wave_fails(platform, images):
    """30 stations in waves of 10 %, 50 %, 100 % (3, 12, 15): the canary succeeds (the new
    version seen at boot), half of wave 2 fails installing (above the 20 % threshold), the
    campaign halts and wave 3 is never sent."""

    async def scenario() -> tuple[View, dict[str, View], View, list[SimulatedCharger]]:
        operator = Operator(platform, images)
        async with fleet(platform, 30, "FW") as chargers:
            by_id = {cp.charge_point_id: cp for cp in chargers}
            campaign = await operator.create(
                list(by_id), waves=[10, 50, 100], failureThresholdPct=20, concurrency=8
            )
            cid = campaign["campaignId"]
            preview = await operator.targets(cid)
            waves = {n: [cp for cp, t in preview.items() if t["wave"] == n] for n in (1, 2, 3)}
            assert [len(waves[n]) for n in (1, 2, 3)] == [3, 12, 15]
            for cp_id in waves[2][:6]:
                by_id[cp_id].device.faults = always("install_failed", step_s=0.02)
            started = await operator.act(cid, "start")
            assert started["status"] == "running"

            async def halted() -> View | None:
                view = await operator.show(cid)
                return view if view["campaign"]["status"] == "halted" else None

            final = await eventually(halted, timeout=120)
            return final, await operator.targets(cid), preview, chargers

    final, targets, preview, chargers = run(scenario(), timeout=200)
    waves = {n: [cp for cp, t in preview.items() if t["wave"] == n] for n in (1, 2, 3)}
    progress = {w["wave"]: w for w in final["waves"]}
    assert progress[1]["states"] == {"succeeded": 3}
    assert progress[2]["states"] == {"succeeded": 6, "failed": 6}
    assert progress[3]["states"] == {"pending": 15}
    assert "wave 2: 6 of 12" in final["campaign"]["haltedReason"]
    for cp_id in waves[1]:
        assert targets[cp_id]["timeline"][-1]["status"] == "succeeded"
    for cp_id in waves[2][:6]:
        assert targets[cp_id]["reason"] == "InstallationFailed"
    for cp_id in waves[3]:
        assert targets[cp_id]["timeline"] == []
    new_versions = {cp.charge_point_id for cp in chargers if cp.identity.firmware_version == NEW}
    assert new_versions == set(waves[1]) | set(waves[2][6:])
    execution = execution_status(platform, final["campaign"]["executionArn"])
    assert execution["status"] == "FAILED" and execution.get("error") == "Campaign.Halted"


async def states(operator: Operator, campaign_id: str) -> dict[str, str]:
    return {cp: t["state"] for cp, t in (await operator.targets(campaign_id)).items()}


def test_L02_pause_holds_new_stations_and_resume_completes_the_campaign(platform, images):
    """Paused, the station under way finishes and no other starts; resumed, all succeed and
    the execution ends SUCCEEDED."""

    async def scenario() -> tuple[View, dict[str, str], dict[str, str], Any]:
        operator = Operator(platform, images)
        async with fleet(platform, 3, "FWP") as chargers:
            for cp in chargers:
                cp.device.faults = always("installed", step_s=0.3)
            campaign = await operator.create(
                [cp.charge_point_id for cp in chargers], waves=[100], concurrency=1
            )
            cid = campaign["campaignId"]
            await operator.act(cid, "start")

            async def one_sent() -> bool:
                return any(
                    s not in ("pending", "ready") for s in (await states(operator, cid)).values()
                )

            await eventually(one_sent)
            assert (await operator.act(cid, "pause"))["status"] == "paused"
            with pytest.raises(ApiError) as twice:
                await operator.act(cid, "pause")
            await asyncio.sleep(4)
            while_paused = await states(operator, cid)
            await operator.act(cid, "resume")

            async def completed() -> View | None:
                view = await operator.show(cid)
                return view if view["campaign"]["status"] == "completed" else None

            final = await eventually(completed, timeout=90)
            return final, while_paused, await states(operator, cid), twice.value

    final, while_paused, after, twice = run(scenario(), timeout=150)
    assert twice.status == 409 and twice.details == {"status": "paused"}
    assert sorted(while_paused.values()) == ["pending", "pending", "succeeded"]
    assert set(after.values()) == {"succeeded"}
    execution = execution_status(platform, final["campaign"]["executionArn"])
    assert execution["status"] == "SUCCEEDED"


def test_L02_cancel_stops_the_execution_and_cancels_stations_not_started(platform, images):
    async def scenario() -> tuple[View, dict[str, str], ApiError]:
        operator = Operator(platform, images)
        async with fleet(platform, 3, "FWC") as chargers:
            for cp in chargers:
                cp.device.faults = always("installed", step_s=0.3)
            campaign = await operator.create(
                [cp.charge_point_id for cp in chargers], waves=[100], concurrency=1
            )
            cid = campaign["campaignId"]
            await operator.act(cid, "start")

            async def one_sent() -> bool:
                found = await states(operator, cid)
                return any(s not in ("pending", "ready") for s in found.values())

            # (moto cannot stop an execution whose worker has not started yet.)
            await eventually(one_sent)
            cancelled = await operator.act(cid, "cancel")
            with pytest.raises(ApiError) as again:
                await operator.act(cid, "resume")
            await asyncio.sleep(3)
            return cancelled, await states(operator, cid), again.value

    cancelled, after, again = run(scenario(), timeout=60)
    assert cancelled["status"] == "cancelled"
    assert again.status == 409 and again.details == {"status": "cancelled"}
    assert "cancelled" in after.values() and "pending" not in after.values()
    # ABORTED on AWS; moto ends an execution stopped while a task waits for its token
    # FAILED (States.Runtime). Either way it is over and no further charger is sent.
    execution = execution_status(platform, cancelled["executionArn"])
    assert execution["status"] in ("ABORTED", "FAILED")


def test_L02_a_station_in_a_session_waits_for_its_end_or_is_skipped(platform, images):
    from tests.e2e.test_ocpp201_use_cases import transaction_event

    async def scenario() -> tuple[dict[str, str], dict[str, View], dict[str, str]]:
        operator = Operator(platform, images)
        async with fleet(platform, 2, "FWS") as (waiting, skipped):
            now = datetime.now(UTC).replace(microsecond=0)
            for cp in (waiting, skipped):
                await cp.call(
                    "TransactionEvent",
                    transaction_event(
                        "Started", f"TX-{cp.charge_point_id}", 0, now, "CablePluggedIn"
                    ),
                )
            waits = await operator.create([waiting.charge_point_id], waves=[100])
            skips = await operator.create(
                [skipped.charge_point_id], waves=[100], sessionPolicy="skip"
            )
            await operator.act(waits["campaignId"], "start")
            await operator.act(skips["campaignId"], "start")
            await asyncio.sleep(4)
            held = await states(operator, waits["campaignId"])
            skip_targets = await operator.targets(skips["campaignId"])
            await waiting.call(
                "TransactionEvent",
                transaction_event(
                    "Ended", f"TX-{waiting.charge_point_id}", 1, now, "EVDeparted",
                    info={"stoppedReason": "EVDisconnected"},
                ),
            )  # fmt: skip

            async def done() -> dict[str, str] | None:
                found = await states(operator, waits["campaignId"])
                return found if set(found.values()) == {"succeeded"} else None

            return held, skip_targets, await eventually(done, timeout=60)

    held, skip_targets, after = run(scenario(), timeout=120)
    assert set(held.values()) == {"pending"}
    (skip,) = skip_targets.values()
    assert (skip["state"], skip["reason"]) == ("skipped", "ActiveSession")
    assert set(after.values()) == {"succeeded"}


def test_L02_a_closed_maintenance_window_holds_the_wave(platform, images):
    """A window opening in two hours (UTC: the station has no site): nothing is sent."""

    async def scenario() -> tuple[dict[str, str], View]:
        operator = Operator(platform, images)
        async with fleet(platform, 2, "FWW") as chargers:
            opens = datetime.now(UTC) + timedelta(hours=2)
            window = {
                "start": opens.strftime("%H:%M"),
                "end": (opens + timedelta(hours=1)).strftime("%H:%M"),
            }
            campaign = await operator.create(
                [cp.charge_point_id for cp in chargers], waves=[100], windows=[window]
            )
            cid = campaign["campaignId"]
            await operator.act(cid, "start")
            await asyncio.sleep(4)
            held = await states(operator, cid)
            view = await operator.show(cid)
            await operator.act(cid, "cancel")
            return held, view

    held, view = run(scenario(), timeout=60)
    assert set(held.values()) == {"pending"}
    assert view["campaign"]["status"] == "running"


def test_1_6_stations_are_matched_by_the_active_job_and_confirmed_at_boot(platform, images):
    """1.6 FirmwareStatusNotification names no request: the charger's active job does; the
    version in the next BootNotification confirms the update."""

    async def scenario() -> tuple[View, dict[str, View], list[SimulatedCharger]]:
        operator = Operator(platform, images)
        async with fleet(platform, 2, "FW16", protocol="ocpp1.6") as chargers:
            campaign = await operator.create(
                [cp.charge_point_id for cp in chargers], waves=[50, 100]
            )
            cid = campaign["campaignId"]
            await operator.act(cid, "start")

            async def completed() -> View | None:
                view = await operator.show(cid)
                return view if view["campaign"]["status"] == "completed" else None

            final = await eventually(completed, timeout=90)
            return final, await operator.targets(cid), chargers

    final, targets, chargers = run(scenario(), timeout=150)
    assert [w["states"] for w in final["waves"]] == [{"succeeded": 1}, {"succeeded": 1}]
    for target in targets.values():
        steps = [step["status"] for step in target["timeline"]]
        assert steps[:3] == ["ready", "sent", "Downloading"] and steps[-1] == "succeeded"
    assert {cp.identity.firmware_version for cp in chargers} == {NEW}
