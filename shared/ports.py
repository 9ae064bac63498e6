"""The interfaces the logic talks to. Adapters implement them for DynamoDB, EventBridge and
memory (the in-memory ones are real fakes used by unit tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from shared.models.charger import BootInfo, ChargerRecord
from shared.models.connection import ConnectionRecord, ConnectorStatus, StatusChange
from shared.models.events import DomainEvent


class ChargerRepository(Protocol):
    def get(self, charge_point_id: str) -> ChargerRecord | None: ...

    def create(self, record: ChargerRecord) -> bool:
        """Store a new charger; False (and nothing written) if the id is taken."""
        ...

    def record_boot(
        self, charge_point_id: str, boot: BootInfo, protocol: str, at: datetime
    ) -> ChargerRecord | None:
        """Store what the charger reported; the updated record, or None for an unknown charger."""
        ...

    def attach_connection(
        self, charge_point_id: str, connection_id: str, protocol: str, connected_at_ms: int
    ) -> bool:
        """Make this the charger's current connection unless a newer one is already attached."""
        ...

    def detach_connection(self, charge_point_id: str, connection_id: str, at: datetime) -> bool:
        """Mark the charger offline, only if `connection_id` is still its current connection."""
        ...


class ConnectionRepository(Protocol):
    def put(self, record: ConnectionRecord) -> None: ...

    def get(self, connection_id: str) -> ConnectionRecord | None:
        """The live record, or None (also when its TTL has passed but it is not yet deleted)."""
        ...

    def delete(self, connection_id: str) -> None: ...


class ConnectorRepository(Protocol):
    def apply_status(self, status: ConnectorStatus) -> StatusChange:
        """Store the status unless a report with a later timestamp is already stored."""
        ...

    def list_for(self, charge_point_id: str) -> list[ConnectorStatus]: ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish all events; raise EventPublishError if some could not be, after retries."""
        ...


class EventPublishError(RuntimeError):
    def __init__(self, failed: Sequence[DomainEvent], reason: str) -> None:
        super().__init__(f"{len(failed)} event(s) not published: {reason}")
        self.failed = list(failed)
