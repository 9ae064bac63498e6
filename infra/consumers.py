"""Feeds the consumer functions: stream records and bus events, each with a dead-letter queue,
and the scheduled functions their timer.

One dead-letter queue per consumer function collects everything it could not process: failed
stream batches (their shard and sequence numbers), events EventBridge could not deliver, and
events whose asynchronous invocation failed after Lambda's own retries.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as eventbridge
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.catalog import (
    EVENT_RULES,
    SCHEDULES,
    STREAM_CONSUMERS,
    EventRuleDef,
    ScheduleDef,
    StreamConsumerDef,
)
from infra.dead_letters import dead_letter_queue
from infra.naming import construct_id_for

# A failing batch is retried (halved on each error) this often before it goes to the DLQ.
STREAM_RETRY_ATTEMPTS = 5
# Records older than this skip to the DLQ: a stuck consumer cannot block its shard for longer.
# Kinesis keeps records for at least 24 h, so they are still readable when they get there.
STREAM_MAX_RECORD_AGE = Duration.days(1)
# EventBridge retries a delivery (throttling, a function being updated) for up to a day.
RULE_RETRY_ATTEMPTS = 185
RULE_MAX_EVENT_AGE = Duration.hours(24)
# Lambda's own retries of a failed asynchronous invocation (its defaults, made explicit).
ASYNC_RETRY_ATTEMPTS = 2
ASYNC_MAX_EVENT_AGE = Duration.hours(6)


def consumer_function_names(
    stream_consumers: tuple[StreamConsumerDef, ...] = STREAM_CONSUMERS,
    event_rules: tuple[EventRuleDef, ...] = EVENT_RULES,
    schedules: tuple[ScheduleDef, ...] = SCHEDULES,
) -> list[str]:
    """The functions fed by a stream, an event rule or a schedule, each once, in catalog order."""
    names = [c.function for c in stream_consumers] + [r.function for r in event_rules]
    names += [s.function for s in schedules]
    return list(dict.fromkeys(names))


class Consumers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        streams: Mapping[str, kinesis.IStream],
        event_bus: eventbridge.IEventBus,
        event_source: str,
        stream_consumers: tuple[StreamConsumerDef, ...] = STREAM_CONSUMERS,
        event_rules: tuple[EventRuleDef, ...] = EVENT_RULES,
        schedules: tuple[ScheduleDef, ...] = SCHEDULES,
    ) -> None:
        super().__init__(scope, construct_id)
        self._functions = functions
        # Function name -> its dead-letter queue.
        self.dead_letters: dict[str, sqs.Queue] = {}
        self.rules: dict[str, eventbridge.Rule] = {}
        self.schedules: dict[str, eventbridge.Rule] = {}
        for consumer in stream_consumers:
            self._add_stream_consumer(consumer, streams[consumer.stream])
        for rule in event_rules:
            self._add_event_rule(rule, event_bus, event_source)
        for schedule in schedules:
            self._add_schedule(schedule)

    def _add_schedule(self, definition: ScheduleDef) -> None:
        # A missed run is not retried: the next one, a minute later, does the same work.
        self.schedules[definition.id] = eventbridge.Rule(
            self,
            definition.id,
            description=definition.description or None,
            schedule=eventbridge.Schedule.rate(Duration.minutes(definition.every_minutes)),
            targets=[
                targets.LambdaFunction(
                    self._functions[definition.function],
                    retry_attempts=0,
                    max_event_age=Duration.minutes(definition.every_minutes),
                )
            ],
        )

    def _add_stream_consumer(self, consumer: StreamConsumerDef, stream: kinesis.IStream) -> None:
        # Binding grants the function read access to the stream.
        self._functions[consumer.function].add_event_source(
            event_sources.KinesisEventSource(
                stream,
                # From the oldest record kept: nothing written before or during a deploy is lost.
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=consumer.batch_size,
                max_batching_window=Duration.seconds(consumer.max_batching_window_s),
                parallelization_factor=consumer.parallelization_factor,
                # The handler names the records it failed; only those (and later) are retried.
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                retry_attempts=STREAM_RETRY_ATTEMPTS,
                max_record_age=STREAM_MAX_RECORD_AGE,
                on_failure=event_sources.SqsDlq(self._dead_letters(consumer.function)),
            )
        )

    def _add_event_rule(
        self, definition: EventRuleDef, event_bus: eventbridge.IEventBus, event_source: str
    ) -> None:
        function = self._functions[definition.function]
        dead_letters = self._dead_letters(definition.function)
        self.rules[definition.id] = eventbridge.Rule(
            self,
            definition.id,
            event_bus=event_bus,
            description=definition.description or None,
            event_pattern=eventbridge.EventPattern(
                source=[event_source],
                detail_type=list(definition.detail_types),
                detail=dict(definition.pattern(event_source).get("detail", {})) or None,
            ),
            targets=[
                targets.LambdaFunction(
                    function,
                    dead_letter_queue=dead_letters,
                    retry_attempts=RULE_RETRY_ATTEMPTS,
                    max_event_age=RULE_MAX_EVENT_AGE,
                )
            ],
        )
        # EventBridge invokes asynchronously: its retries end once Lambda accepted the event,
        # so handler errors need Lambda's own failure destination. Configured once per function.
        if function.node.try_find_child("EventInvokeConfig") is None:
            function.configure_async_invoke(
                retry_attempts=ASYNC_RETRY_ATTEMPTS,
                max_event_age=ASYNC_MAX_EVENT_AGE,
                on_failure=destinations.SqsDestination(dead_letters),
            )

    def _dead_letters(self, function_name: str) -> sqs.Queue:
        if function_name not in self.dead_letters:
            self.dead_letters[function_name] = dead_letter_queue(
                self,
                construct_id_for(function_name) + "DeadLetters",
                holds=f"what {function_name} failed to process",
            )
        return self.dead_letters[function_name]
