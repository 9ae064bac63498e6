"""Command round trip through the local gateway: the engine posts a CALL to a simulated charger
over @connections, the charger answers, the answer comes back on $default and the waiting
caller sees the outcome. Reports p50/p95 of send -> outcome, and the AWS calls per command."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from typing import Any


def _in_this_thread(counted: dict[str, int], fn: Any, *args: Any) -> Any:
    """Run fn, recording the AWS calls made by this thread only (other threads of the local
    platform — the reply's $default invocation, the stream poller — call AWS meanwhile)."""
    import botocore.client

    me = threading.get_ident()
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def counted_call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if threading.get_ident() == me:
            key = f"{self.meta.service_model.service_name}:{operation}"
            counted[key] = counted.get(key, 0) + 1
        return original(self, operation, params)

    from unittest import mock

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", counted_call):
        return fn(*args)


async def _run(commands: int, warmup: int) -> dict[str, Any]:
    from local.platform import LocalPlatform
    from local.settings import LocalSettings
    from shared.bootstrap import aws_services
    from shared.config import get_settings
    from simulator import SimulatedCharger
    from simulator.handlers import CommandHandlerTable

    handlers = CommandHandlerTable()

    @handlers.handler("ClearCache")
    async def clear_cache(cp: Any, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Accepted"}

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    platform = LocalPlatform(LocalSettings(port=0, moto_port=0))
    asyncio.run_coroutine_threadsafe(platform.start(), loop).result(60)
    try:
        get_settings.cache_clear()
        engine = aws_services(get_settings()).engine
        samples: list[float] = []
        calls: dict[str, int] = {}
        async with SimulatedCharger(platform.ws_url, "BENCH-CMD", handlers=handlers) as cp:
            await cp.boot()
            for index in range(commands + warmup):
                start = time.perf_counter()
                sent: dict[str, int] = {}
                record = await asyncio.to_thread(
                    _in_this_thread, sent, engine.send, "BENCH-CMD", "ClearCache", {}
                )
                done = await asyncio.to_thread(engine.wait, "BENCH-CMD", record.message_id, 10)
                elapsed = (time.perf_counter() - start) * 1000
                if done is None or done.status != "answered":
                    raise RuntimeError(f"command failed: {done}")
                if index >= warmup:
                    samples.append(elapsed)
                if index == warmup:
                    calls = dict(sorted(sent.items()))
        ordered = sorted(samples)
        return {
            "commands": len(samples),
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(len(ordered) * 0.95)], 1),
            "max_ms": round(ordered[-1], 1),
            "send_aws_calls": calls,
            "note": "send only; waiting adds one GetItem per poll, and the reply's $default "
            "invocation makes its own calls (see aws_calls)",
        }
    finally:
        asyncio.run_coroutine_threadsafe(platform.stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def run(commands: int = 200, warmup: int = 10) -> dict[str, Any]:
    """p50/p95 of `commands` round trips after `warmup` untimed ones."""
    return asyncio.run(_run(commands, warmup))


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
