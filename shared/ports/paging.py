"""A page of a listing: at most `limit` items and an opaque cursor for the next page (None at
the end). A page may hold fewer items than asked even when more follow: filtered DynamoDB reads
are bounded per request, never a walk over the whole table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class InvalidCursor(ValueError):
    """A cursor this API did not issue, or one of another listing."""
