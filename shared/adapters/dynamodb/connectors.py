"""The Connectors table: each connector's latest status (and, written by the sessions
adapter, its active session)."""

from __future__ import annotations

from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, query_all, update_expression
from shared.models.connection import ConnectorStatus, StatusChange


class DynamoConnectorRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def apply_status(self, status: ConnectorStatus) -> StatusChange:
        expression, names, values = update_expression(
            {
                "evseId": status.evse_id,
                "connectorId": status.connector_id,
                "status": status.status,
                "errorCode": status.error_code,
                "info": status.info,
                "vendorId": status.vendor_id,
                "vendorErrorCode": status.vendor_error_code,
                "timestamp": status.timestamp,
                "receivedAtMs": status.received_at_ms,
            }
        )
        received_name = next(k for k, v in names.items() if v == "receivedAtMs")
        received_value = received_name.replace("#a", ":v")
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key={
                "chargePointId": {"S": status.charge_point_id},
                "connectorKey": {"S": status.connector_key},
            },
            UpdateExpression=expression,
            ConditionExpression=(
                f"attribute_not_exists({received_name}) OR {received_name} <= {received_value}"
            ),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            # The previous status comes back with the write itself (no read first) and decides
            # whether ConnectorStatusChanged is published. ALL_OLD rather than UPDATED_OLD: the
            # same single write unit, but moto's UPDATED_OLD leaves out values that did not
            # change, which would make a repeated status look like a new connector.
            ReturnValues="ALL_OLD",
        )
        if response is None:
            return StatusChange(applied=False)
        old = from_item(response.get("Attributes", {}))
        return StatusChange(
            applied=True,
            previous_status=old.get("status"),
            previous_error_code=old.get("errorCode"),
        )

    def list_for(self, charge_point_id: str) -> list[ConnectorStatus]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="chargePointId = :c",
            ExpressionAttributeValues={":c": {"S": charge_point_id}},
        )
        return [
            ConnectorStatus(
                charge_point_id=charge_point_id,
                evse_id=values.get("evseId"),
                connector_id=int(values["connectorId"]),
                status=values["status"],
                error_code=values.get("errorCode"),
                info=values.get("info"),
                vendor_id=values.get("vendorId"),
                vendor_error_code=values.get("vendorErrorCode"),
                timestamp=values["timestamp"],
                received_at_ms=int(values["receivedAtMs"]),
            )
            for values in items
            # Items holding only an active-transaction pointer have no status report yet.
            if "status" in values
        ]
