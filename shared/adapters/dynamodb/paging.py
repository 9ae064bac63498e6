"""Paging over DynamoDB reads with opaque cursors bound to the listing that issued them.

A cursor is the DynamoDB key of the last item read. Before it is handed back to DynamoDB as
ExclusiveStartKey it must name exactly the listing's key attributes and, for a query, the same
partition: otherwise a cursor of another listing (or a forged one) would reach DynamoDB and come
back as a ValidationException instead of a 400.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from shared.adapters.aws_clients import error_code
from shared.adapters.dynamodb.items import from_item, to_item
from shared.ports.paging import InvalidCursor

# Reads per page at most: a filtered page may come back short rather than read on and on.
MAX_READS_PER_PAGE = 4


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    """DynamoDB's LastEvaluatedKey as an opaque, URL-safe cursor."""
    if not key:
        return None
    raw = json.dumps(from_item(key), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


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


def start_key(
    cursor: str | None,
    key_names: Iterable[str],
    partition: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The DynamoDB ExclusiveStartKey of `cursor`, checked against the listing's key shape."""
    key = decode_cursor(cursor)
    if key is None:
        return None
    values = from_item(key)
    if set(values) != set(key_names) or not all(
        isinstance(v, (str, int)) and not isinstance(v, bool) for v in values.values()
    ):
        raise InvalidCursor("the cursor does not belong to this listing")
    for name, expected in (partition or {}).items():
        if values.get(name) != expected:
            raise InvalidCursor("the cursor does not belong to this listing")
    return key


def cursor_from_key(values: Mapping[str, Any]) -> str:
    """A cursor for plain key values (the in-memory fakes use the same format)."""
    cursor = encode_cursor(to_item(dict(values)))
    assert cursor is not None
    return cursor


def key_values(
    cursor: str | None, key_names: Iterable[str], partition: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """Plain key values of a checked cursor (for the in-memory fakes)."""
    key = start_key(cursor, key_names, partition)
    return None if key is None else from_item(key)


def read_page(
    read: Callable[..., dict[str, Any]],
    request: dict[str, Any],
    limit: int,
    start: dict[str, Any] | None,
    key_names: Sequence[str],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to `limit` items of a Query/Scan (with a filter) and the key to continue from."""
    items: list[dict[str, Any]] = []
    last = start
    for _ in range(MAX_READS_PER_PAGE):
        call = {**request, "Limit": limit}
        if last:
            call["ExclusiveStartKey"] = last
        try:
            response = read(**call)
        except Exception as exc:
            if last is start and start is not None and error_code(exc) == "ValidationException":
                raise InvalidCursor("the cursor does not belong to this listing") from exc
            raise
        items += response.get("Items", [])
        last = response.get("LastEvaluatedKey")
        if len(items) > limit:
            # Continue right after the last item handed out, not after the last one read.
            items = items[:limit]
            last = {name: items[-1][name] for name in key_names}
            break
        if not last or len(items) == limit:
            break
    return items, last


def filters(clauses: list[str], names: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {}
    if clauses:
        request["FilterExpression"] = " AND ".join(clauses)
    if names:
        request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = values
    return request
