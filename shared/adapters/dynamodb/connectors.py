"""The Connectors table: each connector's latest status (and, written by the sessions
adapter, its active session)."""

from __future__ import annotations

from typing import Any

from shared.adapters.aws_clients import error_code
from shared.adapters.dynamodb.items import (
    CONDITION_FAILED,
    from_item,
    query_all,
    scan_all,
    to_attr,
    update_expression,
)
from shared.adapters.dynamodb.outbox import TableOutbox, with_outbox
from shared.models.connection import ConnectorStatus, StatusChange

_STATUS_ATTRIBUTES = (
    "chargePointId",
    "evseId",
    "connectorId",
    "status",
    "errorCode",
    "info",
    "vendorId",
    "vendorErrorCode",
    "timestamp",
    "receivedAtMs",
    "chargingState",
)

# `previousStatus` of a connector's first status (stored: DynamoDB copies it in the write).
NO_STATUS = ""


def status_from_item(charge_point_id: str, values: dict[str, Any]) -> ConnectorStatus:
    return ConnectorStatus(
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
        previous_status=values.get("previousStatus") or None,
        unpublished=values.get("unpublished", frozenset()),
        charging_state=values.get("chargingState"),
    )


class DynamoConnectorRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._outbox = TableOutbox(client, table_name)

    def _key(self, charge_point_id: str, connector_key: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}, "connectorKey": {"S": connector_key}}

    def apply_status(self, status: ConnectorStatus, change_events: frozenset[str]) -> StatusChange:
        """One conditional write: "not older, and a change". It stores the report with its
        marker and the status it replaces as `previousStatus` (read by DynamoDB from the item
        it updates). When the condition fails, the item it failed on (returned with the
        failure) tells an older report from a repeat; a repeat writes nothing, so the stored
        report stays the change's own and the change's event is the same whenever it is
        built."""
        key = self._key(status.charge_point_id, status.connector_key)
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
        names |= {
            "#status": "status",
            "#error": "errorCode",
            "#received": "receivedAtMs",
            "#previous": "previousStatus",
        }
        values |= {
            ":status": to_attr(status.status),
            ":received": to_attr(status.received_at_ms),
            ":nothing": to_attr(NO_STATUS),
        }
        other_error = "attribute_exists(#error)"
        if status.error_code is not None:
            values[":error"] = to_attr(status.error_code)
            other_error = "(attribute_not_exists(#error) OR #error <> :error)"
        change = expression.replace("SET ", "SET #previous = if_not_exists(#status, :nothing), ", 1)
        stored, current = self._write(
            key,
            with_outbox(change, names, values, change_events),
            names,
            values,
            "(attribute_not_exists(#received) OR #received <= :received) AND "
            f"(attribute_not_exists(#status) OR #status <> :status OR {other_error})",
        )
        if stored is not None:
            return StatusChange(True, status_from_item(status.charge_point_id, stored))
        if int(current["receivedAtMs"]) > status.received_at_ms:
            return StatusChange(applied=False)
        return StatusChange(True, status_from_item(status.charge_point_id, current))

    def _write(
        self,
        key: dict[str, Any],
        expression: str,
        names: dict[str, str],
        values: dict[str, Any],
        condition: str,
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(the item as written, {}) or, when the condition failed, (None, the item it failed
        on: {} for a connector without an item)."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            return None, from_item(getattr(exc, "response", {}).get("Item") or {})
        return from_item(response["Attributes"]), {}

    def mark_published(
        self, charge_point_id: str, connector_key: str, detail_type: str, received_at_ms: int
    ) -> None:
        self._outbox.clear(
            self._key(charge_point_id, connector_key),
            detail_type,
            guard=("receivedAtMs", received_at_ms),
        )

    def mark_for_relay(self, charge_point_id: str, connector_key: str) -> None:
        key = self._key(charge_point_id, connector_key)
        self._outbox.enter(key, charge_point_id, connector_key)

    def marked(self, marked_before_ms: int) -> list[ConnectorStatus]:
        return [
            status_from_item(values["chargePointId"], values)
            for values in self._outbox.waiting(marked_before_ms)
            if "status" in values
        ]

    def record_charging_state(
        self, charge_point_id: str, connector_key: str, charging_state: str | None, at_ms: int
    ) -> bool:
        """`chargingState` and the moment it is as of (`chargingStateAtMs`) beside the status
        attributes, which stay as they are; a state as of a later moment wins."""
        values: dict[str, Any] = {":at": to_attr(at_ms)}
        expression = "SET chargingStateAtMs = :at"
        if charging_state is None:
            expression += " REMOVE chargingState"
        else:
            expression += ", chargingState = :state"
            values[":state"] = to_attr(charging_state)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(charge_point_id, connector_key),
                UpdateExpression=expression,
                ConditionExpression=(
                    "attribute_not_exists(chargingStateAtMs) OR chargingStateAtMs <= :at"
                ),
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise
            return False
        return True

    def list_for(self, charge_point_id: str) -> list[ConnectorStatus]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="chargePointId = :c",
            ExpressionAttributeValues={":c": {"S": charge_point_id}},
        )
        return [
            status_from_item(charge_point_id, values)
            for values in items
            # Items holding only an active-transaction pointer have no status report yet.
            if "status" in values
        ]

    def list_all(self) -> list[ConnectorStatus]:
        # A full Scan (eventually consistent), of the attributes a status has: the operator
        # overview. Items holding only an active-session pointer are left out.
        items = scan_all(
            self._client,
            TableName=self._table,
            ProjectionExpression=", ".join(f"#{n}" for n in _STATUS_ATTRIBUTES),
            ExpressionAttributeNames={f"#{n}": n for n in _STATUS_ATTRIBUTES},
        )
        return [
            status_from_item(values["chargePointId"], values)
            for values in map(from_item, items)
            if "status" in values
        ]
