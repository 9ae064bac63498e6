"""One EventBridge rule delivered to its consumer function, as an asynchronous invocation.

moto cannot invoke a Lambda target (and one breaks put_events), so locally the rule on the
platform's bus targets an SQS queue with the same event pattern, and this poller hands
each queued event to the function, one event per invocation, with Lambda's asynchronous
invocation semantics: an error is retried twice (`retry_delay_s` apart locally, minutes on
AWS), then the event is logged at ERROR (the local stand-in for the dead-letter queue) and
dropped. The message is deleted either way.
"""

from __future__ import annotations

import asyncio
import json
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from infra.catalog import EventBusDef, EventRuleDef
from local.delivery.event_shapes import eventbridge_event
from local.delivery.runtime import Runtime, pause
from local.invoke import InvocationError, LambdaFunction

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

logger = logging.getLogger("local.delivery")

# Sent to the queue by stop() so that a long poll in progress returns at once.
WAKE_BODY = '{"local-delivery": "stop"}'
TARGET_ID = "local-delivery"
ERROR_BACKOFF_S = 1.0
MAX_RECEIVE = 10
MAX_VISIBILITY_TIMEOUT_S = 12 * 3600


def rule_name(bus: EventBusDef, rule: EventRuleDef) -> str:
    return f"{bus.local_name}-{rule.id}"


def queue_name(bus: EventBusDef, rule: EventRuleDef) -> str:
    return f"{rule_name(bus, rule)}-target"


class RulePoller:
    def __init__(
        self,
        runtime: Runtime,
        sqs: Any,  # no SQS type stubs installed
        events: EventBridgeClient,
        *,
        rule: EventRuleDef,
        bus: EventBusDef,
        function: LambdaFunction,
    ) -> None:
        self._runtime = runtime
        self._sqs = sqs
        self._events = events
        self.rule = rule
        self.bus = bus
        self.function = function
        self.rule_name = rule_name(bus, rule)
        self.queue_url = ""
        self.wake = asyncio.Event()
        config = runtime.config
        # Never visible again while its attempts run: every attempt may take the full timeout.
        attempts = config.event_max_retries + 1
        self._visibility_timeout_s = min(
            MAX_VISIBILITY_TIMEOUT_S,
            int(attempts * (function.timeout_s + config.retry_delay_s)) + 30,
        )

    def create(self) -> None:
        """Blocking: the queue, the rule on the bus and the rule's target (idempotent)."""
        self.queue_url = self._sqs.create_queue(QueueName=queue_name(self.bus, self.rule))[
            "QueueUrl"
        ]
        queue_arn = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self._events.put_rule(
            Name=self.rule_name,
            EventBusName=self.bus.local_name,
            EventPattern=json.dumps(self.rule.pattern(self.bus.source)),
            State="ENABLED",
            Description=self.rule.description or self.rule.id,
        )
        self._events.put_targets(
            Rule=self.rule_name,
            EventBusName=self.bus.local_name,
            Targets=[{"Id": TARGET_ID, "Arn": queue_arn}],
        )

    def wake_receiver(self) -> None:
        """Blocking: make a long poll in progress return now (stop)."""
        self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=WAKE_BODY)

    def is_empty(self) -> bool:
        """Blocking: no event waiting, none being delivered (a message is deleted when done)."""
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return all(int(count) == 0 for count in attributes.values())

    async def run(self) -> None:
        # Lambda invokes a rule's target for each event as it comes, never a batch at a time:
        # the next messages are received while earlier ones are still being delivered, up to
        # the invoker's threads. (Waiting for a whole batch let a busy rule's queue grow, and
        # moto's SQS slows down with the length of a queue.)
        in_flight: set[asyncio.Task[None]] = set()
        limit = max(MAX_RECEIVE, self._runtime.config.max_workers)
        try:
            while not self._runtime.stopping.is_set():
                try:
                    if len(in_flight) >= limit:
                        await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    room = limit - len(in_flight)
                    messages = await self._runtime.io(partial(self._receive, room))
                    if self._runtime.stopping.is_set():
                        break  # left in the queue, as an unfinished poller would on AWS
                    for message in messages:
                        task = asyncio.create_task(self._deliver_logged(message))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                except Exception:
                    logger.exception("%s: polling failed; retrying", self.rule_name)
                    await pause(self.wake, ERROR_BACKOFF_S)
        finally:
            if in_flight:
                await asyncio.wait(in_flight)

    async def _deliver_logged(self, message: dict[str, Any]) -> None:
        try:
            await self._deliver(message)
        except Exception:
            logger.exception("%s: delivery failed", self.rule_name)

    def _receive(self, room: int = MAX_RECEIVE) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(MAX_RECEIVE, room)),
            WaitTimeSeconds=self._runtime.config.queue_wait_s,
            VisibilityTimeout=self._visibility_timeout_s,
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def _delete(self, message: dict[str, Any]) -> None:
        self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    async def _deliver(self, message: dict[str, Any]) -> None:
        if message["Body"] == WAKE_BODY:
            await self._runtime.io(lambda: self._delete(message))
            return
        config = self._runtime.config
        try:
            event = eventbridge_event(
                json.loads(message["Body"]), account_id=config.account_id, region=config.region
            )
        except ValueError as exc:
            logger.error("%s: dropped an unreadable message: %s", self.rule_name, exc)
            await self._runtime.io(lambda: self._delete(message))
            return
        attempts = config.event_max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                await self._runtime.invoke(self.function, event)
                break
            except InvocationError as exc:
                if attempt == attempts:
                    logger.error(
                        "%s: %s failed on event %s (%s) %d times: %s. "
                        "Dropped (on AWS: sent to the dead-letter queue).",
                        self.rule_name,
                        self.function.name,
                        event["id"],
                        event["detail-type"],
                        attempts,
                        exc,
                        exc_info=exc.cause or exc,
                    )
                    break
                logger.warning(
                    "%s: %s failed on event %s (%s): %s; retry %d of %d",
                    self.rule_name,
                    self.function.name,
                    event["id"],
                    event["detail-type"],
                    exc,
                    attempt,
                    attempts - 1,
                    exc_info=(exc.cause or exc) if attempt == 1 else None,
                )
                await pause(self.wake, config.retry_delay_s)
                if self._runtime.stopping.is_set():
                    return  # not deleted: AWS would still retry it
        await self._runtime.io(lambda: self._delete(message))
