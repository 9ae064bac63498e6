"""Opaque page cursors bound to the listing that issued them.

A cursor is the DynamoDB key of the last item read (see `encode_cursor`). Before it is handed
back to DynamoDB as ExclusiveStartKey it must name exactly the listing's key attributes and,
for a query, the same partition: otherwise a cursor of another listing (or a forged one) would
reach DynamoDB and come back as a ValidationException instead of a 400.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.adapters.dynamo_items import from_item, to_item
from shared.adapters.dynamodb_transactions import InvalidCursor, decode_cursor, encode_cursor

__all__ = ["InvalidCursor", "cursor_from_key", "key_values", "start_key"]


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
