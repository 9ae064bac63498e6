"""The StartRequests table: one item per start request, keyed by charger and request id; the
sparse `Due` index (shard, dueAtMs) holds the open ones for the sweep."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from shared.adapters.dynamodb.items import (
    camel,
    conditional,
    from_item,
    query_all,
    to_attr,
    to_item,
    update_expression,
)
from shared.models.start_request import StartRequest, StartStatus

# One shard: the fleet's open start requests are a few per charger per day.
SWEEP_SHARD = "0"
_FIELDS = {f.name: camel(f.name) for f in dataclasses.fields(StartRequest)}
_ATTRIBUTES = {attribute: name for name, attribute in _FIELDS.items()}


def _item(request: StartRequest) -> dict[str, Any]:
    values = {_FIELDS[name]: value for name, value in dataclasses.asdict(request).items()}
    if request.due_at_ms is not None:
        values["sweepShard"] = SWEEP_SHARD
    return to_item(values)


def _request(values: dict[str, Any]) -> StartRequest:
    return StartRequest(**{_ATTRIBUTES[k]: v for k, v in values.items() if k in _ATTRIBUTES})


class DynamoStartRequestStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, charge_point_id: str, request_id: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}, "requestId": {"S": request_id}}

    def create(self, request: StartRequest) -> bool:
        return (
            conditional(
                self._client.put_item,
                TableName=self._table,
                Item=_item(request),
                ConditionExpression="attribute_not_exists(requestId)",
            )
            is not None
        )

    def get(self, charge_point_id: str, request_id: str) -> StartRequest | None:
        item = self._client.get_item(
            TableName=self._table,
            Key=self._key(charge_point_id, request_id),
            ConsistentRead=True,
        ).get("Item")
        return _request(from_item(item)) if item else None

    def transition(
        self,
        request: StartRequest,
        allowed_from: frozenset[StartStatus],
        changes: Mapping[str, Any],
    ) -> StartRequest | None:
        values = {_FIELDS[name]: value for name, value in changes.items()}
        if "due_at_ms" in changes:
            # In the sweep's index exactly while it has a due time.
            values["sweepShard"] = SWEEP_SHARD if changes["due_at_ms"] is not None else None
        expression, names, attribute_values = update_expression(values)
        statuses = sorted(allowed_from)
        names["#status"] = "status"
        for index, status in enumerate(statuses):
            attribute_values[f":from{index}"] = to_attr(status)
        allowed = ", ".join(f":from{index}" for index in range(len(statuses)))
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(request.charge_point_id, request.request_id),
            UpdateExpression=expression,
            ConditionExpression=f"#status IN ({allowed})",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=attribute_values,
            ReturnValues="ALL_NEW",
        )
        return _request(from_item(response["Attributes"])) if response else None

    def due(self, now_ms: int, limit: int, from_ms: int | None = None) -> list[StartRequest]:
        response = self._client.query(
            TableName=self._table,
            IndexName="Due",
            KeyConditionExpression="sweepShard = :shard AND dueAtMs BETWEEN :from AND :now",
            ExpressionAttributeValues={
                ":shard": {"S": SWEEP_SHARD},
                ":from": {"N": str(from_ms if from_ms is not None else 0)},
                ":now": {"N": str(now_ms)},
            },
            Limit=limit,
        )
        return [_request(from_item(item)) for item in response.get("Items", [])]

    def by_charger(self, charge_point_id: str, since_ms: int) -> list[StartRequest]:
        items = query_all(
            self._client,
            TableName=self._table,
            KeyConditionExpression="chargePointId = :cp AND requestId >= :since",
            ExpressionAttributeValues={
                ":cp": {"S": charge_point_id},
                ":since": {"S": f"r{since_ms:013d}"},
            },
            ScanIndexForward=False,
        )
        return [_request(item) for item in items]
