"""The outbox's storage on a table: the `unpublished` marker and the sparse `Outbox` index.

A write that makes a change adds its events' detail types to the item's `unpublished` set, in
the same write. Published, they are cleared. Only when publishing fails is the item stamped
with `outboxShard` and `outboxSince`, which puts it in the table's sparse, keys-only `Outbox`
index (infra/catalog.py) for the relay (functions/outbox_relay). A function that dies between
the write and the publish has not answered: the sender's retry finds the marker and publishes.
A change whose sender never retries (a command's reply) is stamped in its own write instead.
Clearing the last type removes the stamps too, so the index holds only what waits
(docs/adr/0019-outbox-relay.md).
"""

from __future__ import annotations

import hashlib
from typing import Any

from shared.adapters.dynamodb.items import conditional, from_item, to_attr
from shared.timeutil import to_epoch_ms, utc_now

OUTBOX_INDEX = "Outbox"
SHARD_ATTRIBUTE = "outboxShard"
SINCE_ATTRIBUTE = "outboxSince"
# Spreads the index's writes over partitions when many publishes fail at once (a bus outage
# at fleet scale).
OUTBOX_SHARDS = 4
# Index entries the relay reads from one table per run; the rest waits for the next run.
RELAY_PAGE = 400


def outbox_shard(*key_parts: str) -> str:
    digest = hashlib.sha256("|".join(key_parts).encode()).digest()
    return str(digest[0] % OUTBOX_SHARDS)


def outbox_attributes(detail_types: frozenset[str]) -> dict[str, Any]:
    """The marker's attribute for a new item (PutItem); none without events."""
    return {"unpublished": to_attr(detail_types)} if detail_types else {}


def with_outbox(
    expression: str,
    names: dict[str, str],
    values: dict[str, Any],
    detail_types: frozenset[str],
    relay_shard: str | None = None,
) -> str:
    """`expression` extended to store the marker in the same write (unchanged without events).
    `relay_shard`: also enter the Outbox index at once, for a change whose sender never retries
    (a charger's reply to a command): if the function dies before publishing, only the relay
    will find it."""
    if not detail_types:
        return expression
    names["#unpublished"] = "unpublished"
    values[":unpublished"] = to_attr(detail_types)
    if relay_shard is not None:
        names |= {"#outboxShard": SHARD_ATTRIBUTE, "#outboxSince": SINCE_ATTRIBUTE}
        values |= {
            ":outboxShard": to_attr(relay_shard),
            ":outboxSince": to_attr(to_epoch_ms(utc_now())),
        }
        stamp = (
            "#outboxShard = :outboxShard, #outboxSince = if_not_exists(#outboxSince, :outboxSince)"
        )
        if expression.startswith("SET "):
            expression = f"SET {stamp}, {expression[4:]}"
        else:
            expression = f"SET {stamp}" + (f" {expression}" if expression else "")
    return expression + " ADD #unpublished :unpublished"


class TableOutbox:
    """The outbox of one table, for its adapter: clear a published event, enter the relay's
    index, read what waits (strongly consistent)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _update(self, **kwargs: Any) -> dict[str, Any] | None:
        return conditional(self._client.update_item, TableName=self._table, **kwargs)

    def clear(
        self, key: dict[str, Any], detail_type: str, guard: tuple[str, Any] | None = None
    ) -> None:
        """One event published: delete its type; the last one takes the item out of the index.

        The common case (the item waits for this event only) is one conditional write;
        otherwise the type alone is deleted and the item stays in the index for the events
        still waiting. `guard` (attribute, value): clear only if the item still holds the state
        the event was built from; a record that changed since keeps the marker of its newer
        change.
        """
        names = {"#unpublished": "unpublished"}
        name = {":name": to_attr(detail_type)}
        guarded = ""
        if guard is not None:
            names["#guard"] = guard[0]
            name[":guard"] = to_attr(guard[1])
            guarded = " AND #guard = :guard"
        last = self._update(
            Key=key,
            UpdateExpression=f"REMOVE #unpublished, {SHARD_ATTRIBUTE}, {SINCE_ATTRIBUTE}",
            ConditionExpression=(
                "attribute_exists(#unpublished) AND size(#unpublished) = :one"
                " AND contains(#unpublished, :name)" + guarded
            ),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**name, ":one": to_attr(1)},
        )
        if last is not None:
            return
        self._update(
            Key=key,
            UpdateExpression="DELETE #unpublished :type",
            ConditionExpression="attribute_exists(#unpublished) AND contains(#unpublished, :name)"
            + guarded,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**name, ":type": {"SS": [detail_type]}},
        )

    def enter(self, key: dict[str, Any], *key_parts: str) -> None:
        """Put an item whose events could not be published into the Outbox index (once: the
        time of the first failure is kept). Nothing happens if its events were published
        since."""
        self._update(
            Key=key,
            UpdateExpression=(
                f"SET {SHARD_ATTRIBUTE} = :shard, "
                f"{SINCE_ATTRIBUTE} = if_not_exists({SINCE_ATTRIBUTE}, :since)"
            ),
            ConditionExpression="attribute_exists(unpublished)",
            ExpressionAttributeValues={
                ":shard": to_attr(outbox_shard(*key_parts)),
                ":since": to_attr(to_epoch_ms(utc_now())),
            },
        )

    def waiting(self, marked_before_ms: int) -> list[dict[str, Any]]:
        """The items in the index since before `marked_before_ms` that still wait for events
        (index entries left without any, by two clears that raced, are removed on the way).
        One Scan of the sparse index (it holds only what waits, so this reads next to
        nothing), at most RELAY_PAGE entries a run; the rest waits for the next one."""
        response = self._client.scan(
            TableName=self._table,
            IndexName=OUTBOX_INDEX,
            FilterExpression=f"{SINCE_ATTRIBUTE} < :before",
            ExpressionAttributeValues={":before": to_attr(marked_before_ms)},
            Limit=RELAY_PAGE,
        )
        items = []
        for entry in response.get("Items", []):
            key = {k: v for k, v in entry.items() if k not in (SHARD_ATTRIBUTE, SINCE_ATTRIBUTE)}
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get(
                "Item"
            )
            if item is None:
                continue
            if "unpublished" in item:
                items.append(from_item(item))
            else:
                self._update(
                    Key=key,
                    UpdateExpression=f"REMOVE {SHARD_ATTRIBUTE}, {SINCE_ATTRIBUTE}",
                    ConditionExpression="attribute_not_exists(unpublished)",
                )
        return items
