"""In-memory chargers, connections and connectors."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime

from shared.adapters.dynamodb.paging import key_values
from shared.adapters.memory.outbox import MemoryOutbox
from shared.adapters.memory.paging import page_after
from shared.models.charger import BootInfo, ChargerRecord
from shared.models.connection import (
    Attachment,
    ConnectionRecord,
    ConnectorStatus,
    PendingDisconnect,
    StatusChange,
)
from shared.models.domain_events import CHARGER_DISCONNECTED
from shared.ports import ChargerChanges, ChargerFilter, Page
from shared.timeutil import from_epoch_ms, iso_utc, to_epoch_ms


def _pending_disconnect(record: ChargerRecord) -> PendingDisconnect | None:
    if CHARGER_DISCONNECTED not in record.unpublished:
        return None
    return PendingDisconnect(
        charge_point_id=record.charge_point_id,
        connection_id=record.last_connection_id or "",
        at_ms=record.disconnected_at_ms or 0,
        reason=record.disconnect_reason,
    )


class MemoryChargerRepository:
    def __init__(self) -> None:
        self.records: dict[str, ChargerRecord] = {}
        self.outbox: MemoryOutbox[str] = MemoryOutbox()
        # The command store's in-flight slots, when one is linked (on DynamoDB the slot is an
        # attribute of the charger item, and attaching a connection sees it).
        self.slots: dict[str, tuple[str, int]] = {}
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
    ) -> Attachment:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None:
                return Attachment(current=False)
            if record.connected_at_ms is not None and record.connected_at_ms > connected_at_ms:
                return Attachment(current=False)
            self.records[charge_point_id] = replace(
                record,
                connection_id=connection_id,
                protocol=protocol,
                connected_at=iso_utc(from_epoch_ms(connected_at_ms)),
                connected_at_ms=connected_at_ms,
                unpublished=record.unpublished - {CHARGER_DISCONNECTED},
            )
            self.outbox.note(charge_point_id, frozenset())
            previous = record.connection_id
            replaced = previous if previous and previous != connection_id else None
            return Attachment(
                current=True,
                replaced=replaced,
                replaced_connected_at_ms=record.connected_at_ms if replaced else None,
                pending_disconnect=_pending_disconnect(record),
                held_command=held[0] if (held := self.slots.get(charge_point_id)) else None,
            )

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

    def record_cost_profile(self, charge_point_id: str, name: str, at: str) -> None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is not None:
                self.records[charge_point_id] = replace(
                    record, cost_profile=name, cost_profile_applied_at=at
                )

    def count_auth_failure(self, charge_point_id: str) -> int:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None:
                return 0
            self.records[charge_point_id] = replace(record, auth_failures=record.auth_failures + 1)
            return record.auth_failures + 1

    def lock_auth(self, charge_point_id: str, until_ms: int) -> None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is not None:
                self.records[charge_point_id] = replace(record, auth_locked_until_ms=until_ms)

    def clear_auth_failures(self, charge_point_id: str) -> None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is not None:
                self.records[charge_point_id] = replace(
                    record, auth_failures=0, auth_locked_until_ms=None
                )

    def store_auth_verifier(self, charge_point_id: str, password_hash: str, verifier: str) -> bool:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None or record.password_hash != password_hash:
                return False
            self.records[charge_point_id] = replace(record, auth_verifier=verifier)
            return True

    def begin_password_rotation(
        self, charge_point_id: str, command_id: str, password_hash: str
    ) -> bool:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None or record.password_hash is None:
                return False
            self.records[charge_point_id] = replace(
                record, rotation_command_id=command_id, rotation_password_hash=password_hash
            )
            return True

    def complete_password_rotation(
        self, charge_point_id: str, command_id: str, previous_until_ms: int
    ) -> ChargerRecord | None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if (
                record is None
                or record.rotation_command_id != command_id
                or record.rotation_password_hash is None
            ):
                return None
            updated = replace(
                record,
                password_hash=record.rotation_password_hash,
                auth_verifier=None,
                previous_password_hash=record.password_hash,
                previous_auth_verifier=record.auth_verifier,
                previous_password_until_ms=previous_until_ms,
                rotation_command_id=None,
                rotation_password_hash=None,
            )
            self.records[charge_point_id] = updated
            return replace(updated)

    def drop_password_rotation(self, charge_point_id: str, command_id: str) -> None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is not None and record.rotation_command_id == command_id:
                self.records[charge_point_id] = replace(
                    record, rotation_command_id=None, rotation_password_hash=None
                )

    def end_password_grace(self, charge_point_id: str, previous_hash: str) -> None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is not None and record.previous_password_hash == previous_hash:
                self.records[charge_point_id] = replace(
                    record,
                    previous_password_hash=None,
                    previous_auth_verifier=None,
                    previous_password_until_ms=None,
                )

    def detach_connection(
        self, charge_point_id: str, connection_id: str, at: datetime, reason: str | None = None
    ) -> bool:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None or record.connection_id != connection_id:
                return False
            self.records[charge_point_id] = replace(
                record,
                connection_id=None,
                disconnected_at=iso_utc(at),
                disconnected_at_ms=to_epoch_ms(at),
                last_connection_id=connection_id,
                disconnect_reason=reason,
                unpublished=record.unpublished | {CHARGER_DISCONNECTED},
            )
            # The disconnect waits in the outbox from its own time (as on DynamoDB).
            self.outbox.since_ms[charge_point_id] = to_epoch_ms(at)
            return True

    def disconnects_waiting(self, marked_before_ms: int) -> list[PendingDisconnect]:
        with self._lock:
            waiting = (
                _pending_disconnect(self.records[key])
                for key in self.outbox.before(marked_before_ms)
                if key in self.records
            )
            return [pending for pending in waiting if pending is not None]

    def disconnect_published(self, pending: PendingDisconnect) -> None:
        with self._lock:
            record = self.records.get(pending.charge_point_id)
            if record is None or record.disconnected_at_ms != pending.at_ms:
                return  # disconnected again since: that disconnect keeps its marker
            unpublished = record.unpublished - {CHARGER_DISCONNECTED}
            self.records[pending.charge_point_id] = replace(record, unpublished=unpublished)
            self.outbox.note(pending.charge_point_id, unpublished)

    def list_page(
        self, limit: int, cursor: str | None, where: ChargerFilter
    ) -> Page[ChargerRecord]:
        after = key_values(cursor, ("chargePointId",))
        records = [
            replace(record)
            for record in self.records.values()
            if (
                where.registration_status is None
                or record.registration_status == where.registration_status
            )
            and (where.online is None or record.online == where.online)
            and (where.vendor is None or record.vendor == where.vendor)
            and (where.model is None or record.model == where.model)
            and (where.tag is None or where.tag in record.tags)
        ]
        return page_after(
            records,
            lambda r: {"chargePointId": r.charge_point_id},
            ("chargePointId",),
            limit,
            after,
        )

    def list_all(self) -> list[ChargerRecord]:
        return [replace(record) for record in list(self.records.values())]

    def update(self, charge_point_id: str, changes: ChargerChanges) -> ChargerRecord | None:
        with self._lock:
            record = self.records.get(charge_point_id)
            if record is None:
                return None
            updated = replace(
                record,
                registration_status=changes.registration_status or record.registration_status,
                validation_mode=changes.validation_mode or record.validation_mode,
            )
            if changes.password_hash is not None:
                updated.password_hash = changes.password_hash
            elif changes.clear_password:
                updated.password_hash = None
            if changes.tags is not None:
                updated.tags = frozenset(changes.tags)
            if changes.password_hash is not None or changes.clear_password:
                updated.auth_verifier = None
                # A password the operator sets ends a rotation and the old password's grace.
                updated.rotation_command_id = updated.rotation_password_hash = None
                updated.previous_password_hash = updated.previous_auth_verifier = None
                updated.previous_password_until_ms = None
            self.records[charge_point_id] = updated
            return replace(updated)

    def delete(self, charge_point_id: str) -> ChargerRecord | None:
        return self.records.pop(charge_point_id, None)


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
        # (charger, connector) -> (charging state, as of): beside the status, as on the item.
        self.charging: dict[tuple[str, str], tuple[str | None, int]] = {}
        self.outbox: MemoryOutbox[tuple[str, str]] = MemoryOutbox()
        self._lock = threading.Lock()

    def _read(self, key: tuple[str, str]) -> ConnectorStatus:
        state = self.charging.get(key, (None, 0))[0]
        return replace(self.records[key], charging_state=state)

    def record_charging_state(
        self, charge_point_id: str, connector_key: str, charging_state: str | None, at_ms: int
    ) -> bool:
        key = (charge_point_id, connector_key)
        with self._lock:
            current = self.charging.get(key)
            if current is not None and current[1] > at_ms:
                return False
            self.charging[key] = (charging_state, at_ms)
            return True

    def apply_status(self, status: ConnectorStatus, change_events: frozenset[str]) -> StatusChange:
        key = (status.charge_point_id, status.connector_key)
        with self._lock:
            current = self.records.get(key)
            if current is not None and current.received_at_ms > status.received_at_ms:
                return StatusChange(applied=False)
            if current is not None and (current.status, current.error_code) == (
                status.status,
                status.error_code,
            ):
                return StatusChange(applied=True, stored=self._read(key))  # a repeat: no write
            stored = replace(
                status,
                previous_status=current.status if current else None,
                unpublished=(current.unpublished if current else frozenset()) | change_events,
            )
            self.records[key] = stored
            self.outbox.note(key, stored.unpublished)
            return StatusChange(applied=True, stored=self._read(key))

    def mark_published(
        self, charge_point_id: str, connector_key: str, detail_type: str, received_at_ms: int
    ) -> None:
        key = (charge_point_id, connector_key)
        with self._lock:
            current = self.records.get(key)
            if current is not None and current.received_at_ms == received_at_ms:
                self.records[key] = replace(
                    current, unpublished=current.unpublished - {detail_type}
                )
                self.outbox.note(key, self.records[key].unpublished)

    def mark_for_relay(self, charge_point_id: str, connector_key: str) -> None:
        record = self.records.get((charge_point_id, connector_key))
        self.outbox.enter(
            (charge_point_id, connector_key), record.unpublished if record else frozenset()
        )

    def marked(self, marked_before_ms: int) -> list[ConnectorStatus]:
        return [self._read(key) for key in self.outbox.before(marked_before_ms)]

    def list_for(self, charge_point_id: str) -> list[ConnectorStatus]:
        return [self._read(key) for key in sorted(self.records) if key[0] == charge_point_id]

    def list_all(self) -> list[ConnectorStatus]:
        return [self._read(key) for key in sorted(self.records)]
