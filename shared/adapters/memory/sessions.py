"""In-memory id tags, sessions, the 2.0.1 event log, energy and telemetry."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from shared.adapters.dynamodb.paging import key_values
from shared.adapters.dynamodb.transactions import (
    BY_START_DAY_KEY,
    days_newest_first,
    started_day,
)
from shared.adapters.memory.outbox import MemoryOutbox
from shared.adapters.memory.paging import page_after
from shared.models.telemetry import TelemetryRecord
from shared.models.transaction import START_FIELDS, STOP_FIELDS, IdTagRecord, TransactionRecord
from shared.ports import (
    MAX_CURVE_POINTS,
    CurvePoint,
    EnergyDay,
    EnergyGranularity,
    EnergyPeriod,
    InvalidCursor,
    Page,
    SessionCurve,
    SessionFilter,
)


class MemoryIdTagRepository:
    def __init__(self) -> None:
        self.records: dict[str, IdTagRecord] = {}
        self._lock = threading.Lock()

    def get(self, id_tag: str) -> IdTagRecord | None:
        return self.records.get(id_tag)

    def create(self, record: IdTagRecord) -> bool:
        with self._lock:
            if record.id_tag in self.records:
                return False
            self.records[record.id_tag] = record
            return True

    def put(self, record: IdTagRecord) -> None:
        self.records[record.id_tag] = record

    def delete(self, id_tag: str) -> bool:
        return self.records.pop(id_tag, None) is not None

    def list_page(self, limit: int, cursor: str | None = None) -> Page[IdTagRecord]:
        return page_after(
            self.records.values(),
            lambda r: {"idTag": r.id_tag},
            ("idTag",),
            limit,
            key_values(cursor, ("idTag",)),
        )

    def list_owned(self, owner_id: str) -> list[IdTagRecord]:
        return sorted(
            (r for r in self.records.values() if r.owner_id == owner_id), key=lambda r: r.id_tag
        )

    def delete_owned(self, id_tag: str, owner_id: str) -> bool:
        with self._lock:
            record = self.records.get(id_tag)
            if record is None or record.owner_id != owner_id:
                return False
            del self.records[id_tag]
            return True


def _matches(record: TransactionRecord, where: SessionFilter) -> bool:
    started = record.started_at
    if where.started_from is not None and (started is None or started < where.started_from):
        return False
    if where.started_to is not None and (started is None or started > where.started_to):
        return False
    if where.status is not None and record.status != where.status:
        return False
    if where.id_tag is not None and record.id_tag != where.id_tag:
        return False
    return where.charge_point_id is None or record.charge_point_id == where.charge_point_id


class MemoryTransactionRepository:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], TransactionRecord] = {}
        self.connectors: dict[tuple[str, str], tuple[str, int]] = {}
        self.rolled_up: set[tuple[str, str]] = set()
        # Each session's stored curve points (the meterCurve attribute of its item).
        self.curves: dict[tuple[str, str], list[CurvePoint]] = {}
        self.outbox: MemoryOutbox[tuple[str, str]] = MemoryOutbox()
        self._lock = threading.RLock()

    def _store(self, record: TransactionRecord) -> None:
        key = (record.charge_point_id, record.transaction_id)
        self.records[key] = record
        self.outbox.note(key, record.unpublished)

    def get(self, charge_point_id: str, transaction_id: str) -> TransactionRecord | None:
        record = self.records.get((charge_point_id, transaction_id))
        return replace(record) if record else None

    def create(self, record: TransactionRecord) -> bool:
        with self._lock:
            key = (record.charge_point_id, record.transaction_id)
            if key in self.records:
                return False
            self._store(replace(record))
            return True

    def record_start(self, record: TransactionRecord) -> TransactionRecord | None:
        with self._lock:
            key = (record.charge_point_id, record.transaction_id)
            stored = self.records.get(key)
            if stored is not None and stored.started_at is not None:
                return None
            base = stored or replace(record, status="active", unpublished=frozenset())
            updates = {
                f: getattr(record, f) for f in START_FIELDS if getattr(record, f) is not None
            }
            self._store(replace(base, **updates, unpublished=base.unpublished | record.unpublished))
            return replace(self.records[key])

    def record_token(
        self,
        charge_point_id: str,
        transaction_id: str,
        id_tag: str,
        authorization_status: str | None,
    ) -> TransactionRecord | None:
        with self._lock:
            stored = self.records.get((charge_point_id, transaction_id))
            if stored is None or stored.started_at is None or stored.id_tag is not None:
                return None
            self._store(replace(stored, id_tag=id_tag, authorization_status=authorization_status))
            return replace(self.records[(charge_point_id, transaction_id)])

    def record_tariff(
        self, charge_point_id: str, transaction_id: str, tariff_id: str, tariff_version: int
    ) -> bool:
        with self._lock:
            stored = self.records.get((charge_point_id, transaction_id))
            if (
                stored is None
                or stored.started_at is None
                or stored.stopped_at is not None
                or stored.tariff_id is not None
            ):
                return False
            self._store(replace(stored, tariff_id=tariff_id, tariff_version=tariff_version))
            return True

    def complete_orphan(self, record: TransactionRecord) -> bool:
        with self._lock:
            key = (record.charge_point_id, record.transaction_id)
            stored = self.records.get(key)
            if stored is None or stored.status != "orphan":
                return False
            self._store(
                replace(
                    stored,
                    status=record.status,
                    energy_wh=record.energy_wh,
                    duration_s=record.duration_s,
                    anomaly=record.anomaly,
                    unpublished=stored.unpublished | record.unpublished,
                )
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
        self,
        charge_point_id: str,
        transaction_id: str,
        replaced_by: str,
        at: str,
        unpublished: frozenset[str] = frozenset(),
    ) -> bool:
        with self._lock:
            key = (charge_point_id, transaction_id)
            stored = self.records.get(key)
            if stored is None or stored.status != "active" or stored.stopped_at is not None:
                return False
            self._store(
                replace(
                    stored,
                    status="replaced",
                    replaced_by=replaced_by,
                    unpublished=stored.unpublished | unpublished,
                )
            )
            return True

    def mark_published(self, charge_point_id: str, transaction_id: str, detail_type: str) -> None:
        with self._lock:
            key = (charge_point_id, transaction_id)
            stored = self.records.get(key)
            if stored is not None:
                self._store(replace(stored, unpublished=stored.unpublished - {detail_type}))

    def mark_for_relay(self, charge_point_id: str, transaction_id: str) -> None:
        record = self.records.get((charge_point_id, transaction_id))
        self.outbox.enter(
            (charge_point_id, transaction_id), record.unpublished if record else frozenset()
        )

    def marked(self, marked_before_ms: int) -> list[TransactionRecord]:
        return [replace(self.records[key]) for key in self.outbox.before(marked_before_ms)]

    def finish(self, record: TransactionRecord) -> bool:
        with self._lock:
            key = (record.charge_point_id, record.transaction_id)
            stored = self.records.get(key)
            if stored is None or stored.stopped_at is not None:
                return False
            self._store(
                replace(
                    stored,
                    **{name: getattr(record, name) for name in STOP_FIELDS},
                    unpublished=stored.unpublished | record.unpublished,
                )
            )
            return True

    def record_meter_progress(
        self,
        charge_point_id: str,
        transaction_id: str,
        energy_wh: int,
        at: str,
        curve_point: CurvePoint | None = None,
    ) -> TransactionRecord | None:
        with self._lock:
            key = (charge_point_id, transaction_id)
            stored = self.records.get(key)
            if stored is None or (stored.last_meter_at is not None and stored.last_meter_at >= at):
                return None
            self.records[key] = replace(stored, last_meter_wh=energy_wh, last_meter_at=at)
            curve = self.curves.setdefault(key, [])
            if curve_point is not None and len(curve) < MAX_CURVE_POINTS:
                curve.append(curve_point)
            return replace(self.records[key])

    def claim_cost_update(
        self, charge_point_id: str, transaction_id: str, at_ms: int, interval_ms: int
    ) -> bool:
        with self._lock:
            key = (charge_point_id, transaction_id)
            stored = self.records.get(key)
            if stored is None or stored.stopped_at is not None:
                return False
            last = stored.cost_updated_at_ms
            if last is not None and last > at_ms - interval_ms:
                return False
            self.records[key] = replace(stored, cost_updated_at_ms=at_ms)
            return True

    def curve(self, charge_point_id: str, transaction_id: str) -> SessionCurve | None:
        with self._lock:
            key = (charge_point_id, transaction_id)
            stored = self.records.get(key)
            if stored is None:
                return None
            return SessionCurve(replace(stored), tuple(self.curves.get(key, ())))

    def by_charger(
        self, charge_point_id: str, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        after = key_values(
            cursor, ("chargePointId", "transactionId"), {"chargePointId": charge_point_id}
        )
        records = [
            replace(r)
            for (cp, _), r in list(self.records.items())
            if cp == charge_point_id and _matches(r, where)
        ]
        return page_after(
            records,
            lambda r: {"chargePointId": r.charge_point_id, "transactionId": r.transaction_id},
            ("transactionId",),
            limit,
            after,
        )

    def by_id_tag(
        self, id_tag: str, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        names = ("idTag", "startedAt", "chargePointId", "transactionId")
        after = key_values(cursor, names, {"idTag": id_tag})
        records = [
            replace(r)
            for r in list(self.records.values())
            # The index only holds sessions with both attributes, as in DynamoDB.
            if r.id_tag == id_tag and r.started_at is not None and _matches(r, where)
        ]
        return _newest_first(records, lambda r: {"idTag": r.id_tag}, limit, after)

    def recent(
        self, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        if where.started_from is None or where.started_to is None:
            raise ValueError("the network's sessions are listed within a window")
        after = key_values(cursor, BY_START_DAY_KEY)
        days = days_newest_first(where.started_from, where.started_to)
        if after is not None and after["startedDay"] not in days:
            raise InvalidCursor("the cursor does not belong to this listing")
        records = [
            replace(r)
            for r in list(self.records.values())
            if r.started_at is not None and _matches(r, where)
        ]
        return _newest_first(
            records, lambda r: {"startedDay": started_day(r.started_at)}, limit, after
        )


def _newest_first(
    records: list[TransactionRecord],
    partition: Callable[[TransactionRecord], dict[str, Any]],
    limit: int,
    after: dict[str, Any] | None,
) -> Page[TransactionRecord]:
    """A page of an index sorted by start time, newest first (ByIdTag, ByStartDay)."""
    return page_after(
        records,
        lambda r: {
            **partition(r),
            "startedAt": r.started_at,
            "chargePointId": r.charge_point_id,
            "transactionId": r.transaction_id,
        },
        ("startedAt", "chargePointId", "transactionId"),
        limit,
        after,
        descending=True,
    )


class MemoryTransactionEventLog:
    def __init__(self) -> None:
        self.seen_events: dict[tuple[str, str, int], int] = {}

    def seen(self, charge_point_id: str, transaction_id: str, seq_no: int) -> bool:
        expires_at = self.seen_events.get((charge_point_id, transaction_id, seq_no))
        return expires_at is not None and expires_at > time.time()

    def record(
        self, charge_point_id: str, transaction_id: str, seq_no: int, expires_at: int
    ) -> None:
        self.seen_events[(charge_point_id, transaction_id, seq_no)] = expires_at


class MemoryEnergyLedger:
    def __init__(self, transactions: MemoryTransactionRepository) -> None:
        self.transactions = transactions
        self.totals: dict[tuple[str, str], tuple[int, int]] = {}
        self.network_totals: dict[tuple[EnergyGranularity, str], tuple[int, int]] = {}
        self._lock = threading.Lock()

    def add_session_once(
        self,
        charge_point_id: str,
        transaction_id: str,
        day: str,
        energy_wh: int,
        hour: str | None = None,
    ) -> bool:
        with self._lock:
            key = (charge_point_id, transaction_id)
            if key not in self.transactions.records or key in self.transactions.rolled_up:
                return False
            self.transactions.rolled_up.add(key)
            energy, sessions = self.totals.get((charge_point_id, day), (0, 0))
            self.totals[(charge_point_id, day)] = (energy + energy_wh, sessions + 1)
            periods: list[tuple[EnergyGranularity, str]] = [("day", day)]
            if hour is not None:
                periods.append(("hour", hour))
            for period in periods:
                energy, sessions = self.network_totals.get(period, (0, 0))
                self.network_totals[period] = (energy + energy_wh, sessions + 1)
            return True

    def network(self, granularity: EnergyGranularity, first: str, last: str) -> list[EnergyPeriod]:
        return [
            EnergyPeriod(period, energy, sessions)
            for (kind, period), (energy, sessions) in sorted(self.network_totals.items())
            if kind == granularity and first <= period <= last
        ]

    def day_total(self, charge_point_id: str, day: str) -> tuple[int, int]:
        return self.totals.get((charge_point_id, day), (0, 0))

    def days(self, charge_point_id: str, first_day: str, last_day: str) -> list[EnergyDay]:
        return [
            EnergyDay(day=day, energy_wh=energy, sessions=sessions)
            for (cp, day), (energy, sessions) in sorted(self.totals.items())
            if cp == charge_point_id and first_day <= day <= last_day
        ]


class MemoryTelemetrySink:
    def __init__(self) -> None:
        self.records: list[TelemetryRecord] = []

    def put(self, record: TelemetryRecord) -> None:
        self.records.append(record)
