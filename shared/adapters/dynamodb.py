"""DynamoDB implementations of the charger, connection and connector repositories.

Every write that could race with another Lambda for the same charger is conditional; none
reads first.
"""

from __future__ import annotations

import time
from dataclasses import fields
from datetime import datetime
from typing import Any

from shared.adapters.dynamo_items import (
    camel,
    conditional,
    from_item,
    query_all,
    to_attr,
    to_item,
    update_expression,
)
from shared.models.charger import BootInfo, ChargerRecord
from shared.models.connection import ConnectionRecord, ConnectorStatus, StatusChange
from shared.timeutil import from_epoch_ms, iso_utc

_CHARGER_FIELDS = {f.name: camel(f.name) for f in fields(ChargerRecord)}
_CHARGER_FIELDS_BY_ATTR = {v: k for k, v in _CHARGER_FIELDS.items()}


def charger_to_item(record: ChargerRecord) -> dict[str, Any]:
    return to_item({_CHARGER_FIELDS[k]: getattr(record, k) for k in _CHARGER_FIELDS})


def charger_from_item(item: dict[str, Any]) -> ChargerRecord:
    values = from_item(item)
    return ChargerRecord(
        **{_CHARGER_FIELDS_BY_ATTR[k]: v for k, v in values.items() if k in _CHARGER_FIELDS_BY_ATTR}
    )


class DynamoChargerRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, charge_point_id: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}}

    def get(self, charge_point_id: str) -> ChargerRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(charge_point_id), ConsistentRead=True
        )
        item = response.get("Item")
        return charger_from_item(item) if item else None

    def create(self, record: ChargerRecord) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=charger_to_item(record),
                ConditionExpression="attribute_not_exists(chargePointId)",
            )
            is not None
        )

    def record_boot(
        self, charge_point_id: str, boot: BootInfo, protocol: str, at: datetime
    ) -> ChargerRecord | None:
        # The boot report is the charger's current self-description: fields it no longer
        # reports are removed rather than left stale.
        expression, names, values = update_expression(
            {
                "vendor": boot.vendor,
                "model": boot.model,
                "serialNumber": boot.serial_number,
                "firmwareVersion": boot.firmware_version,
                "iccid": boot.iccid,
                "imsi": boot.imsi,
                "meterType": boot.meter_type,
                "meterSerialNumber": boot.meter_serial_number,
                "bootReason": boot.reason,
                "protocol": protocol,
                "lastBootAt": iso_utc(at),
            }
        )
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        if response is None:
            return None
        return charger_from_item(response["Attributes"])

    def attach_connection(
        self, charge_point_id: str, connection_id: str, protocol: str, connected_at_ms: int
    ) -> bool:
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(charge_point_id),
                UpdateExpression=(
                    "SET connectionId = :c, protocol = :p, connectedAt = :at, connectedAtMs = :ms"
                ),
                ConditionExpression=(
                    "attribute_exists(chargePointId) AND "
                    "(attribute_not_exists(connectedAtMs) OR connectedAtMs <= :ms)"
                ),
                ExpressionAttributeValues={
                    ":c": to_attr(connection_id),
                    ":p": to_attr(protocol),
                    ":at": to_attr(iso_utc(from_epoch_ms(connected_at_ms))),
                    ":ms": to_attr(connected_at_ms),
                },
            )
            is not None
        )

    def record_status_report(self, charge_point_id: str, kind: str, status: str, at: str) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="SET #s = :s, #at = :at",
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeNames={"#s": f"{kind}Status", "#at": f"{kind}StatusAt"},
            ExpressionAttributeValues={":s": to_attr(status), ":at": to_attr(at)},
        )

    def set_local_list_version(self, charge_point_id: str, version: int) -> None:
        conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id),
            UpdateExpression="SET localListVersion = :v",
            ConditionExpression="attribute_exists(chargePointId)",
            ExpressionAttributeValues={":v": to_attr(version)},
        )

    def detach_connection(self, charge_point_id: str, connection_id: str, at: datetime) -> bool:
        return (
            conditional(
                self._client.update_item,
                TableName=self._table,
                Key=self._key(charge_point_id),
                UpdateExpression="REMOVE connectionId SET disconnectedAt = :at",
                ConditionExpression="connectionId = :c",
                ExpressionAttributeValues={
                    ":c": to_attr(connection_id),
                    ":at": to_attr(iso_utc(at)),
                },
            )
            is not None
        )


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
            connected_at=values["connectedAt"],
            connected_at_ms=int(values["connectedAtMs"]),
            expires_at=int(values["expiresAt"]),
        )

    def delete(self, connection_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"connectionId": {"S": connection_id}})


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
