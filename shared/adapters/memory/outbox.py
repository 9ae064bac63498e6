"""The in-memory outbox index: records whose events could not be published, and since when."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

from shared.timeutil import to_epoch_ms, utc_now

K = TypeVar("K", bound=Hashable)


class MemoryOutbox(Generic[K]):
    """What DynamoDB's sparse Outbox index holds: the keys of records a failed publish put
    there (`enter`), until nothing waits on them any more (`note` with an empty set)."""

    def __init__(self) -> None:
        self.since_ms: dict[K, int] = {}
        self._lock = threading.Lock()

    def enter(self, key: K, unpublished: frozenset[str]) -> None:
        """A record's publish failed: it enters the index if events still wait on it (once:
        the time of the first failure is kept)."""
        if unpublished:
            with self._lock:
                self.since_ms.setdefault(key, to_epoch_ms(utc_now()))

    def note(self, key: K, unpublished: frozenset[str]) -> None:
        """A record was written: it leaves the index once nothing waits on it."""
        if not unpublished:
            with self._lock:
                self.since_ms.pop(key, None)

    def before(self, marked_before_ms: int) -> list[K]:
        with self._lock:
            return [key for key, since in self.since_ms.items() if since < marked_before_ms]
