"""In-memory command store, reservation store and task notifier."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from shared.adapters.dynamodb.commands import BY_CREATED_KEY
from shared.adapters.dynamodb.paging import key_values
from shared.adapters.memory.outbox import MemoryOutbox
from shared.adapters.memory.paging import page_after
from shared.models.command import CommandRecord
from shared.models.reservation import ReservationRecord
from shared.ports import Page


class MemoryCommandStore:
    def __init__(self, slots: dict[str, tuple[str, int]] | None = None) -> None:
        self.records: dict[tuple[str, str], CommandRecord] = {}
        # Pass MemoryChargerRepository.slots to share them, as the charger item does on DynamoDB.
        self.slots: dict[str, tuple[str, int]] = {} if slots is None else slots
        self.outbox: MemoryOutbox[tuple[str, str]] = MemoryOutbox()
        self._lock = threading.Lock()

    def create(self, record: CommandRecord) -> None:
        self.records[(record.charge_point_id, record.message_id)] = replace(record)

    def get(self, charge_point_id: str, message_id: str) -> CommandRecord | None:
        record = self.records.get((charge_point_id, message_id))
        return replace(record) if record else None

    def by_charger(
        self, charge_point_id: str, limit: int, cursor: str | None, action: str | None = None
    ) -> Page[CommandRecord]:
        after = key_values(cursor, BY_CREATED_KEY, {"chargePointId": charge_point_id})
        records = [
            replace(r)
            for (cp, _), r in list(self.records.items())
            if cp == charge_point_id and (action is None or r.action == action)
        ]
        return page_after(
            records,
            lambda r: {
                "chargePointId": r.charge_point_id,
                "createdAt": r.created_at,
                "messageId": r.message_id,
            },
            ("createdAt", "messageId"),
            limit,
            after,
            descending=True,
        )

    def complete(
        self,
        charge_point_id: str,
        message_id: str,
        status: str,
        at: str,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
        unpublished: frozenset[str] = frozenset(),
    ) -> CommandRecord | None:
        with self._lock:
            record = self.records.get((charge_point_id, message_id))
            if record is None or record.status != "pending":
                return None
            updated = replace(
                record,
                status=status,  # type: ignore[arg-type]
                completed_at=at,
                unpublished=record.unpublished | unpublished,
            )
            if result is not None:
                updated.result = result
            if error is not None:
                updated.error = error
            self.records[(charge_point_id, message_id)] = updated
            # A reply is never sent again: the relay's at once.
            self.outbox.enter((charge_point_id, message_id), updated.unpublished)
            return replace(updated)

    def mark_published(self, charge_point_id: str, message_id: str, detail_type: str) -> None:
        with self._lock:
            key = (charge_point_id, message_id)
            record = self.records.get(key)
            if record is not None:
                self.records[key] = replace(record, unpublished=record.unpublished - {detail_type})
                self.outbox.note(key, self.records[key].unpublished)

    def mark_for_relay(self, charge_point_id: str, message_id: str) -> None:
        record = self.records.get((charge_point_id, message_id))
        self.outbox.enter(
            (charge_point_id, message_id), record.unpublished if record else frozenset()
        )

    def marked(self, marked_before_ms: int) -> list[CommandRecord]:
        return [replace(self.records[key]) for key in self.outbox.before(marked_before_ms)]

    def acquire_slot(
        self, charge_point_id: str, message_id: str, deadline_ms: int, now_ms: int
    ) -> bool:
        with self._lock:
            holder = self.slots.get(charge_point_id)
            if holder is not None and holder[1] >= now_ms and holder[0] != message_id:
                return False
            self.slots[charge_point_id] = (message_id, deadline_ms)
            return True

    def slot_holder(self, charge_point_id: str) -> tuple[str, int] | None:
        return self.slots.get(charge_point_id)

    def release_slot(self, charge_point_id: str, message_id: str) -> None:
        with self._lock:
            holder = self.slots.get(charge_point_id)
            if holder is not None and holder[0] == message_id:
                del self.slots[charge_point_id]


class MemoryReservationStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str, int], ReservationRecord] = {}
        self._lock = threading.Lock()

    def create(self, record: ReservationRecord) -> bool:
        with self._lock:
            key = (record.charge_point_id, record.reservation_id)
            if key in self.records:
                return False
            self.records[key] = record
            return True

    def get(self, charge_point_id: str, reservation_id: int) -> ReservationRecord | None:
        return self.records.get((charge_point_id, reservation_id))

    def update(
        self,
        charge_point_id: str,
        reservation_id: int,
        status: str,
        expected: tuple[str, ...],
        charger_status: str | None = None,
        transaction_id: str | None = None,
    ) -> bool:
        with self._lock:
            key = (charge_point_id, reservation_id)
            record = self.records.get(key)
            if record is None or record.status not in expected:
                return False
            self.records[key] = replace(
                record,
                status=status,  # type: ignore[arg-type]
                charger_status=charger_status or record.charger_status,
                transaction_id=transaction_id or record.transaction_id,
            )
            return True

    def list_for(self, charge_point_id: str) -> list[ReservationRecord]:
        return [r for (cp, _), r in sorted(self.records.items()) if cp == charge_point_id]


class MemoryTaskNotifier:
    def __init__(self) -> None:
        self.succeeded: list[tuple[str, dict[str, Any]]] = []
        self.failed: list[tuple[str, str, str]] = []

    def succeed(self, task_token: str, output: dict[str, Any]) -> None:
        self.succeeded.append((task_token, output))

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self.failed.append((task_token, error, cause))
