"""Ports of charging sessions: id tags, sessions, the 2.0.1 event log, energy, telemetry.

One interface per table: the WebSocket path and the operator listings read and write the same
records through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from shared.models.telemetry import TelemetryRecord
from shared.models.transaction import IdTagRecord, TransactionRecord, TransactionStatus
from shared.ports.paging import Page


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


# Network-wide energy totals: per UTC day (period "YYYY-MM-DD") or per UTC hour (period
# "YYYY-MM-DDTHH:00:00Z"), each session counted once, in the period it stopped.
EnergyGranularity = Literal["day", "hour"]


@dataclass(frozen=True)
class EnergyPeriod:
    period: str
    energy_wh: int
    sessions: int


# The most points a session's stored energy curve holds (docs/adr/0034): 12 hours of points at
# the default live-energy write interval (300 s). Once full, the live energy is still written;
# later readings are left out of the curve (the stop still ends it).
MAX_CURVE_POINTS = 144

# One stored curve point: a pair of integers, as the telemetry consumer encodes it
# (shared/telemetry/session_curve.py): seconds and Wh relative to the session's start, or an
# absolute (epoch seconds, register Wh) reading when the consumer did not know the start.
CurvePoint = tuple[int, int]


@dataclass(frozen=True)
class SessionCurve:
    session: TransactionRecord
    points: tuple[CurvePoint, ...]  # in the order written: oldest first


class IdTagRepository(Protocol):
    def get(self, id_tag: str) -> IdTagRecord | None: ...

    def create(self, record: IdTagRecord) -> bool:
        """Store a new tag; False (nothing written) if it exists."""
        ...

    def put(self, record: IdTagRecord) -> None: ...

    def delete(self, id_tag: str) -> bool:
        """Remove a tag; False if it did not exist."""
        ...

    def list_page(self, limit: int, cursor: str | None = None) -> Page[IdTagRecord]:
        """One page of id tags; raises InvalidCursor for a cursor of another listing."""
        ...

    def list_owned(self, owner_id: str) -> list[IdTagRecord]:
        """The tags of one owner (a driver's cards), by id tag."""
        ...

    def delete_owned(self, id_tag: str, owner_id: str) -> bool:
        """Remove a tag only if `owner_id` owns it; False otherwise (nothing removed)."""
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

    def record_token(
        self,
        charge_point_id: str,
        transaction_id: str,
        id_tag: str,
        authorization_status: str | None,
    ) -> TransactionRecord | None:
        """Give a started session that has no id tag the token presented after its start
        (2.0.1 E02: cable plugged in first): the session as stored then, None (nothing
        written) if it has one already or no start."""
        ...

    def record_tariff(
        self, charge_point_id: str, transaction_id: str, tariff_id: str, tariff_version: int
    ) -> bool:
        """Price a running session that became a driver's after its start (E02) with this
        tariff version; False if it has one already, has no start or has stopped."""
        ...

    def claim_connector(
        self, charge_point_id: str, connector_key: str, transaction_id: str, started_at_ms: int
    ) -> str | None:
        """Make `transaction_id` the connector's active session unless a later-started one
        holds it; return the session it displaced (None if none or if not claimed)."""
        ...

    def mark_replaced(
        self,
        charge_point_id: str,
        transaction_id: str,
        replaced_by: str,
        at: str,
        unpublished: frozenset[str] = frozenset(),
    ) -> bool:
        """Flag an active, unstopped session as replaced by a newer start."""
        ...

    def mark_published(self, charge_point_id: str, transaction_id: str, detail_type: str) -> None:
        """Clear the outbox marker of an event once it is published. Every write that makes a
        change stores the record's `unpublished` detail types with it (create, record_start,
        finish, complete_orphan, mark_replaced)."""
        ...

    def mark_for_relay(self, charge_point_id: str, transaction_id: str) -> None:
        """Hand a session whose events could not be published to the outbox relay."""
        ...

    def marked(self, marked_before_ms: int) -> list[TransactionRecord]:
        """Sessions with events marked unpublished before this time (epoch ms): what a live
        publish left behind, for the outbox relay. A bounded page, oldest first per shard."""
        ...

    def finish(self, record: TransactionRecord) -> bool:
        """Store the stop fields of `record`; False if the session already has a stop."""
        ...

    def record_meter_progress(
        self,
        charge_point_id: str,
        transaction_id: str,
        energy_wh: int,
        at: str,
        curve_point: CurvePoint | None = None,
    ) -> TransactionRecord | None:
        """Keep the latest energy register reading (newest `at` wins); the updated session,
        or None if the session is unknown or a newer reading is stored. In the same write,
        `curve_point` is appended to the session's curve unless it holds MAX_CURVE_POINTS
        already: only a newer reading appends, so the curve is in reading order and a replay
        adds nothing."""
        ...

    def curve(self, charge_point_id: str, transaction_id: str) -> SessionCurve | None:
        """The session with its stored curve points (strongly consistent), or None."""
        ...

    def claim_cost_update(
        self, charge_point_id: str, transaction_id: str, at_ms: int, interval_ms: int
    ) -> bool:
        """Mark that the running session's cost is sent for the reading at `at_ms`; False
        (and no change) if the session is unknown, stopped, or was sent a cost for a reading
        less than `interval_ms` before. One conditional write: of two copies of a redelivered
        batch, only one sends (docs/adr/0044)."""
        ...

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

    def recent(
        self, where: SessionFilter, limit: int, cursor: str | None
    ) -> Page[TransactionRecord]:
        """Every charger's sessions started within [where.started_from, where.started_to]
        (both required; the caller bounds the window: one index read per UTC day), newest
        first."""
        ...


class TransactionEventLog(Protocol):
    """2.0.1 TransactionEvents whose work is done, by (station, transaction, seqNo)."""

    def seen(self, charge_point_id: str, transaction_id: str, seq_no: int) -> bool:
        """Whether the event's work was done (strongly consistent; expired means not)."""
        ...

    def record(
        self, charge_point_id: str, transaction_id: str, seq_no: int, expires_at: int
    ) -> None:
        """Mark the event done: written only after its work succeeded, so a retry after a
        fault does the work again instead of being answered and lost."""
        ...


class EnergyLedger(Protocol):
    """Energy per charger and UTC day, and the network's per UTC day and hour (the EnergyDaily
    table)."""

    def add_session_once(
        self,
        charge_point_id: str,
        transaction_id: str,
        day: str,
        energy_wh: int,
        hour: str | None = None,
    ) -> bool:
        """Add a finished session's energy to its charger's day and to the network's day and
        (given the hour, "YYYY-MM-DDTHH:00:00Z") hour, exactly once per session: all in one
        write with the session's rolled-up marker."""
        ...

    def days(self, charge_point_id: str, first_day: str, last_day: str) -> list[EnergyDay]:
        """The charger's energy per UTC day within [first_day, last_day], oldest first; days
        without sessions are absent."""
        ...

    def network(self, granularity: EnergyGranularity, first: str, last: str) -> list[EnergyPeriod]:
        """The network's energy per period within [first, last] (periods as stored), oldest
        first; periods without sessions are absent."""
        ...


class TelemetrySink(Protocol):
    def put(self, record: TelemetryRecord) -> None: ...
