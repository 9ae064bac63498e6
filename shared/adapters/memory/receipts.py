"""In-memory receipts."""

from __future__ import annotations

import threading

from shared.models.receipt import Receipt


class MemoryReceiptStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], Receipt] = {}
        self._lock = threading.Lock()

    def create(self, receipt: Receipt) -> bool:
        with self._lock:
            key = (receipt.charge_point_id, receipt.transaction_id)
            if key in self.records:
                return False
            self.records[key] = receipt
            return True

    def get(self, charge_point_id: str, transaction_id: str) -> Receipt | None:
        return self.records.get((charge_point_id, transaction_id))
