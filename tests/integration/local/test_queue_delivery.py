"""The catalog's SQS queues delivered like Lambda's SQS event source mapping, against a real
(embedded) moto server: FIFO batches in order per group and one batch of a group at a time,
partial batch responses, failed messages delivered again; timers a sender delayed do not keep
`drain` waiting."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra.catalog import QueueDef
from local.delivery import ConsumerTable, Delivery, DeliveryConfig
from local.moto_server import MotoServer

from .helpers import run

FAST = DeliveryConfig(batching_window_s=0.0, retry_delay_s=0.01, poll_interval_s=0.05)


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer(port=0) as server:
        yield server


def sqs(moto: MotoServer) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def new_queue(moto: MotoServer, *, fifo: bool, batch_size: int = 10) -> tuple[QueueDef, str]:
    name = f"q-{uuid.uuid4().hex[:8]}" + (".fifo" if fifo else "")
    attributes = {"FifoQueue": "true"} if fifo else {}
    url = sqs(moto).create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    queue = QueueDef(
        id="Q",
        env_var="UNUSED",
        local_name=name,
        consumer="consumer",
        senders=(),
        fifo=fifo,
        batch_size=batch_size,
    )
    return queue, url


class Consumer:
    """Records each batch's bodies; `fail` names bodies to report failed (once each); a
    group's batches must never overlap."""

    def __init__(self, fail: set[str] | None = None, work_s: float = 0.0) -> None:
        self.batches: list[list[str]] = []
        self.fail = set(fail or ())
        self.work_s = work_s
        self.running: set[str] = set()
        self.overlaps = 0
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        records = event["Records"]
        groups = {r["attributes"].get("MessageGroupId", "") for r in records}
        with self.lock:
            self.overlaps += len(groups & self.running - {""})
            self.running |= groups
            self.batches.append([r["body"] for r in records])
        time.sleep(self.work_s)
        failed = []
        with self.lock:
            self.running -= groups
            for r in records:
                if r["body"] in self.fail:
                    self.fail.discard(r["body"])
                    failed.append({"itemIdentifier": r["messageId"]})
        assert all(r["eventSource"] == "aws:sqs" for r in records)
        return {"batchItemFailures": failed}


async def deliver(moto: MotoServer, queue: QueueDef, consumer: Consumer, send: Any) -> Delivery:
    delivery = Delivery(FAST, streams=[], stream_consumers=[], event_rules=[], schedules=[],
                        queues=[queue])  # fmt: skip
    await delivery.start(moto.endpoint, ConsumerTable.from_handlers({"consumer": consumer}))
    try:
        send()
        await delivery.drain(20)
    finally:
        await delivery.stop()
    return delivery


def test_a_fifo_queue_is_delivered_in_order_per_group_one_batch_at_a_time(moto) -> None:
    queue, url = new_queue(moto, fifo=True, batch_size=1)
    consumer = Consumer(work_s=0.05)
    client = sqs(moto)

    def send() -> None:
        for n in range(6):
            for site in ("A", "B"):
                body = f"{site}{n}"
                client.send_message(
                    QueueUrl=url,
                    MessageBody=json.dumps(body),
                    MessageGroupId=site,
                    MessageDeduplicationId=body,
                )

    run(lambda: deliver(moto, queue, consumer, send))
    bodies = [json.loads(b) for batch in consumer.batches for b in batch]
    for site in ("A", "B"):
        assert [b for b in bodies if b.startswith(site)] == [f"{site}{n}" for n in range(6)]
    assert consumer.overlaps == 0
    assert all(len(batch) == 1 for batch in consumer.batches)


def test_a_failed_message_comes_back_and_the_rest_of_its_batch_does_not(moto) -> None:
    queue, url = new_queue(moto, fifo=False, batch_size=10)
    consumer = Consumer(fail={"bad"})
    client = sqs(moto)

    def send() -> None:
        client.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": b, "MessageBody": b} for b in ("ok1", "bad", "ok2")],
        )

    run(lambda: deliver(moto, queue, consumer, send))
    bodies = [b for batch in consumer.batches for b in batch]
    assert sorted(bodies) == ["bad", "bad", "ok1", "ok2"]


def test_timers_a_sender_delayed_do_not_keep_drain_waiting(moto) -> None:
    queue, url = new_queue(moto, fifo=False)
    consumer = Consumer()
    client = sqs(moto)

    def send() -> None:
        client.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=900)
        client.send_message(QueueUrl=url, MessageBody="now")

    started = time.monotonic()
    run(lambda: deliver(moto, queue, consumer, send))
    assert consumer.batches == [["now"]]
    assert time.monotonic() - started < 15
