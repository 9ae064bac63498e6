"""Pages over in-memory records, with the same opaque cursors as the DynamoDB adapters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from shared.adapters.dynamodb.paging import cursor_from_key
from shared.ports import Page

T = TypeVar("T")


def page_after(
    items: Iterable[T],
    key: Callable[[T], dict[str, Any]],
    order: Sequence[str],
    limit: int,
    after: dict[str, Any] | None,
    descending: bool = False,
) -> Page[T]:
    """Items sorted by the `order` attributes of their key, starting after the cursor's key."""

    def sort_key(values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[name] for name in order)

    ordered = sorted(items, key=lambda item: sort_key(key(item)), reverse=descending)
    if after is not None:
        mark = sort_key(after)
        ordered = [
            item
            for item in ordered
            if (sort_key(key(item)) < mark if descending else sort_key(key(item)) > mark)
        ]
    page = ordered[:limit]
    more = len(ordered) > limit
    return Page(page, cursor_from_key(key(page[-1])) if more and page else None)
