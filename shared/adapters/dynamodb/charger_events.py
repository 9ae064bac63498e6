"""The ChargerEvents table: a charger's reported events, keyed (chargePointId, `<kind>#<key>`).

A Put per event, never a condition: a resend carries the same key and overwrites the item with
the same content, which is what idempotent means here (docs/adr/0036-station-events.md).
Several entries of one NotifyEvent go in BatchWriteItem calls of up to 25 items.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from shared.adapters.dynamodb.items import from_item, to_item
from shared.adapters.dynamodb.paging import encode_cursor, read_page, start_key
from shared.models.charger_event import CHARGER_EVENT_KINDS, ChargerEvent, ChargerEventKind
from shared.ports import InvalidCursor, Page

KEY = ("chargePointId", "eventKey")
BATCH_SIZE = 25
BATCH_WRITE_ATTEMPTS = 5
BATCH_WRITE_BACKOFF_S = 0.05
_KINDS: dict[str, ChargerEventKind] = {kind: kind for kind in CHARGER_EVENT_KINDS}


def event_item(event: ChargerEvent) -> dict[str, Any]:
    return to_item(
        {
            "chargePointId": event.charge_point_id,
            "eventKey": event.sort_key,
            "timestamp": event.timestamp,
            "receivedAt": event.received_at,
            "detail": event.detail,
            "expiresAt": event.expires_at,
        }
    )


def event_of(item: dict[str, Any]) -> ChargerEvent:
    values = from_item(item)
    kind, _, key = str(values["eventKey"]).partition("#")
    return ChargerEvent(
        charge_point_id=values["chargePointId"],
        kind=_KINDS.get(kind, "event"),
        event_key=key,
        timestamp=values.get("timestamp", ""),
        received_at=values.get("receivedAt", ""),
        detail=values.get("detail", {}),
        expires_at=int(values.get("expiresAt", 0)),
    )


class DynamoChargerEventLog:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def record(self, events: Sequence[ChargerEvent]) -> None:
        if len(events) == 1:
            self._client.put_item(TableName=self._table, Item=event_item(events[0]))
            return
        # Two entries with one key (a charger repeating an eventId in one message): the last
        # wins, as it would with one Put each; BatchWriteItem refuses duplicate keys.
        items = list({e.sort_key: event_item(e) for e in events}.values())
        for start in range(0, len(items), BATCH_SIZE):
            self._write_batch(items[start : start + BATCH_SIZE])

    def _write_batch(self, items: list[dict[str, Any]]) -> None:
        pending: dict[str, Any] = {self._table: [{"PutRequest": {"Item": i}} for i in items]}
        for attempt in range(BATCH_WRITE_ATTEMPTS):
            if attempt:
                time.sleep(BATCH_WRITE_BACKOFF_S * 2**attempt)
            pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems")
            if not pending:
                return
        # Raised, so the charger gets an error and resends: nothing is acknowledged unstored.
        raise RuntimeError("DynamoDB left charger events unwritten; try again")

    def newest(
        self, charge_point_id: str, kind: ChargerEventKind, limit: int, cursor: str | None
    ) -> Page[ChargerEvent]:
        if kind not in CHARGER_EVENT_KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        start = start_key(cursor, KEY, {"chargePointId": charge_point_id})
        if start is not None and not start["eventKey"]["S"].startswith(f"{kind}#"):
            raise InvalidCursor("the cursor does not belong to this listing")
        request = {
            "TableName": self._table,
            "KeyConditionExpression": "chargePointId = :c AND begins_with(eventKey, :k)",
            # TTL deletion is lazy: an expired event is absent.
            "FilterExpression": "expiresAt > :now",
            "ExpressionAttributeValues": {
                ":c": {"S": charge_point_id},
                ":k": {"S": f"{kind}#"},
                ":now": {"N": str(int(time.time()))},
            },
            "ScanIndexForward": False,
        }
        items, last = read_page(self._client.query, request, limit, start, KEY)
        return Page([event_of(i) for i in items], encode_cursor(last))
