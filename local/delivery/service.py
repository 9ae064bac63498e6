"""Stream and rule delivery for the local platform, started and stopped with it.

    delivery = Delivery(DeliveryConfig(batching_window_s=0.05))
    await delivery.start(moto_endpoint, ConsumerTable.from_handlers({...}))
    ...
    await delivery.drain(5)   # everything put or published so far has been delivered
    await delivery.stop()

Streams and rules come from `infra.catalog` (the same entries the CDK stack deploys as
event source mappings and rules); the streams and the bus must exist, the rules' queues
are created here. Must run on one event loop: start, drain and stop on the same one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from infra import catalog
from local.delivery.consumers import ConsumerTable
from local.delivery.event_shapes import StreamSource
from local.delivery.queue_delivery import QueuePoller
from local.delivery.rule_delivery import RulePoller
from local.delivery.runtime import DeliveryConfig, Runtime
from local.delivery.schedules import ScheduledRun
from local.delivery.stream_poller import ShardPoller
from local.settings import DUMMY_CREDENTIAL

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_kinesis import KinesisClient

logger = logging.getLogger("local.delivery")

DRAIN_CHECK_INTERVAL_S = 0.02


class Delivery:
    """Every stream consumer and event rule of the catalog, delivered to its function."""

    def __init__(
        self,
        config: DeliveryConfig | None = None,
        *,
        streams: Sequence[catalog.StreamDef] = catalog.STREAMS,
        stream_consumers: Sequence[catalog.StreamConsumerDef] = catalog.STREAM_CONSUMERS,
        event_rules: Sequence[catalog.EventRuleDef] = catalog.EVENT_RULES,
        event_bus: catalog.EventBusDef = catalog.EVENT_BUS,
        schedules: Sequence[catalog.ScheduleDef] = catalog.SCHEDULES,
        queues: Sequence[catalog.QueueDef] = catalog.QUEUES,
    ) -> None:
        self.config = config or DeliveryConfig()
        self._queues = tuple(queues)
        self.queue_pollers: list[QueuePoller] = []
        self._streams = {stream.id: stream for stream in streams}
        self._stream_consumers = tuple(stream_consumers)
        self._event_rules = tuple(event_rules)
        self._event_bus = event_bus
        self._schedules = tuple(schedules)
        self.shard_pollers: list[ShardPoller] = []
        self.rule_pollers: list[RulePoller] = []
        self.scheduled_runs: list[ScheduledRun] = []
        # What is not delivered, and why (shown in the banner).
        self.not_delivered: list[str] = []
        self._runtime: Runtime | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # --- lifecycle --------------------------------------------------------------------

    async def start(self, endpoint_url: str, consumers: ConsumerTable) -> None:
        """Open every shard at TRIM_HORIZON, create the rules' queues, start polling."""
        if self._runtime is not None:
            raise RuntimeError("delivery already started")
        self.shard_pollers, self.rule_pollers, self.not_delivered = [], [], []
        self.scheduled_runs = []
        self.queue_pollers = []
        # A thread per poller (a long poll holds one for up to queue_wait_s), and one per
        # invocation that may run at once for the deletes and sends that follow them: with
        # only a few to share, a busy rule's deletes queued behind each other, its queue grew,
        # and moto's SQS slows down with the length of a queue.
        io_threads = 2 + sum(s.shards for s in self._streams.values()) + len(self._event_rules)
        io_threads += len(self._queues) + self.config.max_workers
        runtime = self._runtime = Runtime(self.config, io_threads)
        try:
            kinesis, sqs, events = await runtime.io(lambda: self._clients(endpoint_url))
            for consumer in self._stream_consumers:
                await self._add_stream_consumer(runtime, kinesis, consumer, consumers)
            for rule in self._event_rules:
                await self._add_rule(runtime, sqs, events, rule, consumers)
            for schedule in self._schedules:
                self._add_schedule(runtime, schedule, consumers)
            for queue in self._queues:
                await self._add_queue(runtime, sqs, queue, consumers)
            for poller in self.shard_pollers:
                await poller.open()
        except BaseException:
            await self.stop()
            raise
        for shard_poller in self.shard_pollers:
            self._tasks.append(asyncio.create_task(shard_poller.run(), name=shard_poller.name))
        for rule_poller in self.rule_pollers:
            self._tasks.append(asyncio.create_task(rule_poller.run(), name=rule_poller.rule_name))
        for scheduled in self.scheduled_runs:
            self._tasks.append(asyncio.create_task(scheduled.run(), name=scheduled.schedule.id))
        for queue_poller in self.queue_pollers:
            self._tasks.append(asyncio.create_task(queue_poller.run(), name=queue_poller.name))

    async def stop(self) -> None:
        """Stop polling; running invocations may finish (up to `stop_grace_s`)."""
        runtime, self._runtime = self._runtime, None
        if runtime is None:
            return
        runtime.stopping.set()
        for shard_poller in self.shard_pollers:
            shard_poller.wake.set()
        for scheduled in self.scheduled_runs:
            scheduled.wake.set()
        for queue_poller in self.queue_pollers:
            queue_poller.wake.set()
        for rule_poller in self.rule_pollers:
            rule_poller.wake.set()
            try:
                await runtime.io(rule_poller.wake_receiver)
            except Exception as exc:  # moto gone already: the long poll ends on its own
                logger.debug("could not wake %s: %s", rule_poller.rule_name, exc)
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=self.config.stop_grace_s)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks.clear()
        await asyncio.to_thread(runtime.close)

    @property
    def running(self) -> bool:
        return self._runtime is not None

    # --- waiting for delivery ---------------------------------------------------------

    async def drain(self, timeout: float = 10.0, *, flush: bool = True) -> None:
        """Wait until everything put to the streams and published to the bus before this
        call (and whatever its consumers put or publish in turn) has been delivered:
        invoked successfully, or given up on after its retries.

        `flush` ends the streams' batching windows early. Raises TimeoutError.
        """
        runtime = self._runtime
        if runtime is None:
            raise RuntimeError("delivery not started")
        deadline = time.monotonic() + timeout
        while True:
            started = time.monotonic()
            completed_before = runtime.completed_invocations
            for poller in self.shard_pollers:
                if flush:
                    poller.request_flush()
                else:
                    poller.wake.set()
            while busy := await self._busy_since(runtime, started):
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"delivery not idle after {timeout:g} s: {', '.join(busy)} busy"
                    )
                await asyncio.sleep(DRAIN_CHECK_INTERVAL_S)
            # An invocation during this pass may have put or published more: look again.
            if runtime.completed_invocations == completed_before:
                return

    async def _busy_since(self, runtime: Runtime, started: float) -> list[str]:
        """The shards not seen idle since `started`, the rules with events left."""
        busy = [p.name for p in self.shard_pollers if not p.finished and p.idle_since < started]
        for poller in self.rule_pollers:
            if not await runtime.io(poller.is_empty):
                busy.append(poller.rule_name)
        for queue_poller in self.queue_pollers:
            if not await runtime.io(queue_poller.is_empty):
                busy.append(queue_poller.name)
        return busy

    # --- inspection -------------------------------------------------------------------

    def checkpoint(self, stream_name: str, shard_id: str = "shardId-000000000000") -> str | None:
        """The last sequence number of the shard that was delivered or skipped."""
        for poller in self.shard_pollers:
            if poller.stream_name == stream_name and poller.source.shard_id == shard_id:
                return poller.checkpoint
        raise KeyError(f"{stream_name}/{shard_id} is not delivered")

    def describe(self) -> list[str]:
        """One line per delivered stream and rule, for the banner."""
        lines: list[str] = []
        seen: set[str] = set()
        for poller in self.shard_pollers:
            if poller.stream_name in seen:
                continue
            seen.add(poller.stream_name)
            shards = sum(p.stream_name == poller.stream_name for p in self.shard_pollers)
            lines.append(
                f"{poller.stream_name} ({shards} shard{'s' if shards > 1 else ''}) -> "
                f"{poller.function.name} (batch {poller.consumer.batch_size}, "
                f"window {poller.window_s:g} s)"
            )
        for rule_poller in self.rule_pollers:
            lines.append(
                f"{rule_poller.rule_name} [{', '.join(rule_poller.rule.detail_types)}] -> "
                f"{rule_poller.function.name}"
            )
        for scheduled in self.scheduled_runs:
            lines.append(
                f"every {scheduled.interval_s:g} s -> {scheduled.function.name} "
                f"({scheduled.schedule.id})"
            )
        for queue_poller in self.queue_pollers:
            queue = queue_poller.queue
            lines.append(
                f"{queue.local_name} -> {queue_poller.function.name} (batch {queue.batch_size}"
                f"{', in order per group' if queue.fifo else ''})"
            )
        return lines + [f"not delivered: {reason}" for reason in self.not_delivered]

    # --- set-up -----------------------------------------------------------------------

    def _clients(self, endpoint_url: str) -> tuple[KinesisClient, Any, EventBridgeClient]:
        import boto3  # deferred: ~135 ms

        session = boto3.session.Session(
            aws_access_key_id=DUMMY_CREDENTIAL,
            aws_secret_access_key=DUMMY_CREDENTIAL,
            aws_session_token=DUMMY_CREDENTIAL,
            region_name=self.config.region,
        )
        return (
            session.client("kinesis", endpoint_url=endpoint_url),
            session.client("sqs", endpoint_url=endpoint_url),
            session.client("events", endpoint_url=endpoint_url),
        )

    async def _add_stream_consumer(
        self,
        runtime: Runtime,
        kinesis: KinesisClient,
        consumer: catalog.StreamConsumerDef,
        consumers: ConsumerTable,
    ) -> None:
        function = consumers.get(consumer.function)
        stream = self._streams[consumer.stream]
        if function is None:
            self.not_delivered.append(f"{stream.local_name} (no {consumer.function} handler)")
            return
        try:
            summary = await runtime.io(
                lambda: kinesis.describe_stream_summary(StreamName=stream.local_name)
            )
        except kinesis.exceptions.ResourceNotFoundException:
            logger.warning("stream %s does not exist: not delivered", stream.local_name)
            self.not_delivered.append(f"{stream.local_name} (no such stream)")
            return
        stream_arn = summary["StreamDescriptionSummary"]["StreamARN"]
        shards = await runtime.io(lambda: _shard_ids(kinesis, stream.local_name))
        identity = f"arn:aws:iam::{self.config.account_id}:role/{function.name}-role"
        for shard_id in shards:
            self.shard_pollers.append(
                ShardPoller(
                    runtime,
                    kinesis,
                    stream_name=stream.local_name,
                    consumer=consumer,
                    function=function,
                    source=StreamSource(stream_arn, shard_id, self.config.region, identity),
                )
            )

    async def _add_rule(
        self,
        runtime: Runtime,
        sqs: Any,
        events: EventBridgeClient,
        rule: catalog.EventRuleDef,
        consumers: ConsumerTable,
    ) -> None:
        function = consumers.get(rule.function)
        if function is None:
            self.not_delivered.append(f"rule {rule.id} (no {rule.function} handler)")
            return
        poller = RulePoller(runtime, sqs, events, rule=rule, bus=self._event_bus, function=function)
        await runtime.io(poller.create)
        self.rule_pollers.append(poller)

    async def _add_queue(
        self, runtime: Runtime, sqs: Any, queue: catalog.QueueDef, consumers: ConsumerTable
    ) -> None:
        function = consumers.get(queue.consumer)
        if function is None:
            self.not_delivered.append(f"queue {queue.local_name} (no {queue.consumer} handler)")
            return
        poller = QueuePoller(runtime, sqs, queue=queue, function=function)
        try:
            await runtime.io(poller.open)
        except sqs.exceptions.ClientError as exc:
            logger.warning("queue %s does not exist: not delivered (%s)", queue.local_name, exc)
            self.not_delivered.append(f"{queue.local_name} (no such queue)")
            return
        self.queue_pollers.append(poller)

    def _add_schedule(
        self, runtime: Runtime, schedule: catalog.ScheduleDef, consumers: ConsumerTable
    ) -> None:
        function = consumers.get(schedule.function)
        if function is None:
            self.not_delivered.append(f"schedule {schedule.id} (no {schedule.function} handler)")
            return
        interval_s = self.config.schedule_interval_s or schedule.every_minutes * 60.0
        self.scheduled_runs.append(ScheduledRun(runtime, schedule, function, interval_s))


def _shard_ids(kinesis: KinesisClient, stream_name: str) -> list[str]:
    shard_ids: list[str] = []
    response = kinesis.list_shards(StreamName=stream_name)
    while True:
        shard_ids += [shard["ShardId"] for shard in response["Shards"]]
        token = response.get("NextToken")
        if not token:
            return shard_ids
        response = kinesis.list_shards(NextToken=token)
