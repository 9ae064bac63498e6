"""In-memory adapters of the registry ports, over the in-memory repositories of `tests`' and
benchmarks' dependencies (they share their records), with the same paging and cursor rules as
the DynamoDB adapters."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from shared.adapters.memory import MemoryChargerRepository
from shared.adapters.memory_transactions import (
    MemoryEnergyLedger,
    MemoryIdTagRepository,
    MemoryTransactionRepository,
)
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.registry.cursors import cursor_from_key, key_values
from shared.registry.ports import (
    ChargerChanges,
    ChargerFilter,
    EnergyDay,
    LiveConnection,
    Page,
    SessionFilter,
)
from shared.registry.wiring import Registry

T = TypeVar("T")


def page_after(
    items: Iterable[T],
    key: Callable[[T], dict[str, Any]],
    order: Sequence[str],
    limit: int,
    after: dict[str, Any] | None,
    descending: bool = False,
) -> Page[T]:
    """Items sorted by the `order` attributes of their key, starting after the cursor's key."""

    def sort_key(values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[name] for name in order)

    ordered = sorted(items, key=lambda item: sort_key(key(item)), reverse=descending)
    if after is not None:
        mark = sort_key(after)
        ordered = [
            item
            for item in ordered
            if (sort_key(key(item)) < mark if descending else sort_key(key(item)) > mark)
        ]
    page = ordered[:limit]
    more = len(ordered) > limit
    return Page(page, cursor_from_key(key(page[-1])) if more and page else None)


class MemoryChargerDirectory:
    def __init__(self, chargers: MemoryChargerRepository) -> None:
        self._chargers = chargers
        self._lock = threading.Lock()

    def list_page(
        self, limit: int, cursor: str | None, where: ChargerFilter
    ) -> Page[ChargerRecord]:
        after = key_values(cursor, ("chargePointId",))
        records = [
            replace(record)
            for record in self._chargers.records.values()
            if (
                where.registration_status is None
                or record.registration_status == where.registration_status
            )
            and (where.online is None or record.online == where.online)
        ]
        return page_after(
            records,
            lambda r: {"chargePointId": r.charge_point_id},
            ("chargePointId",),
            limit,
            after,
        )

    def update(self, charge_point_id: str, changes: ChargerChanges) -> ChargerRecord | None:
        with self._lock:
            record = self._chargers.records.get(charge_point_id)
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
            self._chargers.records[charge_point_id] = updated
            return replace(updated)

    def delete(self, charge_point_id: str) -> ChargerRecord | None:
        return self._chargers.records.pop(charge_point_id, None)


class MemoryIdTagCatalog:
    """The in-memory id tags with a conditional create and opaque, checked cursors."""

    def __init__(self, id_tags: MemoryIdTagRepository) -> None:
        self._id_tags = id_tags
        self._lock = threading.Lock()

    def get(self, id_tag: str) -> IdTagRecord | None:
        return self._id_tags.get(id_tag)

    def create(self, record: IdTagRecord) -> bool:
        with self._lock:
            if record.id_tag in self._id_tags.records:
                return False
            self._id_tags.put(record)
            return True

    def put(self, record: IdTagRecord) -> None:
        self._id_tags.put(record)

    def delete(self, id_tag: str) -> bool:
        return self._id_tags.delete(id_tag)

    def list_page(
        self, limit: int, cursor: str | None = None
    ) -> tuple[list[IdTagRecord], str | None]:
        page = page_after(
            self._id_tags.records.values(),
            lambda r: {"idTag": r.id_tag},
            ("idTag",),
            limit,
            key_values(cursor, ("idTag",)),
        )
        return page.items, page.next_cursor


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


class MemorySessionQueries:
    def __init__(self, transactions: MemoryTransactionRepository) -> None:
        self._transactions = transactions

    def by_charger(
        self, charge_point_id: str, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        after = key_values(
            cursor, ("chargePointId", "transactionId"), {"chargePointId": charge_point_id}
        )
        records = [
            replace(r)
            for (cp, _), r in list(self._transactions.records.items())
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
            for r in list(self._transactions.records.values())
            # The index only holds sessions with both attributes, as in DynamoDB.
            if r.id_tag == id_tag and r.started_at is not None and _matches(r, where)
        ]
        return page_after(
            records,
            lambda r: {
                "idTag": r.id_tag,
                "startedAt": r.started_at,
                "chargePointId": r.charge_point_id,
                "transactionId": r.transaction_id,
            },
            ("startedAt", "chargePointId", "transactionId"),
            limit,
            after,
            descending=True,
        )


class MemoryEnergyReports:
    def __init__(self, ledger: MemoryEnergyLedger) -> None:
        self._ledger = ledger

    def days(self, charge_point_id: str, first_day: str, last_day: str) -> list[EnergyDay]:
        return [
            EnergyDay(day=day, energy_wh=energy, sessions=sessions)
            for (cp, day), (energy, sessions) in sorted(self._ledger.days.items())
            if cp == charge_point_id and first_day <= day <= last_day
        ]


@dataclass
class MemoryLiveConnections:
    """Connections API Gateway "knows"; `failing` makes describe raise, like an outage."""

    connections: dict[str, LiveConnection] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)
    failing: bool = False

    def describe(self, connection_id: str) -> LiveConnection | None:
        if self.failing:
            raise ConnectionError("management API unavailable")
        return self.connections.get(connection_id)

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)
        self.connections.pop(connection_id, None)


def memory_registry(
    chargers: MemoryChargerRepository,
    id_tags: MemoryIdTagRepository,
    transactions: MemoryTransactionRepository,
    ledger: MemoryEnergyLedger | None = None,
    connections: MemoryLiveConnections | None = None,
) -> Registry:
    """Registry adapters sharing the records of the given in-memory repositories."""
    return Registry(
        chargers=MemoryChargerDirectory(chargers),
        id_tags=MemoryIdTagCatalog(id_tags),
        sessions=MemorySessionQueries(transactions),
        energy=MemoryEnergyReports(ledger or MemoryEnergyLedger(transactions)),
        connections=connections or MemoryLiveConnections(),
    )
