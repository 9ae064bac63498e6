"""The ports of the operator-side registry (queries and admin writes), and their values.

Listings return a `Page`: at most `limit` items and an opaque cursor for the next page (None
at the end). A page may hold fewer items than asked even when more follow: filtered DynamoDB
reads are bounded per request, never a walk over the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from shared.models.charger import ChargerRecord, RegistrationStatus, ValidationMode
from shared.models.transaction import IdTagRecord, TransactionRecord, TransactionStatus

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class ChargerFilter:
    registration_status: RegistrationStatus | None = None
    online: bool | None = None


@dataclass(frozen=True)
class ChargerChanges:
    """What an operator changes on a charger; None leaves a field as it is."""

    registration_status: RegistrationStatus | None = None
    validation_mode: ValidationMode | None = None
    password_hash: str | None = None
    clear_password: bool = False

    @property
    def empty(self) -> bool:
        return (
            self.registration_status is None
            and self.validation_mode is None
            and self.password_hash is None
            and not self.clear_password
        )


@dataclass(frozen=True)
class SessionFilter:
    """Sessions started within [started_from, started_to] (RFC 3339 UTC, as stored)."""

    started_from: str | None = None
    started_to: str | None = None
    status: TransactionStatus | None = None
    charge_point_id: str | None = None  # narrows a by-id-tag query
    id_tag: str | None = None  # narrows a by-charger query


@dataclass(frozen=True)
class EnergyDay:
    day: str  # YYYY-MM-DD (UTC)
    energy_wh: int
    sessions: int


@dataclass(frozen=True)
class LiveConnection:
    """What API Gateway knows about a WebSocket connection (GetConnection)."""

    connected_at: str | None = None
    last_active_at: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None


class ChargerDirectory(Protocol):
    def list_page(
        self, limit: int, cursor: str | None, where: ChargerFilter
    ) -> Page[ChargerRecord]: ...

    def update(self, charge_point_id: str, changes: ChargerChanges) -> ChargerRecord | None:
        """Apply the changes; the updated record, or None if the charger is unknown."""
        ...

    def delete(self, charge_point_id: str) -> ChargerRecord | None:
        """Remove the charger; the removed record, or None if it did not exist."""
        ...


class IdTagCatalog(Protocol):
    def get(self, id_tag: str) -> IdTagRecord | None: ...

    def create(self, record: IdTagRecord) -> bool:
        """Store a new tag; False (nothing written) if it exists."""
        ...

    def put(self, record: IdTagRecord) -> None: ...

    def delete(self, id_tag: str) -> bool: ...

    def list_page(
        self, limit: int, cursor: str | None = None
    ) -> tuple[list[IdTagRecord], str | None]: ...


class SessionQueries(Protocol):
    def by_charger(
        self, charge_point_id: str, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        """A charger's sessions, in transaction id order."""
        ...

    def by_id_tag(
        self, id_tag: str, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        """Sessions started with an id tag, newest first (sessions without a start are not
        indexed)."""
        ...


class EnergyReports(Protocol):
    def days(self, charge_point_id: str, first_day: str, last_day: str) -> list[EnergyDay]:
        """The charger's energy per UTC day within [first_day, last_day], oldest first; days
        without sessions are absent."""
        ...


class LiveConnections(Protocol):
    def describe(self, connection_id: str) -> LiveConnection | None:
        """The connection as API Gateway sees it; None when it no longer exists. Other
        failures raise."""
        ...

    def close(self, connection_id: str) -> None:
        """Close the connection (nothing happens if it is already gone)."""
        ...
