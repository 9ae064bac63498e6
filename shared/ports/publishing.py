"""Publishing domain events: the port, and the rule every caller follows when the bus fails."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from shared.models.domain_events import DomainEvent
from shared.observability import emit_metric

logger = logging.getLogger("csms.ports.publishing")


class EventPublishError(RuntimeError):
    def __init__(self, failed: Sequence[DomainEvent], reason: str) -> None:
        super().__init__(f"{len(failed)} event(s) not published: {reason}")
        self.failed = list(failed)


class EventPublisher(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish all events; raise EventPublishError if some could not be, after retries."""
        ...


def publish_safely(publisher: EventPublisher, *events: DomainEvent) -> bool:
    """Publish; on failure log every lost event as an error (alarmed on) and return False.

    The state change behind an event is already stored when we publish, and a charger must not
    be told its message failed because the bus did not take the event.
    """
    try:
        publisher.publish(events)
    except EventPublishError as exc:
        emit_metric("EventsNotPublished", len(exc.failed), {})
        for event in exc.failed:
            logger.error(
                "domain event not published",
                extra={
                    "detailType": event.detail_type,
                    "chargePointId": event.charge_point_id,
                    "detail": event.full_detail(),
                    "reason": str(exc),
                },
            )
        return False
    return True
