"""The events chargers report about themselves (docs/adr/0036-station-events.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.models.charger_event import ChargerEvent, ChargerEventKind
from shared.ports.paging import Page


class ChargerEventLog(Protocol):
    def record(self, events: Sequence[ChargerEvent]) -> None:
        """Store the events; one with the key of a stored one replaces it (a resend)."""
        ...

    def newest(
        self, charge_point_id: str, kind: ChargerEventKind, limit: int, cursor: str | None
    ) -> Page[ChargerEvent]:
        """A charger's events of one kind, newest first; expired ones are absent."""
        ...
