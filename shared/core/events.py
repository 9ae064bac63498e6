"""Publishing domain events from the core without letting a bus outage break the protocol."""

from __future__ import annotations

import logging

from shared.models.events import DomainEvent
from shared.ports import EventPublisher, EventPublishError

logger = logging.getLogger("csms.core.events")


def publish_safely(publisher: EventPublisher, *events: DomainEvent) -> bool:
    """Publish; on failure log every lost event as an error (alarmed on) and return False.

    The state change behind an event is already stored when we publish, and a charger must not
    be told its message failed because the bus did not take the event.
    """
    try:
        publisher.publish(events)
    except EventPublishError as exc:
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
