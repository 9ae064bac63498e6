"""CPU time per inbound message through the $default route with in-memory adapters, side by
side with the `ocpp` package's own path (unpack, validate, build and validate the CallResult)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.frames import FRAMES, frame_text
from shared.models.charger import ChargerRecord
from shared.ocpp.versions import OcppVersion
from shared.websocket import message
from shared.wiring import build_router
from tests.fakes import memory_deps, message_event

RESPONSES: dict[str, dict[str, Any]] = {
    "Heartbeat": {"currentTime": "2026-11-25T10:00:00.000Z"},
    "BootNotification": {
        "status": "Accepted",
        "currentTime": "2026-11-25T10:00:00.000Z",
        "interval": 540,
    },
    "StatusNotification": {},
}


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        "median_us": round(statistics.median(ordered) / 1000, 2),
        "p95_us": round(ordered[int(len(ordered) * 0.95)] / 1000, 2),
    }


def _measure(run: Callable[[], object], iterations: int) -> dict[str, float]:
    for _ in range(min(200, iterations)):  # warm caches and compiled validators
        run()
    samples = []
    clock = time.thread_time_ns  # CPU time of this thread: not disturbed by other processes
    for _ in range(iterations):
        start = clock()
        run()
        samples.append(clock() - start)
    return _percentiles(samples)


def _platform_path(version: OcppVersion, action: str) -> Callable[[], object]:
    deps = memory_deps()
    deps.chargers.create(ChargerRecord("CP1"))
    router = build_router(deps)
    authorizer = {"chargePointId": "CP1", "protocol": version.value, "validationMode": "strict"}
    event = message_event("conn-1=", frame_text(version, action), authorizer=authorizer)
    counter = iter(range(10**9))

    def run() -> object:
        # Receipt time moves on, as it does for a real charger (status ordering is by receipt).
        event["requestContext"]["requestTimeEpoch"] += next(counter) % 2 + 1
        return message(event, deps, router)

    return run


def _ocpp_package_path(version: OcppVersion, action: str) -> Callable[[], object]:
    from ocpp import messages

    raw = frame_text(version, action)
    ocpp_version = "1.6" if version is OcppVersion.V16 else "2.0.1"

    def run() -> object:
        call = messages.unpack(raw)
        messages._validate_payload(call, ocpp_version)
        result = messages.CallResult(call.unique_id, RESPONSES[action], action=call.action)
        messages._validate_payload(result, ocpp_version)
        return result.to_json()

    return run


def run(iterations: int = 5000) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for version, action in FRAMES:
        ours = _measure(_platform_path(version, action), iterations)
        theirs = _measure(_ocpp_package_path(version, action), iterations)
        results[f"{version.value} {action}"] = {
            "platform": ours,
            "ocpp_package": theirs,
            "ratio_median": round(ours["median_us"] / theirs["median_us"], 3),
        }
    return results
