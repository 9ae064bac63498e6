"""Load on the local platform: N simulated chargers, accelerated, for a bounded time.

The platform runs as its own process (`python -m local --no-demo` on free ports), so its
peak memory (VmHWM) and CPU time can be read from /proc; the simulator's fleet runs in this
process. Chargers heartbeat every few seconds and charge in short sessions with meter values
every few seconds (half of the sessions Authorize first). Round trips are CALL -> CALLRESULT
times seen by the chargers, counted only after the ramp-up (steady state); errors are
counted over the whole run.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.platform_process import PlatformProcess, cpu_seconds, proc_status

LOAD_TAG = "LOAD-TAG"
TARGET_CHARGERS = 1000
TARGET_P95_MS = 50.0
WIND_DOWN_MARGIN_S = 2.0


@dataclass(frozen=True)
class LoadConfig:
    """One run's fleet and timing.

    The traffic is a developer's accelerated fleet: per charger about 0.075 messages/s,
    ten times what a DC fast charger sends (6 sessions/day of 40 min, meter values every
    30 s, Heartbeat every 540 s: about 0.008/s), with sessions 48 times as often so that
    every session step (Authorize, start, status changes, stop, the consumers) is exercised.
    Sessions last a minute so the share of chargers in a session is steady once the settle
    time has passed.
    """

    chargers: int
    # Steady-state measurement after the ramp-up and settle time.
    measure_s: float = 30.0
    ramp_up_s: float | None = None  # None: chargers / ramp_chargers_per_s
    # Connections opened per second during the ramp-up (API Gateway allows 500/s).
    ramp_chargers_per_s: float = 25.0
    settle_s: float = 15.0
    heartbeat_interval_s: float = 30.0
    session_s: float = 60.0
    meter_interval_s: float = 10.0
    sessions_per_hour: float = 12.0
    start_timeout_s: float = 60.0

    @property
    def ramp_s(self) -> float:
        if self.ramp_up_s is not None:
            return self.ramp_up_s
        return max(2.0, self.chargers / self.ramp_chargers_per_s)


def _provision(api_url: str) -> None:
    """The id tag the simulated drivers use, through the operator API (either store)."""
    from csms_cli.client import Client, quote
    from local.settings import DEFAULT_OPERATOR_DEV_TOKEN

    Client(api_url, DEFAULT_OPERATOR_DEV_TOKEN).request(
        "PUT", f"/id-tags/{quote(LOAD_TAG)}", None, {"status": "Accepted"}
    )


async def _drive(config: LoadConfig, platform: PlatformProcess) -> dict[str, Any]:
    from simulator.fleet import FleetConfig, run_fleet
    from simulator.session_plan import SessionPlan
    from simulator.stats import RoundTrip, Stats

    assert platform.process is not None
    pid = platform.process.pid
    fleet = FleetConfig(
        url=platform.ws_url,
        chargers=config.chargers,
        # The window closes before the fleet winds down: at the end every charger stops its
        # session and disconnects at once, a burst that is not steady state (its errors
        # still count).
        duration_s=config.ramp_s + config.settle_s + config.measure_s + WIND_DOWN_MARGIN_S,
        heartbeat_interval_s=config.heartbeat_interval_s,
        ramp_up_s=config.ramp_s,
        id_prefix="LOAD-",
        session_plan=SessionPlan(
            sessions_per_hour=config.sessions_per_hour,
            duration_s=config.session_s,
            meter_interval_s=config.meter_interval_s,
            id_tags=(LOAD_TAG,),
            authorize_share=0.5,
        ),
    )
    stats = Stats()
    opened: dict[str, float] = {}
    closed: dict[str, float] = {}
    peak_rss = [0]

    def mark(into: dict[str, float]) -> None:
        into.update(
            samples=len(stats.round_trips_s),
            sent=stats.messages_sent,
            at=time.perf_counter(),
            cpu=cpu_seconds(pid),
            own_cpu=time.process_time(),
        )

    async def measure() -> None:
        await asyncio.sleep(config.ramp_s + config.settle_s)
        mark(opened)
        while time.perf_counter() - opened["at"] < config.measure_s:
            peak_rss[0] = max(peak_rss[0], proc_status(pid).get("VmRSS", 0))
            await asyncio.sleep(min(1.0, config.measure_s - (time.perf_counter() - opened["at"])))
        mark(closed)

    watcher = asyncio.create_task(measure())
    summary = await run_fleet(fleet, stats=stats)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    if "at" not in closed:
        raise RuntimeError("the run ended before the measurement window closed")
    window_s = closed["at"] - opened["at"]
    steady = RoundTrip.of(stats.round_trips_s[int(opened["samples"]) : int(closed["samples"])])
    sent = closed["sent"] - opened["sent"]
    platform_cpu = closed["cpu"] - opened["cpu"]
    status = proc_status(pid)
    return {
        "chargers": config.chargers,
        "store": platform.store,
        "accepted": summary.accepted,
        "connected_at_end": summary.connected,
        "measure_s": round(window_s, 1),
        "messages_per_s": round(sent / window_s, 1) if window_s > 0 else 0.0,
        "round_trip_ms": {
            "count": steady.count,
            "p50": steady.p50_ms,
            "p95": steady.p95_ms,
            "p99": steady.p99_ms,
            "max": steady.max_ms,
        },
        "round_trip_whole_run_ms": asdict(summary.round_trip),
        "errors": summary.error_count,
        "error_kinds": summary.errors,
        "sessions_completed": summary.sessions.sessions_completed,
        "reconnects": summary.reconnects,
        "platform_peak_rss_mb": round(max(status.get("VmHWM", 0), peak_rss[0]) / 1024, 1),
        "platform_cpu_per_s": round(platform_cpu / window_s, 2) if window_s > 0 else None,
        "simulator_cpu_per_s": round((closed["own_cpu"] - opened["own_cpu"]) / window_s, 2),
    }


def run_one(
    config: LoadConfig,
    platform_type: type[PlatformProcess] = PlatformProcess,
    store: str = "memory",
) -> dict[str, Any]:
    with platform_type(config.start_timeout_s, store) as platform:
        _provision(platform.api_url)
        return asyncio.run(_drive(config, platform))


def run(
    sizes: tuple[int, ...] = (100, 500, 1000),
    measure_s: float = 30.0,
    moto_sizes: tuple[int, ...] = (100, 1000),
    settle_s: float = 15.0,
) -> dict[str, Any]:
    """{"runs": [figures, ...], "target": {...}}: one fresh platform per run.

    `sizes` run with the tables in memory (`--store memory`), `moto_sizes` with the default
    store (moto, what `make run` uses).
    """
    plan = [("memory", n) for n in sizes] + [("moto", n) for n in moto_sizes]
    runs = [
        run_one(LoadConfig(chargers=n, measure_s=measure_s, settle_s=settle_s), store=store)
        for store, n in plan
    ]
    return {
        "config": asdict(LoadConfig(chargers=0, measure_s=measure_s, settle_s=settle_s)),
        "runs": runs,
        "target": {
            "chargers": TARGET_CHARGERS,
            "p95_ms_below": TARGET_P95_MS,
            "errors": 0,
            # Per store: None when that store did not run at the target's size.
            "met": {store: _meets_target(runs, store) for store in ("memory", "moto")},
        },
    }


def _meets_target(runs: list[dict[str, Any]], store: str) -> bool | None:
    run = next((r for r in runs if r["store"] == store and r["chargers"] == TARGET_CHARGERS), None)
    if run is None:
        return None
    p95 = run["round_trip_ms"]["p95"]
    return bool(run["errors"] == 0 and p95 is not None and p95 < TARGET_P95_MS)


if __name__ == "__main__":
    import json

    sizes = tuple(int(n) for n in sys.argv[1:]) or (100, 500, 1000)
    print(json.dumps(run(sizes, moto_sizes=()), indent=2))
