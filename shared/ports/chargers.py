"""Ports of the charger side: the charger registry, live connection records, connectors.

One interface per table. The WebSocket path uses the first few methods of each; operator
listings and changes use the rest (same records, same item format).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.models.charger import BootInfo, ChargerRecord, RegistrationStatus, ValidationMode
from shared.models.connection import (
    Attachment,
    ConnectionRecord,
    ConnectorStatus,
    PendingDisconnect,
    StatusChange,
)
from shared.ports.paging import Page


@dataclass(frozen=True)
class ChargerFilter:
    registration_status: RegistrationStatus | None = None
    online: bool | None = None
    vendor: str | None = None  # exact, as the charger reported it at boot
    model: str | None = None
    tag: str | None = None  # the charger carries this tag


@dataclass(frozen=True)
class ChargerChanges:
    """What an operator changes on a charger; None leaves a field as it is."""

    registration_status: RegistrationStatus | None = None
    validation_mode: ValidationMode | None = None
    password_hash: str | None = None
    clear_password: bool = False
    tags: frozenset[str] | None = None  # the charger's whole new set of tags

    @property
    def empty(self) -> bool:
        return (
            self.registration_status is None
            and self.validation_mode is None
            and self.password_hash is None
            and not self.clear_password
            and self.tags is None
        )

    @property
    def settles_at_connect(self) -> bool:
        """Changes a charger's connection is admitted under (tags are not)."""
        return (
            self.registration_status is not None
            or self.validation_mode is not None
            or self.password_hash is not None
            or self.clear_password
        )


class ChargerRepository(Protocol):
    """The Chargers table. (The command slot on the same item belongs to `CommandStore`.)"""

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
    ) -> Attachment:
        """Make this the charger's current connection unless a newer one is already attached;
        say which connection it replaced."""
        ...

    def detach_connection(
        self, charge_point_id: str, connection_id: str, at: datetime, reason: str | None = None
    ) -> bool:
        """Mark the charger offline, only if `connection_id` is still its current connection,
        and its ChargerDisconnected unpublished in the same write (the relay publishes it
        unless the charger reconnects first; `attach_connection` drops it then)."""
        ...

    def disconnects_waiting(self, marked_before_ms: int) -> list[PendingDisconnect]:
        """Disconnects still unpublished from before then (the outbox relay's turn)."""
        ...

    def disconnect_published(self, pending: PendingDisconnect) -> None:
        """Clear a published disconnect's marker, unless the charger disconnected again since."""
        ...

    def record_status_report(self, charge_point_id: str, kind: str, status: str, at: str) -> None:
        """Remember the latest firmware / diagnostics / log upload status of a charger."""
        ...

    def set_local_list_version(self, charge_point_id: str, version: int) -> None: ...

    def record_cost_profile(self, charge_point_id: str, name: str, at: str) -> None:
        """The charger accepted every setting of this cost profile (a no-op if unknown)."""
        ...

    def count_auth_failure(self, charge_point_id: str) -> int:
        """One more consecutive wrong password; the count after it (0: unknown charger)."""
        ...

    def lock_auth(self, charge_point_id: str, until_ms: int) -> None:
        """Refuse every password of this charger until `until_ms`."""
        ...

    def clear_auth_failures(self, charge_point_id: str) -> None:
        """A right password: the count starts again."""
        ...

    def store_auth_verifier(self, charge_point_id: str, password_hash: str, verifier: str) -> bool:
        """Keep the fast check of a password just verified, only while `password_hash` is
        still the charger's (a password changed meanwhile wins); False when nothing written."""
        ...

    def begin_password_rotation(
        self, charge_point_id: str, command_id: str, password_hash: str
    ) -> bool:
        """Keep the hash of a password about to be sent (replacing a rotation not yet
        accepted); False for an unknown charger or one without a password."""
        ...

    def complete_password_rotation(
        self, charge_point_id: str, command_id: str, previous_until_ms: int
    ) -> ChargerRecord | None:
        """The charger accepted the password of `command_id`: it becomes the password, the old
        one (and its fast check) is honoured until `previous_until_ms`. Only while
        `command_id` is still the rotation in flight: None (nothing written) otherwise, so a
        redelivered answer or a replaced rotation changes nothing."""
        ...

    def drop_password_rotation(self, charge_point_id: str, command_id: str) -> None:
        """The charger refused the password of `command_id`: forget it (if still in flight)."""
        ...

    def end_password_grace(self, charge_point_id: str, previous_hash: str) -> None:
        """The charger connected with its new password: the old one (if still `previous_hash`)
        opens no connection any more."""
        ...

    def list_page(
        self, limit: int, cursor: str | None, where: ChargerFilter
    ) -> Page[ChargerRecord]: ...

    def list_all(self) -> list[ChargerRecord]:
        """Every charger: a full read of the table (the operator overview, never the charger
        path; its cost is in docs/adr/0035-operator-console-queries.md)."""
        ...

    def update(self, charge_point_id: str, changes: ChargerChanges) -> ChargerRecord | None:
        """Apply the changes; the updated record, or None if the charger is unknown."""
        ...

    def delete(self, charge_point_id: str) -> ChargerRecord | None:
        """Remove the charger; the removed record, or None if it did not exist."""
        ...


class AdmissionKey(Protocol):
    """The deployment's secret key for fast admission checks (docs/adr/0027), kept outside
    the tables (a Secrets Manager secret on AWS)."""

    def key(self) -> bytes | None:
        """The key, or None when it cannot be had now (then every check is the slow one)."""
        ...


class ConnectionRepository(Protocol):
    def put(self, record: ConnectionRecord) -> None: ...

    def get(self, connection_id: str) -> ConnectionRecord | None:
        """The live record, or None (also when its TTL has passed but it is not yet deleted)."""
        ...

    def delete(self, connection_id: str) -> None: ...


class ConnectorRepository(Protocol):
    """Connector statuses. (The active-session pointer on the same items is written by
    `TransactionRepository.claim_connector`: it belongs to the session's start.)"""

    def apply_status(self, status: ConnectorStatus, change_events: frozenset[str]) -> StatusChange:
        """Store the status unless a report received later is already stored. A change of
        status or error code is stored with `change_events` marked unpublished and the old
        status as `previous_status`, in one write; a repeat is stored without a marker (one
        write: repeats are most reports) and keeps the marker of an earlier change."""
        ...

    def mark_published(
        self, charge_point_id: str, connector_key: str, detail_type: str, received_at_ms: int
    ) -> None:
        """Clear an event's marker if the connector still holds the report it was built from
        (a newer change keeps its own marker)."""
        ...

    def mark_for_relay(self, charge_point_id: str, connector_key: str) -> None:
        """Hand a connector whose change could not be published to the outbox relay."""
        ...

    def marked(self, marked_before_ms: int) -> list[ConnectorStatus]:
        """Connectors with events marked unpublished before this time (epoch ms), for the
        outbox relay; a bounded page."""
        ...

    def record_charging_state(
        self, charge_point_id: str, connector_key: str, charging_state: str | None, at_ms: int
    ) -> bool:
        """Store a 2.0.1 connector's charging state as of `at_ms` (None: no session charges
        on it), unless one as of a later moment is stored; False then. One conditional write;
        the status report on the same item is left as it is."""
        ...

    def list_for(self, charge_point_id: str) -> list[ConnectorStatus]: ...

    def list_all(self) -> list[ConnectorStatus]:
        """Every connector's latest status: a full read of the table (the operator overview,
        never the charger path; docs/adr/0035-operator-console-queries.md)."""
        ...
