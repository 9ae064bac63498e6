"""Stream and rule delivery against a real (embedded) moto server, with fake consumers.

Each test creates its own stream, bus and rule (unique names), so the tests share one
moto server and never need a reset.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import boto3
import pytest

from infra.catalog import EventBusDef, EventRuleDef, StreamConsumerDef, StreamDef
from local.delivery import ConsumerTable, Delivery, DeliveryConfig
from local.delivery.event_shapes import EVENTBRIDGE_KEYS
from local.invoke import Handler
from local.moto_server import MotoServer

from .helpers import run

FAST = DeliveryConfig(batching_window_s=0.0, retry_delay_s=0.01, poll_interval_s=0.05)


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer(port=0) as server:
        yield server


def client(moto: MotoServer, service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


class Consumer:
    """A fake consumer: records every event it gets; `answer` decides what it returns."""

    def __init__(self, answer: Callable[[dict[str, Any], int], Any] = lambda e, n: None):
        self.events: list[dict[str, Any]] = []
        self.answer = answer
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self.lock:
            self.events.append(event)
            call = len(self.events)
        return self.answer(event, call)

    def batches(self) -> list[list[bytes]]:
        """Each invocation's records' data."""
        return [
            [base64.b64decode(r["kinesis"]["data"]) for r in event["Records"]]
            for event in self.events
        ]


def new_stream(moto: MotoServer, **consumer: Any) -> tuple[StreamDef, StreamConsumerDef]:
    name = f"stream-{uuid.uuid4().hex[:8]}"
    client(moto, "kinesis").create_stream(StreamName=name, ShardCount=1)
    stream = StreamDef(id="Telemetry", env_var="UNUSED", local_name=name)
    return stream, StreamConsumerDef(function="consumer", stream=stream.id, **consumer)


def put(moto: MotoServer, stream: StreamDef, *items: bytes, key: str = "CP-1") -> list[str]:
    """Write `items` in one request: a poll never sees only some of them."""
    response = client(moto, "kinesis").put_records(
        StreamName=stream.local_name,
        Records=[{"Data": item, "PartitionKey": key} for item in items],
    )
    assert response["FailedRecordCount"] == 0
    return [record["SequenceNumber"] for record in response["Records"]]


@contextlib.asynccontextmanager
async def delivering_stream(
    moto: MotoServer,
    stream: StreamDef,
    consumer_def: StreamConsumerDef,
    consumer: Consumer,
    config: DeliveryConfig = FAST,
) -> AsyncIterator[Delivery]:
    delivery = Delivery(config, streams=[stream], stream_consumers=[consumer_def], event_rules=[])
    await delivery.start(moto.endpoint, ConsumerTable.from_handlers({"consumer": consumer}))
    try:
        yield delivery
    finally:
        await delivery.stop()


# --- streams ----------------------------------------------------------------------------


def test_records_arrive_in_order_in_batches_of_the_lambda_kinesis_shape(moto):
    stream, consumer_def = new_stream(moto, batch_size=3)
    # Written before the poller starts: TRIM_HORIZON delivers them too.
    before = put(moto, stream, b"r0", b"r1", b"r2", b"r3")
    consumer = Consumer()

    async def scenario():
        async with delivering_stream(moto, stream, consumer_def, consumer) as delivery:
            await delivery.drain(5)
            after = await asyncio.to_thread(put, moto, stream, b"r4", b"r5", b"r6", key="CP-2")
            await delivery.drain(5)
            return delivery.checkpoint(stream.local_name), after

    checkpoint, after = run(scenario)
    delivered = [item for batch in consumer.batches() for item in batch]
    assert delivered == [b"r%d" % n for n in range(7)]
    assert max(len(batch) for batch in consumer.batches()) == 3
    assert consumer.batches()[0] == [b"r0", b"r1", b"r2"]
    assert checkpoint == after[-1]

    record = consumer.events[0]["Records"][0]
    arn = client(moto, "kinesis").describe_stream_summary(StreamName=stream.local_name)[
        "StreamDescriptionSummary"
    ]["StreamARN"]
    assert set(record) == {
        "kinesis",
        "eventSource",
        "eventVersion",
        "eventID",
        "eventName",
        "invokeIdentityArn",
        "awsRegion",
        "eventSourceARN",
    }
    assert record["kinesis"]["kinesisSchemaVersion"] == "1.0"
    assert record["kinesis"]["partitionKey"] == "CP-1"
    assert record["kinesis"]["sequenceNumber"] == before[0]
    assert abs(record["kinesis"]["approximateArrivalTimestamp"] - time.time()) < 60
    assert record["eventID"] == f"shardId-000000000000:{before[0]}"
    assert (record["eventSource"], record["eventName"]) == ("aws:kinesis", "aws:kinesis:record")
    assert (record["eventSourceARN"], record["awsRegion"]) == (arn, "us-east-1")
    assert record["invokeIdentityArn"].startswith("arn:aws:iam::123456789012:role/")
    last = consumer.events[-1]["Records"][-1]
    assert last["kinesis"]["partitionKey"] == "CP-2"


def test_batching_window_gathers_records_written_one_after_the_other(moto):
    stream, consumer_def = new_stream(moto, batch_size=100)
    consumer = Consumer()
    config = DeliveryConfig(batching_window_s=1.0, poll_interval_s=0.05)

    async def scenario():
        async with delivering_stream(moto, stream, consumer_def, consumer, config) as delivery:
            for item in (b"a", b"b", b"c"):  # several polls apart, all within the window
                await asyncio.to_thread(put, moto, stream, item)
                await asyncio.sleep(0.12)
            during_window = len(consumer.events)
            await delivery.drain(5, flush=False)
            return during_window

    assert run(scenario) == 0
    assert consumer.batches() == [[b"a", b"b", b"c"]]


def test_drain_ends_a_long_batching_window(moto):
    stream, consumer_def = new_stream(moto, max_batching_window_s=300)
    consumer = Consumer()

    async def scenario():
        async with delivering_stream(
            moto, stream, consumer_def, consumer, DeliveryConfig(poll_interval_s=0.05)
        ) as delivery:
            await asyncio.to_thread(put, moto, stream, b"x", b"y")
            # Without the flush, drain would wait out the window and time out.
            await delivery.drain(10)

    run(scenario)
    assert consumer.batches() == [[b"x", b"y"]]


def fail_items(predicate: Callable[[bytes, int], bool]) -> Callable[[dict[str, Any], int], Any]:
    """An answer naming the records `predicate(data, call number)` rejects."""

    def answer(event: dict[str, Any], call: int) -> dict[str, Any]:
        failures = [
            {"itemIdentifier": r["kinesis"]["sequenceNumber"]}
            for r in event["Records"]
            if predicate(base64.b64decode(r["kinesis"]["data"]), call)
        ]
        return {"batchItemFailures": failures}

    return answer


def test_partial_batch_failure_retries_only_from_the_failed_record(moto):
    stream, consumer_def = new_stream(moto, batch_size=10)
    # r2 and r4 fail once; the retry starts at the lowest of them.
    consumer = Consumer(fail_items(lambda data, call: call == 1 and data in (b"r2", b"r4")))
    put(moto, stream, *[b"r%d" % n for n in range(6)])

    async def scenario():
        async with delivering_stream(moto, stream, consumer_def, consumer) as delivery:
            await delivery.drain(5)

    run(scenario)
    assert consumer.batches() == [
        [b"r0", b"r1", b"r2", b"r3", b"r4", b"r5"],
        [b"r2", b"r3", b"r4", b"r5"],
    ]


def test_a_record_that_keeps_failing_is_skipped_after_its_retries_and_logged(moto, caplog):
    stream, consumer_def = new_stream(moto, batch_size=10)
    consumer = Consumer(fail_items(lambda data, call: data == b"poison"))
    sequence_numbers = put(moto, stream, b"ok-1", b"poison", b"ok-2")

    async def scenario():
        async with delivering_stream(moto, stream, consumer_def, consumer) as delivery:
            await delivery.drain(5)
            return delivery.checkpoint(stream.local_name)

    with caplog.at_level(logging.WARNING, logger="local.delivery"):
        checkpoint = run(scenario)
    retries = FAST.stream_max_retries
    assert consumer.batches() == [
        [b"ok-1", b"poison", b"ok-2"],
        *[[b"poison", b"ok-2"]] * retries,
        [b"ok-2"],
    ]
    assert checkpoint == sequence_numbers[-1]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert sequence_numbers[1] in errors[0]
    assert "'CP-1'" in errors[0]
    assert "poison" in errors[0]


def test_a_failing_handler_fails_the_batch_and_the_failing_record_is_isolated(moto, caplog):
    stream, consumer_def = new_stream(moto, batch_size=10)

    def answer(event: dict[str, Any], call: int) -> None:
        if any(base64.b64decode(r["kinesis"]["data"]) == b"bad" for r in event["Records"]):
            raise ValueError("cannot parse")

    consumer = Consumer(answer)
    sequence_numbers = put(moto, stream, b"a", b"bad", b"b")

    async def scenario():
        async with delivering_stream(moto, stream, consumer_def, consumer) as delivery:
            await delivery.drain(10)
            # Later records are delivered in full batches again.
            await asyncio.to_thread(put, moto, stream, b"c", b"d")
            await delivery.drain(5)

    with caplog.at_level(logging.WARNING, logger="local.delivery"):
        run(scenario)
    attempts = FAST.stream_max_retries + 1
    assert consumer.batches() == [
        *[[b"a", b"bad", b"b"]] * attempts,
        [b"a"],
        *[[b"bad"]] * attempts,
        [b"b"],
        [b"c", b"d"],
    ]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert sequence_numbers[1] in errors[0].getMessage()
    assert "cannot parse" in errors[0].getMessage()


def test_an_unusable_answer_fails_the_whole_batch(moto):
    stream, consumer_def = new_stream(moto, batch_size=10)
    consumer = Consumer(
        lambda event, call: {"batchItemFailures": [{"itemIdentifier": ""}]} if call == 1 else None
    )
    put(moto, stream, b"a", b"b")

    async def scenario():
        async with delivering_stream(moto, stream, consumer_def, consumer) as delivery:
            await delivery.drain(5)

    run(scenario)
    assert consumer.batches() == [[b"a", b"b"], [b"a", b"b"]]


def test_drain_times_out_while_a_consumer_is_still_busy(moto):
    stream, consumer_def = new_stream(moto)
    release = threading.Event()
    consumer = Consumer(lambda event, call: release.wait(5))
    put(moto, stream, b"slow")

    async def scenario():
        async with delivering_stream(moto, stream, consumer_def, consumer) as delivery:
            try:
                with pytest.raises(TimeoutError, match=stream.local_name):
                    await delivery.drain(0.3)
            finally:
                release.set()
            await delivery.drain(5)

    run(scenario)
    assert consumer.batches() == [[b"slow"]]


# --- event rules ------------------------------------------------------------------------


def new_bus(moto: MotoServer) -> EventBusDef:
    name = f"bus-{uuid.uuid4().hex[:8]}"
    client(moto, "events").create_event_bus(Name=name)
    return EventBusDef(id="Bus", env_var="UNUSED", local_name=name, source="csms.ocpp")


def publish(moto: MotoServer, bus: EventBusDef, *entries: tuple[str, str, dict[str, Any]]) -> None:
    response = client(moto, "events").put_events(
        Entries=[
            {
                "EventBusName": bus.local_name,
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
            }
            for source, detail_type, detail in entries
        ]
    )
    assert response["FailedEntryCount"] == 0


@contextlib.asynccontextmanager
async def delivering_rule(
    moto: MotoServer, bus: EventBusDef, rule: EventRuleDef, consumer: Consumer
) -> AsyncIterator[Delivery]:
    delivery = Delivery(FAST, streams=[], stream_consumers=[], event_rules=[rule], event_bus=bus)
    await delivery.start(moto.endpoint, ConsumerTable.from_handlers({"consumer": consumer}))
    try:
        yield delivery
    finally:
        await delivery.stop()


RULE = EventRuleDef(id="Rollup", function="consumer", detail_types=("Stopped", "Started"))


def test_matching_events_reach_the_consumer_as_eventbridge_lambda_events(moto):
    bus = new_bus(moto)
    consumer = Consumer()

    async def scenario():
        async with delivering_rule(moto, bus, RULE, consumer) as delivery:
            await asyncio.to_thread(
                publish,
                moto,
                bus,
                ("csms.ocpp", "Stopped", {"n": 1}),
                ("csms.ocpp", "Booted", {"n": 2}),
                ("other.app", "Stopped", {"n": 3}),
                ("csms.ocpp", "Started", {"n": 4}),
            )
            await delivery.drain(5)

    run(scenario)
    assert sorted(e["detail"]["n"] for e in consumer.events) == [1, 4]
    event = next(e for e in consumer.events if e["detail"]["n"] == 1)
    assert list(event) == list(EVENTBRIDGE_KEYS)
    assert event["version"] == "0"
    assert event["detail-type"] == "Stopped"
    assert event["source"] == "csms.ocpp"
    assert event["account"] == "123456789012"
    assert event["region"] == "us-east-1"
    assert event["resources"] == []
    assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
    uuid.UUID(event["id"])


def test_rule_is_created_on_the_bus_with_the_platform_pattern(moto):
    bus = new_bus(moto)

    async def scenario():
        async with delivering_rule(moto, bus, RULE, Consumer()):
            pass

    run(scenario)
    rules = client(moto, "events").list_rules(EventBusName=bus.local_name)["Rules"]
    assert [json.loads(rule["EventPattern"]) for rule in rules] == [
        {"source": ["csms.ocpp"], "detail-type": ["Stopped", "Started"]}
    ]


def test_a_failing_event_consumer_is_retried_twice_then_the_event_is_dropped(moto, caplog):
    bus = new_bus(moto)

    def answer(event: dict[str, Any], call: int) -> None:
        if event["detail"]["n"] == 1:
            raise RuntimeError("rollup broken")
        if call == 4:  # the other event's first try fails, its retry succeeds
            raise RuntimeError("flaky")

    consumer = Consumer(answer)

    async def scenario():
        async with delivering_rule(moto, bus, RULE, consumer) as delivery:
            await asyncio.to_thread(publish, moto, bus, ("csms.ocpp", "Stopped", {"n": 1}))
            await delivery.drain(5)
            await asyncio.to_thread(publish, moto, bus, ("csms.ocpp", "Started", {"n": 2}))
            await delivery.drain(5)
            queue = delivery.rule_pollers[0].queue_url
            return await asyncio.to_thread(
                lambda: client(moto, "sqs").receive_message(QueueUrl=queue).get("Messages")
            )

    with caplog.at_level(logging.WARNING, logger="local.delivery"):
        left_in_queue = run(scenario)
    tries = [e["detail"]["n"] for e in consumer.events]
    assert tries == [1, 1, 1, 2, 2]
    assert left_in_queue is None
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert consumer.events[0]["id"] in errors[0]
    assert "rollup broken" in errors[0]


# --- lifecycle --------------------------------------------------------------------------


def test_stop_is_prompt_and_leaves_no_threads(moto):
    stream, consumer_def = new_stream(moto)
    bus = new_bus(moto)
    consumer = Consumer()

    async def scenario():
        delivery = Delivery(
            # Without the wake-up message, stop would wait for the long poll to end.
            dataclasses.replace(FAST, queue_wait_s=10),
            streams=[stream],
            stream_consumers=[consumer_def],
            event_rules=[EventRuleDef(id="R", function="consumer", detail_types=("A",))],
            event_bus=bus,
        )
        await delivery.start(moto.endpoint, ConsumerTable.from_handlers({"consumer": consumer}))
        await asyncio.sleep(0.2)  # the rule poller is in a long poll now
        started = time.monotonic()
        await delivery.stop()
        stopped_in = time.monotonic() - started
        await asyncio.to_thread(put, moto, stream, b"late")
        await asyncio.sleep(0.2)
        await delivery.stop()  # a second stop is harmless
        return stopped_in, delivery.running

    stopped_in, running = run(scenario)
    assert stopped_in < 3
    assert not running
    assert consumer.events == []
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith(("lambda", "delivery"))]
    assert leftovers == []


def test_consumers_without_a_handler_are_not_delivered(moto):
    stream, consumer_def = new_stream(moto)
    bus = new_bus(moto)

    async def scenario():
        delivery = Delivery(
            FAST,
            streams=[stream],
            stream_consumers=[consumer_def],
            event_rules=[RULE],
            event_bus=bus,
        )
        await delivery.start(moto.endpoint, ConsumerTable())
        try:
            return delivery.describe(), len(delivery.shard_pollers), len(delivery.rule_pollers)
        finally:
            await delivery.stop()

    described, shards, rules = run(scenario)
    assert (shards, rules) == (0, 0)
    assert any(stream.local_name in line and "not delivered" in line for line in described)
    assert any("Rollup" in line and "not delivered" in line for line in described)


def test_drain_waits_for_work_that_delivered_events_cause(moto):
    stream, consumer_def = new_stream(moto)
    bus = new_bus(moto)
    rule = EventRuleDef(id="Forward", function="forwarder", detail_types=("Stopped",))
    stream_consumer = Consumer()

    def forwarder(event: dict[str, Any], context: Any) -> None:
        put(moto, stream, json.dumps(event["detail"]).encode())

    async def scenario():
        delivery = Delivery(
            # Polls rarely: the record is written after the stream last looked empty.
            dataclasses.replace(FAST, poll_interval_s=2.0),
            streams=[stream],
            stream_consumers=[consumer_def],
            event_rules=[rule],
            event_bus=bus,
        )
        consumers: dict[str, Handler] = {"consumer": stream_consumer, "forwarder": forwarder}
        await delivery.start(moto.endpoint, ConsumerTable.from_handlers(consumers))
        try:
            await asyncio.to_thread(publish, moto, bus, ("csms.ocpp", "Stopped", {"n": 7}))
            await delivery.drain(5)
            return stream_consumer.batches()
        finally:
            await delivery.stop()

    assert run(scenario) == [[b'{"n": 7}']]
