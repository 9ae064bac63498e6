"""What the stream pollers and rule pollers share: settings, invoker, I/O threads, stop signal."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from local.invoke import Invoker, LambdaFunction

T = TypeVar("T")


@dataclass(frozen=True)
class DeliveryConfig:
    """How the local pollers behave. The defaults imitate AWS, with shorter waits.

    `batching_window_s` None keeps each stream consumer's `max_batching_window_s`; tests set
    it near 0. Lambda retries a failed stream batch `stream_max_retries` times (the event
    source mapping's MaximumRetryAttempts) and a failed asynchronous invocation twice; on
    AWS those retries are seconds to minutes apart, locally `retry_delay_s`.
    """

    region: str = "us-east-1"
    account_id: str = "123456789012"
    poll_interval_s: float = 0.15
    batching_window_s: float | None = None
    stream_max_retries: int = 3
    event_max_retries: int = 2
    retry_delay_s: float = 0.5
    # Scheduled functions run this often; None: as their schedule says (every minute or more).
    schedule_interval_s: float | None = None
    # SQS long polling: short, so a stop never waits long for a receive to return.
    queue_wait_s: int = 1
    # How long stop() lets running invocations finish before cancelling the pollers.
    stop_grace_s: float = 10.0
    max_workers: int = 8


class Runtime:
    """The pollers' shared machinery; one per started Delivery."""

    def __init__(self, config: DeliveryConfig, io_threads: int) -> None:
        self.config = config
        # No API Gateway in front of these functions: only their own timeout applies.
        self.invoker = Invoker(
            region=config.region,
            account_id=config.account_id,
            max_workers=config.max_workers,
            integration_timeout_s=math.inf,
        )
        # boto3 calls block (SQS long polls for up to queue_wait_s): own threads, sized to fit.
        self._io = ThreadPoolExecutor(max_workers=io_threads, thread_name_prefix="delivery-io")
        self.stopping = asyncio.Event()
        # Invocations finished (either way): lets drain() notice work that may cause more work.
        self.completed_invocations = 0

    async def io(self, call: Callable[[], T]) -> T:
        """Run a blocking call (boto3) on the delivery's I/O threads."""
        return await asyncio.get_running_loop().run_in_executor(self._io, call)

    async def invoke(self, function: LambdaFunction, event: dict[str, Any]) -> Any:
        """Invoke through local.invoke (off the event loop, with the function's timeout)."""
        try:
            return await self.invoker.invoke(function, event, log_errors=False)
        finally:
            self.completed_invocations += 1

    def close(self) -> None:
        """Blocking: waits for running handlers and I/O calls, then ends their threads."""
        self.invoker.close(wait=True)
        self._io.shutdown(wait=True, cancel_futures=True)


async def pause(wake: asyncio.Event, seconds: float) -> None:
    """Sleep up to `seconds`; returns early when `wake` is set (drain, stop) and clears it."""
    if seconds > 0 and not wake.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)
    wake.clear()
