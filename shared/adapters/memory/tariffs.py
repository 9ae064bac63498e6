"""In-memory tariff versions."""

from __future__ import annotations

import threading

from shared.adapters.dynamodb.paging import key_values
from shared.adapters.memory.paging import page_after
from shared.models.tariff import Tariff
from shared.ports import Page


class MemoryTariffRepository:
    def __init__(self) -> None:
        self.records: dict[tuple[str, int], Tariff] = {}
        self._lock = threading.Lock()

    def add_version(self, tariff: Tariff) -> bool:
        with self._lock:
            key = (tariff.tariff_id, tariff.version)
            if key in self.records:
                return False
            self.records[key] = tariff
            return True

    def versions(self, tariff_id: str) -> list[Tariff]:
        return [t for (tid, _), t in sorted(self.records.items()) if tid == tariff_id]

    def list_page(self, limit: int, cursor: str | None) -> Page[Tariff]:
        return page_after(
            [t for _, t in sorted(self.records.items())],
            lambda t: {"tariffId": t.tariff_id, "version": t.version},
            ("tariffId", "version"),
            limit,
            key_values(cursor, ("tariffId", "version")),
        )
