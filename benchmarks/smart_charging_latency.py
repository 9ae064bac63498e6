"""Issue #18 point 8: the time from a session start to the first SetChargingProfile (the
session's TxProfile) the charger receives, through the local platform (docs/adr/0051).

The platform runs as its own process (`benchmarks/platform_process.py`, memory store; the
bus, the queues and the command engine's @connections as on AWS: the event goes through the
SiteTrigger rule, the FIFO queue's 1 s debounce delay, site_allocator and SetChargingProfile).
N simulated 2.0.1 chargers, one EVSE each, stand at sites of up to ten (the size ADR 0049's
look-ahead is shown safe for) whose connections have room for all; their fallback layer is
installed when each model is put. Then one session at a time: the
clock starts when the charger begins its session (Authorize, TransactionEvent Started) and
stops when its TxProfile arrives. Reported: p50/p95/max over the sessions against the goal
(p95 < 3 s including the debounce).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from benchmarks.platform_process import PlatformProcess
from local.demo_site import site_location

GOAL_P95_S = 3.0
# Chargers per site (a location holds at most 48).
SITE_CHARGERS = 10
# How long to wait for one session's first profile before calling it lost.
PROFILE_TIMEOUT_S = 30.0


def _quantile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def _model(ids: list[str]) -> dict[str, Any]:
    """Room for every EVSE at its maximum: each session's first limit is its 32 A."""
    return {
        "nodes": [{"id": "grid", "maxCurrent": dict.fromkeys(("L1", "L2", "L3"), 32.0 * len(ids))}],
        "evses": [
            {"id": f"e{n}", "node": "grid", "chargePointId": cp_id, "evseId": 1,
             "minCurrentA": 6, "maxCurrentA": 32, "defaultLimitA": 6}
            for n, cp_id in enumerate(ids)
        ],
    }  # fmt: skip


def _set_up_sites(
    call: Callable[..., Any], ids: list[str], tag: str, suffix: str
) -> dict[str, list[str]]:
    """The id tag, the chargers, and their locations of up to SITE_CHARGERS each."""
    sites = {
        f"LAT-{suffix}-{n // SITE_CHARGERS}": ids[n : n + SITE_CHARGERS]
        for n in range(0, len(ids), SITE_CHARGERS)
    }
    call("POST", "/id-tags", {"idTag": tag})
    for cp_id in ids:
        call("POST", "/chargers", {"chargePointId": cp_id})
    for location_id, members in sites.items():
        location = site_location(location_id, [(cp, 1) for cp in members], "Latency", "Bench")
        call("POST", "/locations", location)
    return sites


async def _measure(platform: PlatformProcess, sessions: int) -> dict[str, Any]:
    from csms_cli.client import Client
    from local.settings import DEFAULT_OPERATOR_DEV_TOKEN
    from simulator import Backoff, SimulatedCharger
    from simulator.handlers import default_handlers

    api = Client(platform.api_url, DEFAULT_OPERATOR_DEV_TOKEN, timeout_s=60)

    def call(method: str, path: str, body: Any = None) -> Any:
        return api.request(method, path, None, body)

    suffix = uuid.uuid4().hex[:6]
    ids = [f"LAT-{suffix}-{n:03d}" for n in range(sessions)]
    tag = f"LAT-TAG-{suffix}"
    sites = await asyncio.to_thread(_set_up_sites, call, ids, tag, suffix)

    # When each charger received its first TxProfile (perf_counter).
    received: dict[str, asyncio.Future[float]] = {}
    fallback: dict[str, asyncio.Event] = {cp_id: asyncio.Event() for cp_id in ids}
    handlers = default_handlers()
    answer = handlers.resolve("ocpp2.0.1", "SetChargingProfile")
    assert answer is not None

    async def set_charging_profile(cp: Any, payload: dict[str, Any]) -> Any:
        purpose = payload.get("chargingProfile", {}).get("chargingProfilePurpose")
        if purpose == "TxProfile":
            waiting = received.get(cp.charge_point_id)
            if waiting is not None and not waiting.done():
                waiting.set_result(time.perf_counter())
        elif purpose == "TxDefaultProfile":
            fallback[cp.charge_point_id].set()
        return await answer(cp, payload)

    handlers.register("SetChargingProfile", set_charging_profile, "ocpp2.0.1")
    latencies: list[float] = []
    lost = 0
    async with contextlib.AsyncExitStack() as stack:
        fleet = []
        for cp_id in ids:
            cp = SimulatedCharger(
                platform.ws_url,
                cp_id,
                protocol="ocpp2.0.1",
                handlers=handlers,
                backoff=Backoff(initial_s=0.2, max_s=2.0),
            )
            await stack.enter_async_context(cp)
            await cp.boot()
            fleet.append(cp)
        for location_id, members in sites.items():
            path = f"/locations/{location_id}/electrical"
            await asyncio.to_thread(call, "PUT", path, _model(members))
        await asyncio.wait_for(
            asyncio.gather(*(event.wait() for event in fallback.values())), PROFILE_TIMEOUT_S
        )
        stop = asyncio.Event()
        running = []
        for cp in fleet:
            received[cp.charge_point_id] = asyncio.get_running_loop().create_future()
            started = time.perf_counter()
            running.append(asyncio.create_task(cp.run_session(1, tag, 3600, 60, stop=stop)))
            try:
                arrived = await asyncio.wait_for(received[cp.charge_point_id], PROFILE_TIMEOUT_S)
                latencies.append(arrived - started)
            except TimeoutError:
                lost += 1
        stop.set()
        await asyncio.gather(*running, return_exceptions=True)
    return {"latencies": latencies, "lost": lost}


def run(sessions: int) -> dict[str, Any]:
    """p50/p95/max seconds from a session's start to its first TxProfile, over `sessions`."""
    from shared.ports.site_queue import DEBOUNCE_S

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        with PlatformProcess(start_timeout_s=120, store="memory") as platform:
            measured = asyncio.run_coroutine_threadsafe(_measure(platform, sessions), loop).result(
                sessions * (PROFILE_TIMEOUT_S + 5) + 120
            )
    finally:
        loop.call_soon_threadsafe(loop.stop)
    latencies = sorted(measured["latencies"])
    result: dict[str, Any] = {
        "sessions": sessions,
        "received": len(latencies),
        "lost": measured["lost"],
        "debounce_s": DEBOUNCE_S,
        "goal_p95_s": GOAL_P95_S,
    }
    if latencies:
        result.update(
            p50_s=round(_quantile(latencies, 0.50), 3),
            p95_s=round(_quantile(latencies, 0.95), 3),
            max_s=round(latencies[-1], 3),
        )
        result["within_goal"] = result["p95_s"] < GOAL_P95_S and not measured["lost"]
    return result


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20), indent=2))
