"""The Connections table: one record per open WebSocket connection (TTL)."""

from __future__ import annotations

import time
from typing import Any

from shared.adapters.dynamodb.items import from_item, to_item
from shared.models.connection import ConnectionRecord


class DynamoConnectionRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, record: ConnectionRecord) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "connectionId": record.connection_id,
                    "chargePointId": record.charge_point_id,
                    "protocol": record.protocol,
                    "validationMode": record.validation_mode,
                    "registrationStatus": record.registration_status,
                    "connectedAt": record.connected_at,
                    "connectedAtMs": record.connected_at_ms,
                    "expiresAt": record.expires_at,
                }
            ),
        )

    def get(self, connection_id: str) -> ConnectionRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key={"connectionId": {"S": connection_id}}
        )
        item = response.get("Item")
        if not item:
            return None
        values = from_item(item)
        # TTL deletion is lazy (hours late on AWS, never in moto): expired means absent.
        if int(values.get("expiresAt", 0)) <= time.time():
            return None
        return ConnectionRecord(
            connection_id=values["connectionId"],
            charge_point_id=values["chargePointId"],
            protocol=values["protocol"],
            validation_mode=values.get("validationMode", "strict"),
            registration_status=values.get("registrationStatus", "Accepted"),
            connected_at=values["connectedAt"],
            connected_at_ms=int(values["connectedAtMs"]),
            expires_at=int(values["expiresAt"]),
        )

    def delete(self, connection_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"connectionId": {"S": connection_id}})
