"""In-memory drivers' payment profiles."""

from __future__ import annotations

import threading
from dataclasses import replace

from shared.models.driver import DriverRecord


class MemoryDriverRepository:
    def __init__(self) -> None:
        self.records: dict[str, DriverRecord] = {}
        self._lock = threading.Lock()

    def get(self, driver_id: str) -> DriverRecord | None:
        return self.records.get(driver_id)

    def set_customer(self, driver_id: str, customer_id: str) -> DriverRecord:
        with self._lock:
            record = self.records.get(driver_id) or DriverRecord(driver_id)
            if record.customer_id is None:
                record = self.records[driver_id] = replace(record, customer_id=customer_id)
            return record

    def set_default_payment_method(
        self, driver_id: str, payment_method_id: str | None, only_if: str | None = None
    ) -> bool:
        with self._lock:
            record = self.records.get(driver_id) or DriverRecord(driver_id)
            if only_if is not None and record.default_payment_method_id != only_if:
                return False
            self.records[driver_id] = replace(record, default_payment_method_id=payment_method_id)
            return True
