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
        """Read a record; ValueError for anything that is not one (JSON of another shape, a
        key of the wrong type): such a record never becomes readable, so the consumer skips
        it instead of retrying it (and everything behind it on its shard)."""
        raw = json.loads(data)
        if not isinstance(raw, dict):
            raise ValueError(f"a telemetry record is a JSON object, not {type(raw).__name__}")
        if raw.get("v") != TELEMETRY_SCHEMA_VERSION:
            raise ValueError(f"unsupported telemetry record version {raw.get('v')!r}")
        source = raw.get("source")
        if source not in SOURCES:
            raise ValueError(f"unknown telemetry source {source!r}")
        meter_value = raw.get("meterValue")
        if not isinstance(meter_value, list):
            raise ValueError("meterValue is not a list")
        return TelemetryRecord(
            charge_point_id=_key_text(raw, "chargePointId"),
            protocol=_key_text(raw, "protocol"),
            source=source,
            received_at=_key_text(raw, "receivedAt"),
            meter_value=meter_value,
            connector_id=_optional_int(raw, "connectorId"),
            evse_id=_optional_int(raw, "evseId"),
            transaction_id=(
                None if raw.get("transactionId") is None else _key_text(raw, "transactionId")
            ),
        )


SOURCES: frozenset[str] = frozenset({"MeterValues", "StopTransaction", "TransactionEvent"})


def _key_text(raw: dict[str, Any], name: str) -> str:
    """A non-empty string: these values become DynamoDB key attributes."""
    value = raw.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} is not a non-empty string: {value!r}")
    return value


def _optional_int(raw: dict[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} is not an integer: {value!r}")
    return value
