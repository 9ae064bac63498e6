"""In-memory site load state, for unit tests and the local memory store: the same conditions
as the DynamoDB adapter (revisions, newer-wins live states and allocations), under one lock."""

from __future__ import annotations

import threading

from shared.ports.site_loads import (
    AllocationWithoutTime,
    EvseAddress,
    LiveState,
    SiteSnapshot,
    StoredSite,
    model_document,
)
from shared.smart_charging.allocation import Allocation
from shared.smart_charging.site import EvseLive, Site
from shared.timeutil import to_epoch_ms


class MemorySiteLoadStore:
    def __init__(self) -> None:
        self.models: dict[str, StoredSite] = {}
        self.live: dict[str, dict[EvseAddress, LiveState]] = {}
        self.allocations: dict[str, tuple[int, Allocation]] = {}
        self._lock = threading.Lock()

    def snapshot(self, site_id: str) -> SiteSnapshot:
        with self._lock:
            allocation = self.allocations.get(site_id)
            return SiteSnapshot(
                self.models.get(site_id),
                dict(self.live.get(site_id, {})),
                allocation[1] if allocation else None,
            )

    def get_model(self, site_id: str) -> StoredSite | None:
        return self.models.get(site_id)

    def put_model(
        self, site: Site, expected_revision: int | None, updated_at: str
    ) -> StoredSite | None:
        with self._lock:
            current = self.models.get(site.id)
            if (current.revision if current else None) != expected_revision:
                return None
            revision = 1 if expected_revision is None else expected_revision + 1
            stored = StoredSite(Site.from_dict(model_document(site)), revision, updated_at)
            self.models[site.id] = stored
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
        self, site_id: str, address: EvseAddress, live: EvseLive, event_at_ms: int
    ) -> bool:
        with self._lock:
            states = self.live.setdefault(site_id, {})
            current = states.get(address)
            if current is not None and current.event_at_ms >= event_at_ms:
                return False
            states[address] = LiveState(live, event_at_ms)
            return True

    def put_allocation(self, site_id: str, allocation: Allocation) -> bool:
        if allocation.at is None:
            raise AllocationWithoutTime("an allocation is stored with its time")
        at_ms = to_epoch_ms(allocation.at)
        with self._lock:
            current = self.allocations.get(site_id)
            if current is not None and current[0] >= at_ms:
                return False
            # Stored as its plain form would be: what a reader gets back is what DynamoDB gives.
            self.allocations[site_id] = (at_ms, Allocation.from_dict(allocation.to_dict()))
            return True
