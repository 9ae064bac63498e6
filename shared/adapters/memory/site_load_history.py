"""A site's load history in memory, for unit tests and the local memory store: one sample per
site and UTC minute (a later one replaces it), read back by minute range, under one lock.
Expiry is not modelled: the 8 days are the DynamoDB TTL's business."""

from __future__ import annotations

import threading
from datetime import datetime

from shared.ports.site_load_history import AllocationLoads, LoadSample, minute_of, sample_of


class MemorySiteLoadHistory:
    def __init__(self) -> None:
        self.sites: dict[str, dict[datetime, LoadSample]] = {}
        self._lock = threading.Lock()

    def record(self, site_id: str, view: AllocationLoads, at: datetime) -> None:
        sample = sample_of(view, at)
        with self._lock:
            self.sites.setdefault(site_id, {})[sample.at] = sample

    def samples(self, site_id: str, since: datetime, until: datetime) -> list[LoadSample]:
        first, last = minute_of(since), minute_of(until)
        with self._lock:
            kept = self.sites.get(site_id, {})
            return [kept[minute] for minute in sorted(kept) if first <= minute <= last]
