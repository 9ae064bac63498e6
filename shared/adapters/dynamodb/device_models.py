"""The DeviceModels table (docs/adr/0037-device-model.md): per station, one item per reported
variable (`v|<component>|<instance>|<evse>|<connector>|<variable>|<instance>`, names
case-folded) and one per report (`r|<requestId>`) holding which parts arrived.

Attributes and characteristics are kept as JSON text: their limits are JSON numbers of any
size (DynamoDB numbers are not), and they are only ever read back whole."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from shared.adapters.dynamodb.items import from_attr, query_all, to_item
from shared.ports.device_models import (
    REPORT_PREFIX,
    VARIABLE_PREFIX,
    ReportProgress,
    VariableEntry,
    component_prefix,
)

# BatchWriteItem takes at most 25 requests.
BATCH = 25
RETRIES = 8


def _entry(values: dict[str, Any]) -> VariableEntry:
    characteristics = values.get("characteristics")
    return VariableEntry(
        component=values["component"],
        component_instance=values.get("componentInstance"),
        evse_id=values.get("evseId"),
        connector_id=values.get("connectorId"),
        variable=values["variable"],
        variable_instance=values.get("variableInstance"),
        attributes=tuple(json.loads(values.get("attributes", "[]"))),
        characteristics=json.loads(characteristics) if characteristics else None,
        request_id=int(values["requestId"]),
        reported_at=values["reportedAt"],
        received_at=values["receivedAt"],
    )


def _progress(item: dict[str, Any]) -> ReportProgress:
    parts = item.get("parts", {}).get("NS", [])
    last = item.get("lastSeqNo")
    return ReportProgress(
        request_id=int(item["requestId"]["N"]),
        parts=frozenset(int(p) for p in parts),
        last_seq_no=int(from_attr(last)) if last else None,
        started_at=item["startedAt"]["S"],
        updated_at=item["updatedAt"]["S"],
    )


class DynamoDeviceModelStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_variables(self, charge_point_id: str, entries: Sequence[VariableEntry]) -> None:
        # One item per variable; a variable named twice in one part is written once (the last).
        items = {
            entry.key: to_item(
                {
                    "chargePointId": charge_point_id,
                    "entryKey": entry.key,
                    "component": entry.component,
                    "componentInstance": entry.component_instance,
                    "evseId": entry.evse_id,
                    "connectorId": entry.connector_id,
                    "variable": entry.variable,
                    "variableInstance": entry.variable_instance,
                    "attributes": json.dumps(list(entry.attributes), separators=(",", ":")),
                    "characteristics": json.dumps(entry.characteristics, separators=(",", ":"))
                    if entry.characteristics is not None
                    else None,
                    "requestId": entry.request_id,
                    "reportedAt": entry.reported_at,
                    "receivedAt": entry.received_at,
                }
            )
            for entry in entries
        }
        requests = [{"PutRequest": {"Item": item}} for item in items.values()]
        for start in range(0, len(requests), BATCH):
            self._batch(requests[start : start + BATCH])

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        pending = requests
        for attempt in range(RETRIES):
            response = self._client.batch_write_item(RequestItems={self._table: pending})
            pending = response.get("UnprocessedItems", {}).get(self._table, [])
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 1.0))
        # Not acknowledged: the station resends the part and it is written again.
        raise RuntimeError(f"{len(pending)} device model items left unprocessed")

    def record_part(
        self, charge_point_id: str, request_id: int, seq_no: int, last: bool, at: str
    ) -> ReportProgress:
        values: dict[str, Any] = {
            ":id": {"N": str(request_id)},
            ":at": {"S": at},
            ":part": {"NS": [str(seq_no)]},
        }
        if seq_no == 0:
            # The first part starts the report afresh (a requestId may be used again).
            sets = ["requestId = :id", "startedAt = :at", "updatedAt = :at", "parts = :part"]
            expression = "SET " + ", ".join(sets)
            if last:
                expression += ", lastSeqNo = :last"
            else:
                expression += " REMOVE lastSeqNo"
        else:
            sets = ["requestId = :id", "startedAt = if_not_exists(startedAt, :at)"]
            sets.append("updatedAt = :at")
            if last:
                sets.append("lastSeqNo = :last")
            expression = "SET " + ", ".join(sets) + " ADD parts :part"
        if last:
            values[":last"] = {"N": str(seq_no)}
        response = self._client.update_item(
            TableName=self._table,
            Key={
                "chargePointId": {"S": charge_point_id},
                "entryKey": {"S": f"{REPORT_PREFIX}{request_id}"},
            },
            UpdateExpression=expression,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return _progress(response["Attributes"])

    def variables(self, charge_point_id: str, component: str | None = None) -> list[VariableEntry]:
        prefix = component_prefix(component) if component is not None else VARIABLE_PREFIX
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="chargePointId = :c AND begins_with(entryKey, :p)",
            ExpressionAttributeValues={":c": {"S": charge_point_id}, ":p": {"S": prefix}},
        )
        return [_entry(values) for values in items]

    def reports(self, charge_point_id: str) -> list[ReportProgress]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "chargePointId = :c AND begins_with(entryKey, :p)",
            "ExpressionAttributeValues": {
                ":c": {"S": charge_point_id},
                ":p": {"S": REPORT_PREFIX},
            },
        }
        while True:
            response = self._client.query(**kwargs)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return [_progress(item) for item in items]
