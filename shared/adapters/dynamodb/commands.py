"""The Commands table (pending calls and outcomes) and the in-flight slot on the charger item.

A charger's history, newest first, comes from the ByCreated index (chargePointId, createdAt):
message ids are not time-ordered (uuid4, or ids a workflow chose), so the table's own sort key
cannot give it. The index holds the keys and the action (both never change), so a command is
written to it once, at creation; a page of the history reads the commands themselves with one
BatchGetItem (docs/adr/0035-operator-console-queries.md).
"""

from __future__ import annotations

import json
import time
from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_attr, to_item
from shared.adapters.dynamodb.outbox import TableOutbox, outbox_shard, with_outbox
from shared.adapters.dynamodb.paging import encode_cursor, read_page, start_key
from shared.models.command import CommandRecord
from shared.ports.paging import Page

BY_CREATED_INDEX = "ByCreated"
# A cursor of the history: the index entry's keys (the table's and the index's).
BY_CREATED_KEY = ("chargePointId", "createdAt", "messageId")
BATCH_GET_ATTEMPTS = 5
BATCH_GET_BACKOFF_S = 0.025


def _record(values: dict[str, Any]) -> CommandRecord:
    def _json(name: str) -> Any:
        raw = values.get(name)
        return json.loads(raw) if raw else None

    return CommandRecord(
        charge_point_id=values["chargePointId"],
        message_id=values["messageId"],
        action=values["action"],
        protocol=values["protocol"],
        status=values["status"],
        created_at=values["createdAt"],
        deadline_ms=int(values["deadlineMs"]),
        expires_at=int(values["expiresAt"]),
        payload=_json("payload") or {},
        result=_json("result"),
        error=_json("error"),
        completed_at=values.get("completedAt"),
        task_token=values.get("taskToken"),
        requested_by=values.get("requestedBy"),
        unpublished=values.get("unpublished", frozenset()),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class DynamoCommandStore:
    """Payloads are stored as JSON text: OCPP payloads hold lists and decimals."""

    def __init__(self, client: Any, commands_table: str, chargers_table: str) -> None:
        self._client = client
        self._table = commands_table
        self._chargers = chargers_table
        self._outbox = TableOutbox(client, commands_table)

    def _key(self, charge_point_id: str, message_id: str) -> dict[str, Any]:
        return {"chargePointId": {"S": charge_point_id}, "messageId": {"S": message_id}}

    def create(self, record: CommandRecord) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "chargePointId": record.charge_point_id,
                    "messageId": record.message_id,
                    "action": record.action,
                    "protocol": record.protocol,
                    "status": record.status,
                    "createdAt": record.created_at,
                    "deadlineMs": record.deadline_ms,
                    "expiresAt": record.expires_at,
                    "payload": _dumps(record.payload),
                    "taskToken": record.task_token,
                    "requestedBy": record.requested_by,
                }
            ),
            ConditionExpression="attribute_not_exists(messageId)",
        )

    def get(self, charge_point_id: str, message_id: str) -> CommandRecord | None:
        item = self._client.get_item(
            TableName=self._table, Key=self._key(charge_point_id, message_id), ConsistentRead=True
        ).get("Item")
        return _record(from_item(item)) if item else None

    def by_charger(
        self, charge_point_id: str, limit: int, cursor: str | None, action: str | None = None
    ) -> Page[CommandRecord]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_CREATED_INDEX,
            "KeyConditionExpression": "chargePointId = :c",
            "ExpressionAttributeValues": {":c": {"S": charge_point_id}},
            "ScanIndexForward": False,
        }
        if action is not None:
            request["FilterExpression"] = "#action = :action"
            request["ExpressionAttributeNames"] = {"#action": "action"}
            request["ExpressionAttributeValues"][":action"] = to_attr(action)
        start = start_key(cursor, BY_CREATED_KEY, {"chargePointId": charge_point_id})
        entries, last = read_page(self._client.query, request, limit, start, BY_CREATED_KEY)
        found = self._commands([{k: e[k] for k in ("chargePointId", "messageId")} for e in entries])
        # In the index's order; a command gone between the two reads (TTL) is left out.
        records = [found[e["messageId"]["S"]] for e in entries if e["messageId"]["S"] in found]
        return Page(records, encode_cursor(last))

    def _commands(self, keys: list[dict[str, Any]]) -> dict[str, CommandRecord]:
        """The commands of these keys (one charger's; at most 100: one BatchGetItem) by id."""
        found: dict[str, CommandRecord] = {}
        pending: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(BATCH_GET_ATTEMPTS):
            if not keys:
                break
            if attempt:
                time.sleep(BATCH_GET_BACKOFF_S * 2**attempt)
            response = self._client.batch_get_item(RequestItems=pending)
            for item in response.get("Responses", {}).get(self._table, []):
                record = _record(from_item(item))
                found[record.message_id] = record
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
        else:
            raise RuntimeError("DynamoDB left command reads unprocessed; try again")
        return found

    def complete(
        self,
        charge_point_id: str,
        message_id: str,
        status: str,
        at: str,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        unpublished: frozenset[str] = frozenset(),
    ) -> CommandRecord | None:
        values = {":status": to_attr(status), ":at": to_attr(at), ":pending": to_attr("pending")}
        sets = ["#status = :status", "completedAt = :at"]
        if result is not None:
            sets.append("#result = :result")
            values[":result"] = to_attr(_dumps(result))
        if error is not None:
            sets.append("#error = :error")
            values[":error"] = to_attr(_dumps(error))
        names = {"#status": "status"}
        if result is not None:
            names["#result"] = "result"
        if error is not None:
            names["#error"] = "error"
        response = conditional(
            self._client.update_item,
            TableName=self._table,
            Key=self._key(charge_point_id, message_id),
            # A reply is never sent again: the outcome enters the relay's index in its own write.
            UpdateExpression=with_outbox(
                "SET " + ", ".join(sets),
                names,
                values,
                unpublished,
                relay_shard=outbox_shard(charge_point_id, message_id),
            ),
            ConditionExpression="#status = :pending",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        if response is None:
            return None
        return _record(from_item(response["Attributes"]))

    def mark_published(self, charge_point_id: str, message_id: str, detail_type: str) -> None:
        self._outbox.clear(self._key(charge_point_id, message_id), detail_type)

    def mark_for_relay(self, charge_point_id: str, message_id: str) -> None:
        self._outbox.enter(self._key(charge_point_id, message_id), charge_point_id, message_id)

    def marked(self, marked_before_ms: int) -> list[CommandRecord]:
        return [_record(values) for values in self._outbox.waiting(marked_before_ms)]

    def acquire_slot(
        self, charge_point_id: str, message_id: str, deadline_ms: int, now_ms: int
    ) -> bool:
        return (
            conditional(
                self._client.update_item,
                TableName=self._chargers,
                Key={"chargePointId": {"S": charge_point_id}},
                UpdateExpression="SET inflightMessageId = :m, inflightDeadlineMs = :d",
                # The same command may take its own slot again: a send retried after its
                # slot was taken but before its record was written (the record's own
                # condition keeps a command from going out twice).
                ConditionExpression=(
                    "attribute_exists(chargePointId) AND "
                    "(attribute_not_exists(inflightMessageId) OR inflightDeadlineMs < :now "
                    "OR inflightMessageId = :m)"
                ),
                ExpressionAttributeValues={
                    ":m": to_attr(message_id),
                    ":d": to_attr(deadline_ms),
                    ":now": to_attr(now_ms),
                },
            )
            is not None
        )

    def slot_holder(self, charge_point_id: str) -> tuple[str, int] | None:
        item = self._client.get_item(
            TableName=self._chargers,
            Key={"chargePointId": {"S": charge_point_id}},
            ProjectionExpression="inflightMessageId, inflightDeadlineMs",
            ConsistentRead=True,
        ).get("Item")
        values = from_item(item) if item else {}
        if "inflightMessageId" not in values:
            return None
        return str(values["inflightMessageId"]), int(values["inflightDeadlineMs"])

    def release_slot(self, charge_point_id: str, message_id: str) -> None:
        conditional(
            self._client.update_item,
            TableName=self._chargers,
            Key={"chargePointId": {"S": charge_point_id}},
            UpdateExpression="REMOVE inflightMessageId, inflightDeadlineMs",
            ConditionExpression="inflightMessageId = :m",
            ExpressionAttributeValues={":m": to_attr(message_id)},
        )
