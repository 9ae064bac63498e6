"""An in-memory event bus that keeps what was published."""

from __future__ import annotations

from collections.abc import Sequence

from shared.models.domain_events import DomainEvent
from shared.ports import EventPublishError


class MemoryEventPublisher:
    """Collects events; can be told to fail, to exercise the error paths."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.fail = False

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if self.fail:
            raise EventPublishError(events, "publisher set to fail")
        self.events.extend(events)

    def of_type(self, detail_type: str) -> list[DomainEvent]:
        return [e for e in self.events if e.detail_type == detail_type]
