"""DynamoDB implementations of the id-tag, session, event-log and energy ports."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import fields
from typing import Any

from shared.adapters.dynamo_items import (
    camel,
    conditional,
    from_item,
    to_attr,
    to_item,
    update_expression,
)
from shared.models.transaction import START_FIELDS, STOP_FIELDS, IdTagRecord, TransactionRecord
from shared.timeutil import iso_utc, utc_now

_TX_FIELDS = {f.name: camel(f.name) for f in fields(TransactionRecord)}
_TX_FIELDS_BY_ATTR = {v: k for k, v in _TX_FIELDS.items()}


def transaction_to_item(record: TransactionRecord) -> dict[str, Any]:
    return to_item({_TX_FIELDS[k]: getattr(record, k) for k in _TX_FIELDS})


def transaction_from_item(item: dict[str, Any]) -> TransactionRecord:
    values = from_item(item)
    return TransactionRecord(
        **{_TX_FIELDS_BY_ATTR[k]: v for k, v in values.items() if k in _TX_FIELDS_BY_ATTR}
    )


class DynamoIdTagRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, id_tag: str) -> IdTagRecord | None:
        item = self._client.get_item(TableName=self._table, Key={"idTag": {"S": id_tag}}).get(
            "Item"
        )
        return self._record(from_item(item)) if item else None

    def list_page(
        self, limit: int, cursor: str | None = None
    ) -> tuple[list[IdTagRecord], str | None]:
        # A bounded page of a scan: an operator listing, never a hot path.
        kwargs: dict[str, Any] = {"TableName": self._table, "Limit": limit}
        start = decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = self._client.scan(**kwargs)
        records = [self._record(from_item(item)) for item in response.get("Items", [])]
        return records, encode_cursor(response.get("LastEvaluatedKey"))

    def delete(self, id_tag: str) -> bool:
        response = self._client.delete_item(
            TableName=self._table, Key={"idTag": {"S": id_tag}}, ReturnValues="ALL_OLD"
        )
        return bool(response.get("Attributes"))

    @staticmethod
    def _record(values: dict[str, Any]) -> IdTagRecord:
        return IdTagRecord(
            id_tag=values["idTag"],
            status=values.get("status", "Invalid"),
            expiry_date=values.get("expiryDate"),
            parent_id_tag=values.get("parentIdTag"),
            owner_id=values.get("ownerId"),
            token_type=values.get("tokenType"),
        )

    def put(self, record: IdTagRecord) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "idTag": record.id_tag,
                    "status": record.status,
                    "expiryDate": record.expiry_date,
                    "parentIdTag": record.parent_id_tag,
                    "ownerId": record.owner_id,
                    "tokenType": record.token_type,
                }
            ),
        )


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    """DynamoDB's LastEvaluatedKey as an opaque, URL-safe cursor."""
    if not key:
        return None
    raw = json.dumps(from_item(key), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class InvalidCursor(ValueError):
    pass


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, dict):
            raise TypeError("not an object")
        return to_item(values)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("the cursor is not one this API issued") from exc


class DynamoTransactionRepository:
    def __init__(self, client: Any, table_name: str, connectors_table: str) -> None:
        self._client = client
        self._table = table_name
        self._connectors = connectors_table

    def _key(self, charge_point_id: str, transaction_id: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}, "transactionId": {"S": transaction_id}}

    def _update(self, **kwargs: Any) -> dict[str, Any] | None:
        return conditional(self._client.update_item, TableName=self._table, **kwargs)

    def get(self, charge_point_id: str, transaction_id: str) -> TransactionRecord | None:
        item = self._client.get_item(
            TableName=self._table,
            Key=self._key(charge_point_id, transaction_id),
            ConsistentRead=True,
        ).get("Item")
        return transaction_from_item(item) if item else None

    def create(self, record: TransactionRecord) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=transaction_to_item(record),
                ConditionExpression="attribute_not_exists(transactionId)",
            )
            is not None
        )

    def record_start(self, record: TransactionRecord) -> TransactionRecord | None:
        values = {_TX_FIELDS[f]: getattr(record, f) for f in START_FIELDS}
        expression, names, attr_values = update_expression(values, remove_none=False)
        names["#status"] = "status"
        names["#startedAt"] = "startedAt"
        attr_values[":active"] = to_attr("active")
        expression += ", #status = if_not_exists(#status, :active)"
        response = self._update(
            Key=self._key(record.charge_point_id, record.transaction_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_not_exists(#startedAt)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=attr_values,
            ReturnValues="ALL_NEW",
        )
        return transaction_from_item(response["Attributes"]) if response else None

    def claim_connector(
        self, charge_point_id: str, connector_key: str, transaction_id: str, started_at_ms: int
    ) -> str | None:
        response = conditional(
            self._client.update_item,
            TableName=self._connectors,
            Key={
                "chargePointId": {"S": charge_point_id},
                "connectorKey": {"S": connector_key},
            },
            UpdateExpression="SET activeTransactionId = :tx, activeSinceMs = :ms",
            ConditionExpression="attribute_not_exists(activeSinceMs) OR activeSinceMs <= :ms",
            ExpressionAttributeValues={
                ":tx": to_attr(transaction_id),
                ":ms": to_attr(started_at_ms),
            },
            ReturnValues="ALL_OLD",
        )
        if response is None:
            return None
        previous = from_item(response.get("Attributes", {})).get("activeTransactionId")
        return str(previous) if previous is not None else None

    def mark_replaced(
        self, charge_point_id: str, transaction_id: str, replaced_by: str, at: str
    ) -> bool:
        return (
            self._update(
                Key=self._key(charge_point_id, transaction_id),
                UpdateExpression="SET #status = :replaced, replacedBy = :by, replacedAt = :at",
                ConditionExpression="#status = :active AND attribute_not_exists(stoppedAt)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":replaced": to_attr("replaced"),
                    ":active": to_attr("active"),
                    ":by": to_attr(replaced_by),
                    ":at": to_attr(at),
                },
            )
            is not None
        )

    def finish(self, record: TransactionRecord) -> bool:
        values = {_TX_FIELDS[f]: getattr(record, f) for f in STOP_FIELDS}
        expression, names, attr_values = update_expression(values)
        names["#stoppedAtGuard"] = "stoppedAt"
        return (
            self._update(
                Key=self._key(record.charge_point_id, record.transaction_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(#stoppedAtGuard)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=attr_values,
            )
            is not None
        )

    def complete_orphan(self, record: TransactionRecord) -> bool:
        """A session whose stop arrived before its start: store the computed outcome."""
        values = {
            "status": record.status,
            "energyWh": record.energy_wh,
            "durationS": record.duration_s,
            "anomaly": record.anomaly,
        }
        expression, names, attr_values = update_expression(values)
        attr_values[":orphan"] = to_attr("orphan")
        status_name = next(k for k, v in names.items() if v == "status")
        return (
            self._update(
                Key=self._key(record.charge_point_id, record.transaction_id),
                UpdateExpression=expression,
                ConditionExpression=f"{status_name} = :orphan",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=attr_values,
            )
            is not None
        )

    def record_meter_progress(
        self, charge_point_id: str, transaction_id: str, energy_wh: int, at: str
    ) -> TransactionRecord | None:
        response = self._update(
            Key=self._key(charge_point_id, transaction_id),
            UpdateExpression="SET lastMeterWh = :wh, lastMeterAt = :at",
            ConditionExpression=(
                "attribute_exists(transactionId) AND "
                "(attribute_not_exists(lastMeterAt) OR lastMeterAt < :at)"
            ),
            ExpressionAttributeValues={":wh": to_attr(energy_wh), ":at": to_attr(at)},
            ReturnValues="ALL_NEW",
        )
        if response is None:
            return None
        return transaction_from_item(response["Attributes"])


class DynamoTransactionEventLog:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def first_time(
        self, charge_point_id: str, transaction_id: str, seq_no: int, expires_at: int
    ) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=to_item(
                    {
                        "transactionKey": f"{charge_point_id}#{transaction_id}",
                        "seqNo": seq_no,
                        "expiresAt": expires_at,
                    }
                ),
                ConditionExpression="attribute_not_exists(seqNo)",
            )
            is not None
        )


class DynamoEnergyLedger:
    def __init__(self, client: Any, transactions_table: str, energy_table: str) -> None:
        self._client = client
        self._transactions = transactions_table
        self._energy = energy_table

    def add_session_once(
        self, charge_point_id: str, transaction_id: str, day: str, energy_wh: int
    ) -> bool:
        now = iso_utc(utc_now())
        marker = {
            "TableName": self._transactions,
            "Key": {
                "chargePointId": {"S": charge_point_id},
                "transactionId": {"S": transaction_id},
            },
            "UpdateExpression": "SET rolledUpAt = :now",
            "ConditionExpression": (
                "attribute_exists(transactionId) AND attribute_not_exists(rolledUpAt)"
            ),
            "ExpressionAttributeValues": {":now": to_attr(now)},
        }
        sums = {
            "TableName": self._energy,
            "Key": {"chargePointId": {"S": charge_point_id}, "day": {"S": day}},
            "UpdateExpression": "ADD energyWh :e, sessions :one SET updatedAt = :now",
            "ExpressionAttributeValues": {
                ":e": to_attr(energy_wh),
                ":one": to_attr(1),
                ":now": to_attr(now),
            },
        }
        # One transaction: the session's "rolled up" marker and the day's sums move together,
        # so a redelivered event cannot count the energy twice.
        written = conditional(
            self._client.transact_write_items,
            TransactItems=[{"Update": marker}, {"Update": sums}],
        )
        return written is not None

    def day_total(self, charge_point_id: str, day: str) -> tuple[int, int]:
        """(energy Wh, sessions) of a charger's day."""
        item = self._client.get_item(
            TableName=self._energy,
            Key={"chargePointId": {"S": charge_point_id}, "day": {"S": day}},
            ConsistentRead=True,
        ).get("Item")
        values = from_item(item) if item else {}
        return int(values.get("energyWh", 0)), int(values.get("sessions", 0))


class KinesisTelemetrySink:
    def __init__(self, client: Any, stream_name: str) -> None:
        self._client = client
        self._stream = stream_name

    def put(self, record: Any) -> None:
        self._client.put_record(
            StreamName=self._stream,
            Data=record.to_json().encode("utf-8"),
            PartitionKey=record.charge_point_id,
        )
