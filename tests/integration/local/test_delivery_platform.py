"""The platform starts stream and rule delivery with the catalog's streams and rules."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from typing import Any

import boto3

from infra.catalog import EVENT_BUS, TELEMETRY_STREAM
from local.__main__ import banner
from local.delivery import ConsumerTable
from local.gateway import RouteTable
from local.platform import LocalPlatform
from local.settings import LocalSettings

from .helpers import run


def test_platform_delivers_the_stream_to_its_consumer_and_rule_events_to_theirs():
    telemetry: list[dict[str, Any]] = []
    rollups: list[dict[str, Any]] = []

    def telemetry_consumer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        telemetry.append(event)
        # Like the real consumer: what it reads leads to events on the bus.
        boto3.client("events").put_events(
            Entries=[
                {
                    "EventBusName": EVENT_BUS.local_name,
                    "Source": EVENT_BUS.source,
                    "DetailType": "TransactionStopped",
                    "Detail": base64.b64decode(record["kinesis"]["data"]).decode(),
                }
                for record in event["Records"]
            ]
        )
        return {"batchItemFailures": []}

    def energy_rollup(event: dict[str, Any], context: Any) -> None:
        rollups.append(event)

    consumers = ConsumerTable.from_handlers(
        {"telemetry_consumer": telemetry_consumer, "energy_rollup": energy_rollup}
    )
    settings = LocalSettings(
        port=0, moto_port=0, batching_window_s=0.05, delivery_retry_delay_s=0.01
    )

    async def scenario():
        platform = LocalPlatform(settings, routes=RouteTable.from_handlers({}), consumers=consumers)
        async with platform:
            shown = banner(platform)
            kinesis = boto3.client("kinesis")
            arn = (
                await asyncio.to_thread(
                    kinesis.describe_stream_summary, StreamName=TELEMETRY_STREAM.local_name
                )
            )["StreamDescriptionSummary"]["StreamARN"]
            for n in range(3):
                await asyncio.to_thread(
                    kinesis.put_record,
                    StreamName=TELEMETRY_STREAM.local_name,
                    Data=json.dumps({"n": n}).encode(),
                    PartitionKey="CP-1",
                )
            # One drain covers the chain: stream -> consumer -> bus -> rule -> consumer.
            await platform.delivery.drain(10)
            return shown, arn

    shown, arn = run(scenario)
    records = [r for event in telemetry for r in event["Records"]]
    assert [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in records] == [
        {"n": 0},
        {"n": 1},
        {"n": 2},
    ]
    assert {r["eventSourceARN"] for r in records} == {arn}
    assert sorted(event["detail"]["n"] for event in rollups) == [0, 1, 2]
    assert {event["detail-type"] for event in rollups} == {"TransactionStopped"}
    assert f"{TELEMETRY_STREAM.local_name} (1 shard) -> telemetry_consumer" in shown
    assert "[TransactionStopped] -> energy_rollup" in shown
    leftovers = [t.name for t in threading.enumerate() if t.name.startswith(("lambda", "delivery"))]
    assert leftovers == []
