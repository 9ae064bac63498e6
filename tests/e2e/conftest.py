"""The local platform (gateway + embedded moto + the real handlers) for end-to-end tests.

The platform runs on its own event loop in a background thread, once per test module; each
test drives real WebSockets from its own loop, like a charger on another machine would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

import boto3
import pytest

from local.platform import LocalPlatform
from local.settings import LocalSettings

pytestmark = pytest.mark.e2e


# The event loop each running platform lives on, for calls that must run there.
_LOOPS: dict[int, asyncio.AbstractEventLoop] = {}


def on_platform_loop(
    platform: LocalPlatform, coro: Coroutine[Any, Any, Any], timeout: float = 30
) -> Any:
    return asyncio.run_coroutine_threadsafe(coro, _LOOPS[id(platform)]).result(timeout)


def drain(platform: LocalPlatform, timeout: float = 10) -> None:
    """Wait until every record and event published so far reached its consumer."""
    on_platform_loop(platform, platform.delivery.drain(timeout), timeout + 5)


class RunningPlatform:
    def __init__(self, settings: LocalSettings) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.platform = LocalPlatform(settings)

    def __enter__(self) -> LocalPlatform:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.platform.start(), self.loop).result(60)
        _LOOPS[id(self.platform)] = self.loop
        return self.platform

    def __exit__(self, *exc: object) -> None:
        _LOOPS.pop(id(self.platform), None)
        try:
            asyncio.run_coroutine_threadsafe(self.platform.stop(), self.loop).result(60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


def start_platform(**overrides: Any) -> RunningPlatform:
    return RunningPlatform(LocalSettings(port=0, moto_port=0, **overrides))


@pytest.fixture(scope="module")
def platform() -> Iterator[LocalPlatform]:
    with start_platform() as running:
        yield running


def run(coro: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
    """Run a test's client-side coroutine with an overall time limit."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def moto_client(platform: LocalPlatform, service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=platform.moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
