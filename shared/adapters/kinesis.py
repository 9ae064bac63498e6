"""The telemetry stream: one Kinesis record per MeterValues-bearing message."""

from __future__ import annotations

from typing import Any

from shared.models.telemetry import TelemetryRecord


class KinesisTelemetrySink:
    def __init__(self, client: Any, stream_name: str) -> None:
        self._client = client
        self._stream = stream_name

    def put(self, record: TelemetryRecord) -> None:
        # The charger id as partition key keeps each charger's readings in order.
        self._client.put_record(
            StreamName=self._stream,
            Data=record.to_json().encode("utf-8"),
            PartitionKey=record.charge_point_id,
        )
