"""Telemetry records on the Kinesis stream: one record per OCPP message carrying meter values.

Partition key: the charge point id (per-charger order within a shard). The data is UTF-8
JSON of `TelemetryRecord.to_json()`. `meterValue` is the OCPP message's own array, unchanged
(1.6 sampledValue.value is a string, 2.0.1's a number): consumers normalise, the hot path does
not spend CPU on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

TELEMETRY_SCHEMA_VERSION = 1

# What produced the meter values: MeterValues, StopTransaction.transactionData (1.6), or a
# TransactionEvent's meterValue (2.0.1).
TelemetrySource = Literal["MeterValues", "StopTransaction", "TransactionEvent"]


@dataclass(frozen=True)
class TelemetryRecord:
    charge_point_id: str
    protocol: str
    source: TelemetrySource
    received_at: str  # platform receipt time, RFC 3339 UTC
    meter_value: list[dict[str, Any]]
    connector_id: int | None = None
    evse_id: int | None = None
    transaction_id: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": TELEMETRY_SCHEMA_VERSION,
                "chargePointId": self.charge_point_id,
                "protocol": self.protocol,
                "source": self.source,
                "receivedAt": self.received_at,
                "connectorId": self.connector_id,
                "evseId": self.evse_id,
                "transactionId": self.transaction_id,
                "meterValue": self.meter_value,
            },
            separators=(",", ":"),
        )

    @staticmethod
    def from_json(data: str | bytes) -> TelemetryRecord:
        raw = json.loads(data)
        if raw.get("v") != TELEMETRY_SCHEMA_VERSION:
            raise ValueError(f"unsupported telemetry record version {raw.get('v')!r}")
        return TelemetryRecord(
            charge_point_id=str(raw["chargePointId"]),
            protocol=str(raw["protocol"]),
            source=raw["source"],
            received_at=str(raw["receivedAt"]),
            meter_value=list(raw["meterValue"]),
            connector_id=raw.get("connectorId"),
            evse_id=raw.get("evseId"),
            transaction_id=raw.get("transactionId"),
        )
