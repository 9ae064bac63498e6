"""Scheduled functions on the local platform: run on a timer, as their schedule rule runs them
on AWS, with the event EventBridge sends; a failing run does not stop the next ones."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from infra.catalog import SCHEDULES, ScheduleDef
from local.delivery import ConsumerTable, Delivery, DeliveryConfig
from local.moto_server import MotoServer

from .helpers import run

TICK = DeliveryConfig(schedule_interval_s=0.05, poll_interval_s=0.05)
SCHEDULE = ScheduleDef(id="Sweep", function="sweeper", every_minutes=1)


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with MotoServer(port=0) as server:
        yield server


def delivery_of(schedule: ScheduleDef, config: DeliveryConfig = TICK) -> Delivery:
    return Delivery(
        config, streams=[], stream_consumers=[], event_rules=[], schedules=[schedule], queues=[]
    )


def test_a_scheduled_function_runs_repeatedly_with_a_scheduled_event(moto):
    events: list[dict[str, Any]] = []

    def sweeper(event: dict[str, Any], context: Any) -> None:
        events.append(event)
        if len(events) == 2:
            raise RuntimeError("one run fails")

    async def scenario() -> Delivery:
        delivery = delivery_of(SCHEDULE)
        await delivery.start(moto.endpoint, ConsumerTable.from_handlers({"sweeper": sweeper}))
        try:
            while len(events) < 4:
                await asyncio.sleep(0.02)
        finally:
            await delivery.stop()
        return delivery

    delivery = run(scenario, timeout=10)
    assert len(events) >= 4  # the failed second run did not stop the third
    assert {e["detail-type"] for e in events} == {"Scheduled Event"}
    assert {e["source"] for e in events} == {"aws.events"}
    assert events[0]["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/Sweep"]
    assert delivery.describe() == ["every 0.05 s -> sweeper (Sweep)"]


def test_without_an_override_a_schedule_runs_at_its_catalog_rate(moto):
    async def scenario() -> list[float]:
        delivery = delivery_of(SCHEDULE, dataclasses.replace(TICK, schedule_interval_s=None))
        handlers = ConsumerTable.from_handlers({"sweeper": lambda event, context: None})
        await delivery.start(moto.endpoint, handlers)
        try:
            return [scheduled.interval_s for scheduled in delivery.scheduled_runs]
        finally:
            await delivery.stop()

    assert run(scenario) == [60.0]


def test_a_schedule_without_a_handler_is_reported_not_delivered(moto):
    async def scenario() -> list[str]:
        delivery = delivery_of(SCHEDULE)
        await delivery.start(moto.endpoint, ConsumerTable.from_handlers({}))
        try:
            return delivery.describe()
        finally:
            await delivery.stop()

    assert run(scenario) == ["not delivered: schedule Sweep (no sweeper handler)"]


def test_the_platform_runs_the_outbox_relay_every_minute():
    assert [(s.function, s.every_minutes) for s in SCHEDULES] == [
        ("outbox_relay", 1),
        ("grid_poller", 5),  # docs/adr/0052
        ("start_sweep", 1),
    ]
