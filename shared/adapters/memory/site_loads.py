"""In-memory site load state, for unit tests and the local memory store: the same conditions
as the DynamoDB adapter (revisions, newer-wins live states and allocations), under one lock.
Documents are copied through JSON on the way in, as DynamoDB stores them: a caller's later
change to its dict never reaches the store."""

from __future__ import annotations

import json
import threading
from typing import Any

from shared.ports.site_loads import (
    Document,
    EvseAddress,
    SiteRecords,
    StoredAllocation,
    StoredLive,
    StoredModel,
)


def _copy(document: Document) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(document, allow_nan=False))
    return copied


class MemorySiteLoadStore:
    def __init__(self) -> None:
        self.models: dict[str, StoredModel] = {}
        self.live: dict[str, dict[EvseAddress, StoredLive]] = {}
        self.allocations: dict[str, StoredAllocation] = {}
        self._lock = threading.Lock()

    def snapshot(self, site_id: str) -> SiteRecords:
        with self._lock:
            return SiteRecords(
                self.models.get(site_id),
                dict(self.live.get(site_id, {})),
                self.allocations.get(site_id),
            )

    def get_model(self, site_id: str) -> StoredModel | None:
        return self.models.get(site_id)

    def put_model(
        self, site_id: str, document: Document, expected_revision: int | None, updated_at: str
    ) -> StoredModel | None:
        with self._lock:
            current = self.models.get(site_id)
            if (current.revision if current else None) != expected_revision:
                return None
            revision = 1 if expected_revision is None else expected_revision + 1
            stored = StoredModel(site_id, _copy(document), revision, updated_at)
            self.models[site_id] = stored
            return stored

    def delete_model(self, site_id: str, expected_revision: int) -> bool:
        with self._lock:
            current = self.models.get(site_id)
            if current is None or current.revision != expected_revision:
                return False
            del self.models[site_id]
            self.allocations.pop(site_id, None)
            return True

    def put_live(
        self, site_id: str, address: EvseAddress, live: Document, event_at_ms: int
    ) -> bool:
        with self._lock:
            states = self.live.setdefault(site_id, {})
            current = states.get(address)
            if current is not None and current.event_at_ms >= event_at_ms:
                return False
            states[address] = StoredLive(_copy(live), event_at_ms)
            return True

    def put_allocation(self, site_id: str, document: Document, at_ms: int) -> bool:
        with self._lock:
            current = self.allocations.get(site_id)
            if current is not None and current.at_ms >= at_ms:
                return False
            self.allocations[site_id] = StoredAllocation(_copy(document), at_ms)
            return True
