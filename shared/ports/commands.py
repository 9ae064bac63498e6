"""Ports of CSMS-initiated commands: pending calls, reservations, workflow task tokens."""

from __future__ import annotations

from typing import Any, Protocol

from shared.models.command import CommandRecord
from shared.models.reservation import ReservationRecord
from shared.ports.paging import Page


class CommandStore(Protocol):
    """Pending-call records, and the charger's single in-flight slot (kept on the charger's
    item so that claiming it is one conditional write)."""

    def create(self, record: CommandRecord) -> None: ...

    def get(self, charge_point_id: str, message_id: str) -> CommandRecord | None: ...

    def by_charger(
        self, charge_point_id: str, limit: int, cursor: str | None, action: str | None = None
    ) -> Page[CommandRecord]:
        """A charger's commands, newest first (by `createdAt`, then message id), optionally
        of one action; a page may be short when the action filter leaves items out. Raises
        InvalidCursor for a cursor of another listing or charger."""
        ...

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
        """Record the outcome if the command is still pending, with its events marked
        unpublished in the same write; the updated record or None."""
        ...

    def mark_published(self, charge_point_id: str, message_id: str, detail_type: str) -> None:
        """Clear the outbox marker of an event once it is published."""
        ...

    def mark_for_relay(self, charge_point_id: str, message_id: str) -> None:
        """Hand a command whose event could not be published to the outbox relay."""
        ...

    def marked(self, marked_before_ms: int) -> list[CommandRecord]:
        """Commands with events marked unpublished before this time (epoch ms), for the outbox
        relay; a bounded page."""
        ...

    def acquire_slot(
        self, charge_point_id: str, message_id: str, deadline_ms: int, now_ms: int
    ) -> bool:
        """Claim the charger's single in-flight slot (free, held past its deadline, or held
        by this same message id: a send retried before its record was written)."""
        ...

    def slot_holder(self, charge_point_id: str) -> tuple[str, int] | None:
        """(message id, deadline ms) of the command holding the slot, if any."""
        ...

    def release_slot(self, charge_point_id: str, message_id: str) -> None:
        """Free the slot if `message_id` still holds it."""
        ...


class ReservationStore(Protocol):
    def create(self, record: ReservationRecord) -> bool: ...

    def get(self, charge_point_id: str, reservation_id: int) -> ReservationRecord | None: ...

    def update(
        self,
        charge_point_id: str,
        reservation_id: int,
        status: str,
        expected: tuple[str, ...],
        charger_status: str | None = None,
        transaction_id: str | None = None,
    ) -> bool:
        """Change the status if the current one is in `expected`."""
        ...

    def list_for(self, charge_point_id: str) -> list[ReservationRecord]: ...


class TaskNotifier(Protocol):
    """Step Functions task tokens: a workflow waiting for a command's outcome."""

    def succeed(self, task_token: str, output: dict[str, Any]) -> None: ...

    def fail(self, task_token: str, error: str, cause: str) -> None: ...
