"""In-memory start requests."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from typing import Any

from shared.models.start_request import StartRequest, StartStatus


class MemoryStartRequestStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], StartRequest] = {}
        self._lock = threading.Lock()

    def create(self, request: StartRequest) -> bool:
        with self._lock:
            key = (request.charge_point_id, request.request_id)
            if key in self.records:
                return False
            self.records[key] = request
            return True

    def get(self, charge_point_id: str, request_id: str) -> StartRequest | None:
        return self.records.get((charge_point_id, request_id))

    def transition(
        self,
        request: StartRequest,
        allowed_from: frozenset[StartStatus],
        changes: Mapping[str, Any],
    ) -> StartRequest | None:
        with self._lock:
            key = (request.charge_point_id, request.request_id)
            stored = self.records.get(key)
            if stored is None or stored.status not in allowed_from:
                return None
            updated = self.records[key] = dataclasses.replace(stored, **changes)
            return updated

    def due(self, now_ms: int, limit: int, from_ms: int | None = None) -> list[StartRequest]:
        earliest = from_ms if from_ms is not None else -1
        found = [
            r
            for r in self.records.values()
            if r.due_at_ms is not None and earliest <= r.due_at_ms <= now_ms
        ]
        return sorted(found, key=lambda r: r.due_at_ms or 0)[:limit]

    def by_charger(self, charge_point_id: str, since_ms: int) -> list[StartRequest]:
        since = f"r{since_ms:013d}"
        found = [
            r
            for (cp, request_id), r in self.records.items()
            if cp == charge_point_id and request_id >= since
        ]
        return sorted(found, key=lambda r: r.request_id, reverse=True)
