"""The interfaces the logic talks to. Adapters implement them for DynamoDB, EventBridge and
memory (the in-memory ones are real fakes used by unit tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from shared.commands.models import CommandRecord
from shared.models.charger import BootInfo, ChargerRecord
from shared.models.connection import ConnectionRecord, ConnectorStatus, StatusChange
from shared.models.events import DomainEvent
from shared.models.telemetry import TelemetryRecord
from shared.models.transaction import IdTagRecord, TransactionRecord


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

    def record_status_report(self, charge_point_id: str, kind: str, status: str, at: str) -> None:
        """Remember the latest firmware / diagnostics status of a charger."""
        ...

    def set_local_list_version(self, charge_point_id: str, version: int) -> None: ...


class ConnectionRepository(Protocol):
    def put(self, record: ConnectionRecord) -> None: ...

    def get(self, connection_id: str) -> ConnectionRecord | None:
        """The live record, or None (also when its TTL has passed but it is not yet deleted)."""
        ...

    def delete(self, connection_id: str) -> None: ...


class ConnectorRepository(Protocol):
    def apply_status(self, status: ConnectorStatus) -> StatusChange:
        """Store the status unless a report received later is already stored; say what it
        replaced (None for a connector without a status yet) so that only a change, not a
        repeat, is published. One write, no read first."""
        ...

    def list_for(self, charge_point_id: str) -> list[ConnectorStatus]: ...


class IdTagRepository(Protocol):
    def get(self, id_tag: str) -> IdTagRecord | None: ...

    def put(self, record: IdTagRecord) -> None: ...

    def list_page(
        self, limit: int, cursor: str | None = None
    ) -> tuple[list[IdTagRecord], str | None]:
        """One page of id tags and the opaque cursor of the next page (None at the end)."""
        ...

    def delete(self, id_tag: str) -> bool:
        """Remove a tag; False if it did not exist."""
        ...


class TransactionRepository(Protocol):
    """Charging sessions. Fields written at start are never changed afterwards, so reading them
    and then writing conditionally on the stop fields is race-free."""

    def get(self, charge_point_id: str, transaction_id: str) -> TransactionRecord | None:
        """Strongly consistent read."""
        ...

    def create(self, record: TransactionRecord) -> bool:
        """Store a new session; False (nothing written) if the id is taken."""
        ...

    def record_start(self, record: TransactionRecord) -> TransactionRecord | None:
        """Add start fields to a session that may already exist (2.0.1 events can arrive out
        of order); the stored session, or None if it already had a start."""
        ...

    def complete_orphan(self, record: TransactionRecord) -> bool:
        """Store the outcome of a session whose stop arrived before its start."""
        ...

    def claim_connector(
        self, charge_point_id: str, connector_key: str, transaction_id: str, started_at_ms: int
    ) -> str | None:
        """Make `transaction_id` the connector's active session unless a later-started one
        holds it; return the session it displaced (None if none or if not claimed)."""
        ...

    def mark_replaced(
        self, charge_point_id: str, transaction_id: str, replaced_by: str, at: str
    ) -> bool:
        """Flag an active, unstopped session as replaced by a newer start."""
        ...

    def finish(self, record: TransactionRecord) -> bool:
        """Store the stop fields of `record`; False if the session already has a stop."""
        ...

    def record_meter_progress(
        self, charge_point_id: str, transaction_id: str, energy_wh: int, at: str
    ) -> TransactionRecord | None:
        """Keep the latest energy register reading (newest `at` wins); the updated session,
        or None if the session is unknown or a newer reading is stored."""
        ...


class TransactionEventLog(Protocol):
    def first_time(
        self, charge_point_id: str, transaction_id: str, seq_no: int, expires_at: int
    ) -> bool:
        """Record (station, transaction, seqNo); False if it was seen before."""
        ...


class EnergyLedger(Protocol):
    def add_session_once(
        self, charge_point_id: str, transaction_id: str, day: str, energy_wh: int
    ) -> bool:
        """Add a finished session's energy to its charger's day, exactly once per session."""
        ...


class TelemetrySink(Protocol):
    def put(self, record: TelemetryRecord) -> None: ...


class ChargerStatusReports(Protocol):
    def record_status_report(self, charge_point_id: str, kind: str, status: str, at: str) -> None:
        """Remember the latest firmware / diagnostics / log upload status of a charger."""
        ...


class EventPublisher(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish all events; raise EventPublishError if some could not be, after retries."""
        ...


class EventPublishError(RuntimeError):
    def __init__(self, failed: Sequence[DomainEvent], reason: str) -> None:
        super().__init__(f"{len(failed)} event(s) not published: {reason}")
        self.failed = list(failed)


class CommandStore(Protocol):
    def create(self, record: CommandRecord) -> None: ...

    def get(self, charge_point_id: str, message_id: str) -> CommandRecord | None: ...

    def complete(
        self,
        charge_point_id: str,
        message_id: str,
        status: str,
        at: str,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> CommandRecord | None:
        """Record the outcome if the command is still pending; the updated record or None."""
        ...

    def acquire_slot(
        self, charge_point_id: str, message_id: str, deadline_ms: int, now_ms: int
    ) -> bool:
        """Claim the charger's single in-flight slot (free, or held past its deadline)."""
        ...

    def slot_holder(self, charge_point_id: str) -> tuple[str, int] | None:
        """(message id, deadline ms) of the command holding the slot, if any."""
        ...

    def release_slot(self, charge_point_id: str, message_id: str) -> None:
        """Free the slot if `message_id` still holds it."""
        ...


class ConnectionGone(Exception):
    """The WebSocket connection no longer exists."""


class ChargerSender(Protocol):
    def send(self, connection_id: str, text: str) -> None:
        """Send a frame to a connected charger; raise ConnectionGone if it is not connected."""
        ...


class TaskNotifier(Protocol):
    def succeed(self, task_token: str, output: dict[str, Any]) -> None: ...

    def fail(self, task_token: str, error: str, cause: str) -> None: ...
