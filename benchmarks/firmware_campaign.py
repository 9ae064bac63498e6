"""A firmware campaign over N simulated chargers on the local platform (docs/adr/0045).

The image is uploaded through its presigned PUT, a campaign of three waves (1 %, 10 %, 100 %)
is created and started, and the FirmwareCampaign execution really runs in moto: the chargers
(OCPP 2.0.1, accelerated job steps) download the image through /files/<token>, report, reboot
and boot with the new version. The platform runs as its own process with the memory store
(`python -m local --store memory`: its tables in memory, S3, EventBridge and Step Functions
on moto) and the stations in this one, as in `local_load`. Reported: the wall time from start
to `completed`, the execution's state transitions (its history's *StateEntered events, what
Standard bills) and Lambda task invocations, the firmware reports and boots that reach the
campaign function by rule, and what that costs per 1,000 chargers at list prices. The image's
data transfer is priced per MB apart: it is the operator's image size that decides it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
import uuid
from typing import Any

from benchmarks.platform_process import PlatformProcess

WAVES = (1, 10, 100)
# Chargers of a wave updating at once, and the simulated stations' pace: each status step
# JOB_STEP_S apart (Downloading .. InstallRebooting, then a reboot and Installed): about 35
# reports a second, what one local platform delivers by rule. More at once only queues
# reports locally (with 100 at once, 620 of 1,000 chargers had their command after 6
# minutes): each event crosses moto's EventBridge and SQS, whose calls cost time in the
# length of the queue, so the laptop's throughput, not the campaign's design, is measured.
CONCURRENCY = 25
JOB_STEP_S = 0.2
# S3 data transfer out to the internet, first 10 TB, per GB (aws.amazon.com/s3/pricing).
TRANSFER_OUT_GB = 0.09
# What one campaign function invocation is assumed to last (the update step waits for the
# charger's answer; the others are a few DynamoDB calls).
ASSUMED_INVOCATION_MS = 100


def _history_counts(client: Any, arn: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    token: str | None = None
    while True:
        page = client.get_execution_history(
            executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        for event in page["events"]:
            counts[event["type"]] = counts.get(event["type"], 0) + 1
        token = page.get("nextToken")
        if not token:
            return counts


def _step_gaps(targets: list[dict[str, Any]]) -> dict[str, float]:
    """Median seconds from each timeline step to the next, over the targets: where a
    charger's time goes (waiting for its turn, the command, the reports, the boot)."""
    from datetime import datetime
    from statistics import median

    gaps: dict[str, list[float]] = {}
    for target in targets:
        steps = target.get("timeline") or []
        for before, after in itertools.pairwise(steps):
            took = (
                datetime.fromisoformat(after["at"].replace("Z", "+00:00"))
                - datetime.fromisoformat(before["at"].replace("Z", "+00:00"))
            ).total_seconds()
            gaps.setdefault(f"{before['status']}->{after['status']}", []).append(took)
    return {step: round(median(values), 2) for step, values in gaps.items()}


def _count_calls(charger_class: Any) -> dict[str, int]:
    """From now on, the CALLs the simulated chargers send, by action (the benchmark's own
    process: the class is patched for the rest of the run)."""
    counts: dict[str, int] = {}
    original = charger_class.call

    async def counted(self: Any, action: str, *args: Any, **kwargs: Any) -> Any:
        counts[action] = counts.get(action, 0) + 1
        return await original(self, action, *args, **kwargs)

    charger_class.call = counted
    return counts


async def _campaign(platform: PlatformProcess, chargers: int, connect_batch: int) -> dict[str, Any]:
    import boto3

    from csms_cli.client import Client
    from csms_cli.firmware import upload_image
    from local.settings import DEFAULT_OPERATOR_DEV_TOKEN
    from simulator import Backoff, SimulatedCharger, firmware_file

    api = Client(platform.api_url, DEFAULT_OPERATOR_DEV_TOKEN, timeout_s=60)

    def call(method: str, path: str, body: Any = None) -> Any:
        return api.request(method, path, None, body)

    version = f"bench-{uuid.uuid4().hex[:6]}"
    image = await asyncio.to_thread(
        upload_image, api, firmware_file(version), {"version": version, "fileName": "fw.bin"}
    )
    image_id = image["imageId"]

    async with contextlib.AsyncExitStack() as stack:
        fleet: list[SimulatedCharger] = []
        started_connecting = time.perf_counter()
        for first in range(0, chargers, connect_batch):
            batch = [
                SimulatedCharger(
                    platform.ws_url,
                    f"FWB-{index:05d}",
                    protocol="ocpp2.0.1",
                    backoff=Backoff(initial_s=0.2, max_s=2.0),
                )
                for index in range(first, min(chargers, first + connect_batch))
            ]
            for cp in batch:
                cp.device.job_step_s = JOB_STEP_S
                await stack.enter_async_context(cp)
            await asyncio.gather(*(cp.boot() for cp in batch))
            fleet.extend(batch)
        connect_s = time.perf_counter() - started_connecting
        campaign = await asyncio.to_thread(
            call,
            "POST",
            "/firmware/campaigns",
            {
                "name": f"bench {chargers}",
                "imageId": image_id,
                "selector": {"chargerIds": [cp.charge_point_id for cp in fleet]},
                "waves": list(WAVES),
                "concurrency": CONCURRENCY,
                "siteConcurrency": None,
                "retries": 0,
                "pollS": 1,
                "chargerTimeoutS": 600,
            },
        )
        cid = campaign["campaignId"]
        sent = _count_calls(SimulatedCharger)
        started = time.perf_counter()
        await asyncio.to_thread(call, "POST", f"/firmware/campaigns/{cid}/start")
        while True:
            view = await asyncio.to_thread(call, "GET", f"/firmware/campaigns/{cid}")
            if view["campaign"]["status"] not in ("starting", "running"):
                break
            await asyncio.sleep(1.0)
        elapsed_s = time.perf_counter() - started
        targets = await asyncio.to_thread(call, "GET", f"/firmware/campaigns/{cid}/targets")
        reports = sent.get("FirmwareStatusNotification", 0) + sent.get("BootNotification", 0)
        updated = sum(1 for cp in fleet if cp.identity.firmware_version == version)
    stepfunctions = boto3.client(
        "stepfunctions",
        endpoint_url=platform.moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's, not a secret
    )
    history = await asyncio.to_thread(
        _history_counts, stepfunctions, view["campaign"]["executionArn"]
    )
    return {
        "status": view["campaign"]["status"],
        "waves": [
            {"wave": w["wave"], "total": w["total"], "states": w["states"]} for w in view["waves"]
        ],
        "updated": updated,
        "connect_s": round(connect_s, 1),
        "elapsed_s": round(elapsed_s, 1),
        "history": dict(sorted(history.items())),
        "reports_sent": reports,
        "step_gaps_s": _step_gaps(targets["targets"]),
    }


def run(chargers: int, *, connect_batch: int = 50) -> dict[str, Any]:
    from benchmarks.cost_model import Prices
    from infra.catalog import FUNCTIONS_BY_NAME

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        with PlatformProcess(start_timeout_s=120, store="memory") as platform:
            measured = asyncio.run_coroutine_threadsafe(
                _campaign(platform, chargers, connect_batch), loop
            ).result(3600)
    finally:
        loop.call_soon_threadsafe(loop.stop)
    history = measured["history"]
    transitions = sum(n for kind, n in history.items() if kind.endswith("StateEntered"))
    tasks = history.get("TaskScheduled", 0)
    # Every firmware status the stations reported and their boots reached the campaign
    # function through its rule, one event and one invocation each.
    per_charger_rule_invocations = measured["reports_sent"] / chargers
    prices = Prices()
    memory_gb = FUNCTIONS_BY_NAME["firmware_campaign"].memory_mb / 1024
    invocations = tasks + per_charger_rule_invocations * chargers
    per_1000 = 1000 / chargers
    stepfunctions_usd = transitions * prices.stepfunctions_transition * per_1000
    lambda_usd = (
        invocations
        * (
            prices.lambda_request
            + memory_gb * ASSUMED_INVOCATION_MS / 1000 * prices.lambda_gb_second_arm
        )
        * per_1000
    )
    events_usd = per_charger_rule_invocations * 1000 * prices.eventbridge_event
    measured["reports_per_charger"] = round(per_charger_rule_invocations, 2)
    return {
        **measured,
        "chargers": chargers,
        "waves_pct": list(WAVES),
        "concurrency": CONCURRENCY,
        "transitions": transitions,
        "transitions_per_charger": round(transitions / chargers, 2),
        "lambda_tasks": tasks,
        "per_1000_chargers_usd": {
            "step_functions": round(stepfunctions_usd, 4),
            "lambda": round(lambda_usd, 4),
            "eventbridge": round(events_usd, 4),
            "total_without_transfer": round(stepfunctions_usd + lambda_usd + events_usd, 4),
            "image_transfer_per_mb": round(1000 / 1024 * TRANSFER_OUT_GB, 4),
        },
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 30), indent=2))
