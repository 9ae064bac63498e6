"""The Connectors table: each connector's latest status (and, written by the sessions
adapter, its active session)."""

from __future__ import annotations

from typing import Any

from shared.adapters.aws_clients import error_code
from shared.adapters.dynamodb.items import (
    CONDITION_FAILED,
    from_item,
    query_all,
    to_attr,
    update_expression,
)
from shared.adapters.dynamodb.outbox import clear_marker, marked_items, outbox_shard, with_outbox
from shared.models.connection import ConnectorStatus, StatusChange

# A report and a concurrent change of the same connector: how often the write is tried again
# after the status it expected moved under it.
CHANGE_ATTEMPTS = 3


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
        previous_status=values.get("previousStatus"),
        unpublished=values.get("unpublished", frozenset()),
    )


class DynamoConnectorRepository:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, charge_point_id: str, connector_key: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}, "connectorKey": {"S": connector_key}}

    def apply_status(self, status: ConnectorStatus, change_events: frozenset[str]) -> StatusChange:
        """A repeat first (most reports repeat the status after a reconnect): one write whose
        condition is "same status and error code, not older", storing only its receipt time.
        If that fails, the item it failed on (returned with the failure, no read) tells an
        older report from a change; a change is written with its marker, on condition that the
        status it replaces is still the stored one."""
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
        names |= {"#status": "status", "#received": "receivedAtMs"}
        values[":received"] = to_attr(status.received_at_ms)
        not_older = "(attribute_not_exists(#received) OR #received <= :received)"

        # A repeat only moves the receipt time: the stored report stays the change's own (its
        # timestamp says since when), so the change's event is the same whenever it is built.
        repeat_names = {"#status": "status", "#received": "receivedAtMs", "#error": "errorCode"}
        repeat_values = {":status": to_attr(status.status), ":received": values[":received"]}
        same_error = "attribute_not_exists(#error)"
        if status.error_code is not None:
            repeat_values[":error"] = to_attr(status.error_code)
            same_error = "#error = :error"
        stored, current = self._write(
            key,
            "SET #received = :received",
            repeat_names,
            repeat_values,
            f"{not_older} AND #status = :status AND {same_error}",
        )
        shard = outbox_shard(status.charge_point_id, status.connector_key)
        for _ in range(CHANGE_ATTEMPTS):
            if stored is not None:
                return StatusChange(True, status_from_item(status.charge_point_id, stored))
            if int(current.get("receivedAtMs", -1)) > status.received_at_ms:
                return StatusChange(applied=False)
            previous = current.get("status")
            change_names, change_values = dict(names), dict(values)
            change = expression
            expected = "attribute_not_exists(#status)"
            if previous is not None:
                expected = "#status = :before"
                change = change.replace("SET ", "SET #previous = :before, ", 1)
                change_names["#previous"] = "previousStatus"
                change_values[":before"] = to_attr(previous)
            change = with_outbox(change, change_names, change_values, change_events, shard)
            stored, current = self._write(
                key, change, change_names, change_values, f"{not_older} AND {expected}"
            )
        raise RuntimeError(
            f"connector {status.charge_point_id}/{status.connector_key} kept changing; try again"
        )

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
        clear_marker(
            self._client,
            self._table,
            self._key(charge_point_id, connector_key),
            detail_type,
            guard=("receivedAtMs", received_at_ms),
        )

    def marked(self, marked_before_ms: int) -> list[ConnectorStatus]:
        items = marked_items(self._client, self._table, marked_before_ms, self._read)
        return [
            status_from_item(values["chargePointId"], values)
            for values in map(from_item, items)
            if "status" in values
        ]

    def _read(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._client.get_item(
            TableName=self._table, Key=key, ConsistentRead=True
        ).get("Item")
        return item

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
