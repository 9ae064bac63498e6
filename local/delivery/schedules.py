"""Scheduled functions run on a local timer, as an EventBridge schedule rule runs them on AWS."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from infra import catalog
from local.delivery.runtime import Runtime, pause
from local.invoke import LambdaFunction

logger = logging.getLogger("local.delivery")


def scheduled_event(schedule: catalog.ScheduleDef, region: str, account_id: str) -> dict[str, Any]:
    """The event EventBridge hands a function its schedule rule targets."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{schedule.id}"],
        "detail": {},
    }


class ScheduledRun:
    """Invokes one scheduled function every `interval_s` until the delivery stops. A failed run
    is not retried (as on AWS, with retry_attempts 0): the next run does the same work."""

    def __init__(
        self,
        runtime: Runtime,
        schedule: catalog.ScheduleDef,
        function: LambdaFunction,
        interval_s: float,
    ) -> None:
        self.runtime = runtime
        self.schedule = schedule
        self.function = function
        self.interval_s = interval_s
        self.runs = 0
        self.wake = asyncio.Event()

    async def run(self) -> None:
        config = self.runtime.config
        while not self.runtime.stopping.is_set():
            await pause(self.wake, self.interval_s)
            if self.runtime.stopping.is_set():
                return
            event = scheduled_event(self.schedule, config.region, config.account_id)
            try:
                await self.runtime.invoke(self.function, event)
            except Exception as exc:
                logger.warning("scheduled run of %s failed: %s", self.function.name, exc)
            self.runs += 1
