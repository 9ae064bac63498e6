"""The in-memory outbox index: since when each record has been waiting for its events."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class MemoryOutbox(Generic[K]):
    """What DynamoDB's sparse Outbox index holds: the keys of records whose `unpublished` set
    is not empty, with the time the oldest waiting event was marked."""

    def __init__(self) -> None:
        self.since_ms: dict[K, int] = {}
        self._lock = threading.Lock()

    def note(self, key: K, unpublished: frozenset[str]) -> None:
        with self._lock:
            if not unpublished:
                self.since_ms.pop(key, None)
            elif key not in self.since_ms:
                self.since_ms[key] = time.time_ns() // 1_000_000

    def before(self, marked_before_ms: int) -> list[K]:
        with self._lock:
            return [key for key, since in self.since_ms.items() if since < marked_before_ms]
