"""One of the catalog's SQS queues delivered to its consumer function, as Lambda's SQS event
source mapping does (docs/adr/0051): batches of up to `batch_size` messages, a partial batch
response (`batchItemFailures`) deletes the others, failed messages come back after a short
visibility timeout (AWS: the queue's), and after `max_receive_count` receives moto moves them
to the dead-letter queue.

A FIFO queue is delivered in order per message group, one batch of a group at a time (a
group's batches are chained); different groups run in parallel, as on AWS.

Idle (for `drain`) means nothing visible or in flight, and nothing delayed by the queue's own
delay. Messages a sender delayed themselves (wake-ups, up to 900 s) are timers, not work in
progress: they do not keep the queue busy.
"""

from __future__ import annotations

import asyncio
import logging
import math
from functools import partial
from typing import Any

from infra.catalog import QueueDef
from local.delivery.event_shapes import sqs_failures, sqs_record
from local.delivery.runtime import Runtime, pause
from local.invoke import InvocationError, LambdaFunction

logger = logging.getLogger("local.delivery")

MAX_RECEIVE = 10
ERROR_BACKOFF_S = 1.0


class QueuePoller:
    def __init__(
        self, runtime: Runtime, sqs: Any, *, queue: QueueDef, function: LambdaFunction
    ) -> None:
        self._runtime = runtime
        self._sqs = sqs
        self.queue = queue
        self.function = function
        self.name = queue.local_name
        self.queue_url = ""
        self.queue_arn = ""
        self.wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        # FIFO: the last batch of each message group, which the group's next one waits for.
        self._group_tails: dict[str, asyncio.Task[None]] = {}

    def open(self) -> None:
        """Blocking: find the queue (local.resources creates it)."""
        self.queue_url = self._sqs.get_queue_url(QueueName=self.queue.local_name)["QueueUrl"]
        self.queue_arn = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]

    def is_empty(self) -> bool:
        """Blocking: nothing waiting or being delivered (see the module's note on delays)."""
        if self._in_flight:
            return False
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        if self.queue.delay_s:
            names.append("ApproximateNumberOfMessagesDelayed")
        attributes = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)
        return all(int(count) == 0 for count in attributes["Attributes"].values())

    async def run(self) -> None:
        limit = max(MAX_RECEIVE, self._runtime.config.max_workers)
        try:
            while not self._runtime.stopping.is_set():
                try:
                    if len(self._in_flight) >= limit:
                        await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    messages = await self._runtime.io(partial(self._receive, MAX_RECEIVE))
                    if self._runtime.stopping.is_set():
                        break
                    for batch, group in self._batches(messages):
                        self._start(batch, group)
                except Exception:
                    logger.exception("%s: polling failed; retrying", self.name)
                    await pause(self.wake, ERROR_BACKOFF_S)
        finally:
            if self._in_flight:
                await asyncio.wait(self._in_flight)

    def _batches(self, messages: list[dict[str, Any]]) -> list[tuple[list[dict[str, Any]], str]]:
        """Consecutive messages of one group (any message of a standard queue) in batches of
        at most `batch_size`."""
        batches: list[tuple[list[dict[str, Any]], str]] = []
        for message in messages:
            group = (message.get("Attributes") or {}).get("MessageGroupId", "")
            last = batches[-1] if batches else None
            if last and last[1] == group and len(last[0]) < self.queue.batch_size:
                last[0].append(message)
            else:
                batches.append(([message], group))
        return batches

    def _start(self, batch: list[dict[str, Any]], group: str) -> None:
        previous = self._group_tails.get(group) if self.queue.fifo else None
        task = asyncio.create_task(self._deliver_after(previous, batch))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        if self.queue.fifo:
            self._group_tails[group] = task
            task.add_done_callback(lambda done: self._forget_tail(group, done))

    def _forget_tail(self, group: str, task: asyncio.Task[None]) -> None:
        if self._group_tails.get(group) is task:
            del self._group_tails[group]

    async def _deliver_after(
        self, previous: asyncio.Task[None] | None, batch: list[dict[str, Any]]
    ) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        try:
            await self._deliver(batch)
        except Exception:
            logger.exception("%s: delivery failed", self.name)

    def _receive(self, room: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(MAX_RECEIVE, room)),
            WaitTimeSeconds=self._runtime.config.queue_wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        config = self._runtime.config
        event = {
            "Records": [
                sqs_record(m, queue_arn=self.queue_arn, region=config.region) for m in batch
            ]
        }
        ids = [m["MessageId"] for m in batch]
        try:
            response = await self._runtime.invoke(self.function, event)
            failed = sqs_failures(response, ids)
        except InvocationError as exc:
            logger.warning("%s: %s failed on a batch: %s", self.name, self.function.name, exc)
            failed = set(ids)
        retry_in = max(0, math.ceil(config.retry_delay_s))
        for message in batch:
            if message["MessageId"] in failed:
                await self._runtime.io(partial(self._release, message, retry_in))
            else:
                await self._runtime.io(partial(self._delete, message))

    def _delete(self, message: dict[str, Any]) -> None:
        self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _release(self, message: dict[str, Any], seconds: int) -> None:
        """Visible again soon (AWS waits for the queue's visibility timeout)."""
        self._sqs.change_message_visibility(
            QueueUrl=self.queue_url,
            ReceiptHandle=message["ReceiptHandle"],
            VisibilityTimeout=seconds,
        )
