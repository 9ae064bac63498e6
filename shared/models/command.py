"""Command records: one per CALL the central system sends to a charger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# pending: sent, no answer yet. answered: a CALLRESULT that passed its schema. error: a
# CALLERROR. invalid_response: a CALLRESULT that broke its schema. timeout: no answer before
# the deadline. offline: the charger was not connected (or the connection was stale).
CommandStatus = Literal["pending", "answered", "error", "invalid_response", "timeout", "offline"]
FINAL_STATUSES: frozenset[str] = frozenset(
    {"answered", "error", "invalid_response", "timeout", "offline"}
)


@dataclass
class CommandRecord:
    charge_point_id: str
    message_id: str
    action: str
    protocol: str
    status: CommandStatus
    created_at: str
    deadline_ms: int
    expires_at: int  # epoch seconds (TTL): the outcome can be polled until then
    payload: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    completed_at: str | None = None
    task_token: str | None = None
    requested_by: str | None = None
    # Events of its outcome not yet published (the outbox, docs/adr/0019-outbox-relay.md).
    unpublished: frozenset[str] = frozenset()

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    def summary(self) -> dict[str, Any]:
        """The command as the API and events show it (no task token)."""
        return {
            "commandId": self.message_id,
            "chargePointId": self.charge_point_id,
            "action": self.action,
            "protocol": self.protocol,
            "status": self.status,
            "request": self.payload,
            "result": self.result,
            "error": self.error,
            "createdAt": self.created_at,
            "completedAt": self.completed_at,
            "requestedBy": self.requested_by,
        }
