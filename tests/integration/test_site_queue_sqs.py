"""The allocation queue on SQS (moto) and in memory (docs/adr/0051): triggers of one site
within a debounce window are one message, in the site's message group; wake-ups travel
through the delay queue with at most 900 s per hop and are due within a second."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.adapters.memory.site_queue import MemorySiteQueue
from shared.adapters.sqs_site_queue import SqsSiteQueue
from shared.ports.site_queue import DEBOUNCE_S, MAX_DELAY_S, WakeUp, dedup_id, group_id

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sqs() -> Iterator[tuple[Any, str, str]]:
    with mock_aws():
        client = boto3.client("sqs", region_name="eu-west-1")
        fifo = client.create_queue(QueueName="sites.fifo", Attributes={"FifoQueue": "true"})[
            "QueueUrl"
        ]
        wake = client.create_queue(QueueName="wake")["QueueUrl"]
        yield client, fifo, wake


def _bodies(client: Any, url: str) -> list[dict[str, Any]]:
    messages = client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    return [
        {**json.loads(m["Body"]), **{k: v for k, v in m["Attributes"].items() if "Group" in k}}
        for m in messages
    ]


def test_triggers_within_a_window_are_one_message_in_the_sites_group(sqs) -> None:
    client, fifo, wake = sqs
    queue = SqsSiteQueue(client, fifo, wake)
    window_start = datetime.fromtimestamp((int(T0.timestamp()) // DEBOUNCE_S) * DEBOUNCE_S, UTC)
    queue.enqueue("SITE-1", window_start)
    queue.enqueue("SITE-1", window_start + timedelta(seconds=DEBOUNCE_S - 0.5))
    queue.enqueue("SITE-2", window_start)
    queue.enqueue("SITE-1", window_start + timedelta(seconds=DEBOUNCE_S))
    bodies = _bodies(client, fifo)
    # the third SITE-1 trigger is in the next window: a second allocation of the site
    assert sorted(b["siteId"] for b in bodies) == ["SITE-1", "SITE-1", "SITE-2"]
    assert {b["MessageGroupId"] for b in bodies} == {"SITE-1", "SITE-2"}


def test_a_wake_up_is_delayed_at_most_one_hop_and_a_due_one_is_enqueued(sqs) -> None:
    client, fifo, wake = sqs
    queue = SqsSiteQueue(client, fifo, wake)
    queue.wake_at("SITE-1", T0 + timedelta(hours=4), T0)
    queue.wake_at("SITE-2", T0, T0)  # due now: straight to the allocation queue
    assert [b["siteId"] for b in _bodies(client, fifo)] == ["SITE-2"]
    # moto keeps the delayed message invisible; its attributes say how long
    attributes = client.get_queue_attributes(QueueUrl=wake, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


def test_wake_up_hops_and_due_times() -> None:
    wake_up = WakeUp("S", T0 + timedelta(hours=4))
    assert wake_up.due_in(T0) == MAX_DELAY_S
    assert wake_up.due_in(T0 + timedelta(hours=4, seconds=-10)) == 10
    assert wake_up.due_in(T0 + timedelta(hours=4, seconds=-0.5)) == 0
    assert WakeUp.from_dict(wake_up.to_dict()) == wake_up
    for bad in ({}, {"siteId": "S"}, {"siteId": "S", "due": "2030-01-01T00:00:00"}):
        with pytest.raises(ValueError, match="wake-up"):
            WakeUp.from_dict(bad)


def test_ids_sqs_refuses_become_digests() -> None:
    assert group_id("SITE-1") == "SITE-1"
    odd = group_id("Zürich Hbf")
    assert odd.startswith("h-") and odd.isascii() and len(odd) <= 128
    assert group_id("x" * 200) != group_id("x" * 201)
    assert len(dedup_id("x" * 200, T0)) <= 128


def test_memory_queue_collapses_windows_and_fires_wake_ups() -> None:
    queue = MemorySiteQueue()
    queue.enqueue("S", T0)
    queue.enqueue("S", T0)
    queue.wake_at("S", T0 + timedelta(minutes=15), T0)
    assert queue.take() == ["S"]
    assert queue.fire(T0 + timedelta(minutes=14)) == []
    assert [w.site_id for w in queue.fire(T0 + timedelta(minutes=15))] == ["S"]
    assert queue.take() == ["S"]
