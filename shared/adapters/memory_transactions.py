"""In-memory id tags, sessions, event log, energy ledger and telemetry sink (real fakes with
the same conditional semantics as the DynamoDB/Kinesis adapters)."""

from __future__ import annotations

import threading
from dataclasses import replace

from shared.models.telemetry import TelemetryRecord
from shared.models.transaction import START_FIELDS, STOP_FIELDS, IdTagRecord, TransactionRecord


class MemoryIdTagRepository:
    def __init__(self) -> None:
        self.records: dict[str, IdTagRecord] = {}

    def get(self, id_tag: str) -> IdTagRecord | None:
        return self.records.get(id_tag)

    def put(self, record: IdTagRecord) -> None:
        self.records[record.id_tag] = record

    def list_page(
        self, limit: int, cursor: str | None = None
    ) -> tuple[list[IdTagRecord], str | None]:
        tags = sorted(self.records)
        start = tags.index(cursor) + 1 if cursor in self.records else 0
        page = tags[start : start + limit]
        next_cursor = page[-1] if start + limit < len(tags) and page else None
        return [self.records[t] for t in page], next_cursor

    def delete(self, id_tag: str) -> bool:
        return self.records.pop(id_tag, None) is not None


class MemoryTransactionRepository:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], TransactionRecord] = {}
        self.connectors: dict[tuple[str, str], tuple[str, int]] = {}
        self.rolled_up: set[tuple[str, str]] = set()
        self._lock = threading.RLock()

    def get(self, charge_point_id: str, transaction_id: str) -> TransactionRecord | None:
        record = self.records.get((charge_point_id, transaction_id))
        return replace(record) if record else None

    def create(self, record: TransactionRecord) -> bool:
        with self._lock:
            key = (record.charge_point_id, record.transaction_id)
            if key in self.records:
                return False
            self.records[key] = replace(record)
            return True

    def record_start(self, record: TransactionRecord) -> TransactionRecord | None:
        with self._lock:
            key = (record.charge_point_id, record.transaction_id)
            stored = self.records.get(key)
            if stored is not None and stored.started_at is not None:
                return None
            base = stored or replace(record, status="active")
            updates = {
                f: getattr(record, f) for f in START_FIELDS if getattr(record, f) is not None
            }
            self.records[key] = replace(base, **updates)
            return replace(self.records[key])

    def complete_orphan(self, record: TransactionRecord) -> bool:
        with self._lock:
            key = (record.charge_point_id, record.transaction_id)
            stored = self.records.get(key)
            if stored is None or stored.status != "orphan":
                return False
            self.records[key] = replace(
                stored,
                status=record.status,
                energy_wh=record.energy_wh,
                duration_s=record.duration_s,
                anomaly=record.anomaly,
            )
            return True

    def claim_connector(
        self, charge_point_id: str, connector_key: str, transaction_id: str, started_at_ms: int
    ) -> str | None:
        with self._lock:
            key = (charge_point_id, connector_key)
            previous = self.connectors.get(key)
            if previous is not None and previous[1] > started_at_ms:
                return None
            self.connectors[key] = (transaction_id, started_at_ms)
            return previous[0] if previous else None

    def mark_replaced(
        self, charge_point_id: str, transaction_id: str, replaced_by: str, at: str
    ) -> bool:
        with self._lock:
            key = (charge_point_id, transaction_id)
            stored = self.records.get(key)
            if stored is None or stored.status != "active" or stored.stopped_at is not None:
                return False
            self.records[key] = replace(stored, status="replaced", replaced_by=replaced_by)
            return True

    def finish(self, record: TransactionRecord) -> bool:
        with self._lock:
            key = (record.charge_point_id, record.transaction_id)
            stored = self.records.get(key)
            if stored is None or stored.stopped_at is not None:
                return False
            self.records[key] = replace(
                stored,
                **{name: getattr(record, name) for name in STOP_FIELDS},
            )
            return True

    def record_meter_progress(
        self, charge_point_id: str, transaction_id: str, energy_wh: int, at: str
    ) -> TransactionRecord | None:
        with self._lock:
            key = (charge_point_id, transaction_id)
            stored = self.records.get(key)
            if stored is None or (stored.last_meter_at is not None and stored.last_meter_at >= at):
                return None
            self.records[key] = replace(stored, last_meter_wh=energy_wh, last_meter_at=at)
            return replace(self.records[key])


class MemoryTransactionEventLog:
    def __init__(self) -> None:
        self.seen: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()

    def first_time(
        self, charge_point_id: str, transaction_id: str, seq_no: int, expires_at: int
    ) -> bool:
        with self._lock:
            key = (charge_point_id, transaction_id, seq_no)
            if key in self.seen:
                return False
            self.seen.add(key)
            return True


class MemoryEnergyLedger:
    def __init__(self, transactions: MemoryTransactionRepository) -> None:
        self.transactions = transactions
        self.days: dict[tuple[str, str], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def add_session_once(
        self, charge_point_id: str, transaction_id: str, day: str, energy_wh: int
    ) -> bool:
        with self._lock:
            key = (charge_point_id, transaction_id)
            if key not in self.transactions.records or key in self.transactions.rolled_up:
                return False
            self.transactions.rolled_up.add(key)
            energy, sessions = self.days.get((charge_point_id, day), (0, 0))
            self.days[(charge_point_id, day)] = (energy + energy_wh, sessions + 1)
            return True

    def day_total(self, charge_point_id: str, day: str) -> tuple[int, int]:
        return self.days.get((charge_point_id, day), (0, 0))


class MemoryTelemetrySink:
    def __init__(self) -> None:
        self.records: list[TelemetryRecord] = []

    def put(self, record: TelemetryRecord) -> None:
        self.records.append(record)
