"""The StartRequests table: drivers' start requests, per charger (docs/adr/0011)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from shared.models.start_request import StartRequest, StartStatus


class StartRequestStore(Protocol):
    def create(self, request: StartRequest) -> bool:
        """Store a new request; False (nothing written) if its id is taken."""
        ...

    def get(self, charge_point_id: str, request_id: str) -> StartRequest | None:
        """Strongly consistent read."""
        ...

    def transition(
        self,
        request: StartRequest,
        allowed_from: frozenset[StartStatus],
        changes: Mapping[str, Any],
    ) -> StartRequest | None:
        """Apply `changes` (StartRequest field -> value; None removes it) only while the
        stored status is one of `allowed_from`; the new request, or None (nothing written)."""
        ...

    def due(self, now_ms: int, limit: int, from_ms: int | None = None) -> list[StartRequest]:
        """Open requests whose `due_at_ms` has passed (and is not before `from_ms`), oldest
        first: the sweep's work (an index read, never a scan)."""
        ...

    def by_charger(self, charge_point_id: str, since_ms: int) -> list[StartRequest]:
        """A charger's requests made since `since_ms`, newest first."""
        ...
