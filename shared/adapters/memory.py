"""In-memory implementations of the ports, with the same conditional semantics as DynamoDB.

Real fakes: unit tests and the CPU benchmarks run the logic against them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from shared.models.charger import BootInfo, ChargerRecord
from shared.models.connection import ConnectionRecord, ConnectorStatus, StatusChange
from shared.models.events import DomainEvent
from shared.ports import EventPublishError
from shared.timeutil import from_epoch_ms, iso_utc


class MemoryChargerRepository:
    def __init__(self) -> None:
        self.records: dict[str, ChargerRecord] = {}
        self._lock = threading.Lock()

    def get(self, charge_point_id: str) -> ChargerRecord | None:
        record = self.records.get(charge_point_id)
        return replace(record) if record else None

    def create(self, record: ChargerRecord) -> bool:
        with self._lock:
            if record.charge_point_id in self.records:
                return False
            self.records[record.charge_point_id] = replace(record)
            return True

    def record_boot(
        self, charge_point_id: str, boot: BootInfo, protocol: str, at: datetime
    ) -> ChargerRecord | None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None:
                return None
            updated = replace(
                record,
                vendor=boot.vendor,
                model=boot.model,
                serial_number=boot.serial_number,
                firmware_version=boot.firmware_version,
                iccid=boot.iccid,
                imsi=boot.imsi,
                meter_type=boot.meter_type,
                meter_serial_number=boot.meter_serial_number,
                boot_reason=boot.reason,
                protocol=protocol,
                last_boot_at=iso_utc(at),
            )
            self.records[charge_point_id] = updated
            return replace(updated)

    def attach_connection(
        self, charge_point_id: str, connection_id: str, protocol: str, connected_at_ms: int
    ) -> bool:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None:
                return False
            if record.connected_at_ms is not None and record.connected_at_ms > connected_at_ms:
                return False
            self.records[charge_point_id] = replace(
                record,
                connection_id=connection_id,
                protocol=protocol,
                connected_at=iso_utc(from_epoch_ms(connected_at_ms)),
                connected_at_ms=connected_at_ms,
            )
            return True

    def record_status_report(self, charge_point_id: str, kind: str, status: str, at: str) -> None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is not None:
                updated = replace(record)
                setattr(updated, f"{kind}_status", status)
                setattr(updated, f"{kind}_status_at", at)
                self.records[charge_point_id] = updated

    def set_local_list_version(self, charge_point_id: str, version: int) -> None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is not None:
                self.records[charge_point_id] = replace(record, local_list_version=version)

    def detach_connection(self, charge_point_id: str, connection_id: str, at: datetime) -> bool:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None or record.connection_id != connection_id:
                return False
            self.records[charge_point_id] = replace(
                record, connection_id=None, disconnected_at=iso_utc(at)
            )
            return True


class MemoryConnectionRepository:
    def __init__(self) -> None:
        self.records: dict[str, ConnectionRecord] = {}

    def put(self, record: ConnectionRecord) -> None:
        self.records[record.connection_id] = record

    def get(self, connection_id: str) -> ConnectionRecord | None:
        record = self.records.get(connection_id)
        if record is None or record.expires_at <= time.time():
            return None
        return record

    def delete(self, connection_id: str) -> None:
        self.records.pop(connection_id, None)


class MemoryConnectorRepository:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], ConnectorStatus] = {}
        self._lock = threading.Lock()

    def apply_status(self, status: ConnectorStatus) -> StatusChange:
        key = (status.charge_point_id, status.connector_key)
        with self._lock:
            previous = self.records.get(key)
            if previous is not None and previous.received_at_ms > status.received_at_ms:
                return StatusChange(applied=False)
            self.records[key] = status
        if previous is None:
            return StatusChange(applied=True)
        return StatusChange(
            applied=True, previous_status=previous.status, previous_error_code=previous.error_code
        )

    def list_for(self, charge_point_id: str) -> list[ConnectorStatus]:
        return [s for (cp, _), s in sorted(self.records.items()) if cp == charge_point_id]


class MemoryEventPublisher:
    """Collects events; can be told to fail, to exercise the error paths."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.fail = False

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if self.fail:
            raise EventPublishError(events, "publisher set to fail")
        self.events.extend(events)

    def of_type(self, detail_type: str) -> list[DomainEvent]:
        return [e for e in self.events if e.detail_type == detail_type]
