"""Publishing domain events: the port, and the rule every caller follows when the bus fails."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from shared.models.domain_events import DomainEvent
from shared.observability import emit_metric
from shared.timeutil import to_epoch_ms

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


class OutboxSource(Protocol):
    """A service whose records keep their events marked until published (ADR 0019)."""

    def republish_marked(self, marked_before_ms: int, now: datetime) -> int:
        """Publish the events its records marked before then and still hold; the number of
        records found waiting."""
        ...


# The relay leaves younger markers to the live path that set them (it publishes right after
# its write); what is older than this was left behind.
RELAY_GRACE_MS = 60_000


def relay_outbox(sources: Mapping[str, OutboxSource], now: datetime) -> dict[str, int]:
    """One run of the outbox relay over every source: records found waiting, per source.

    Publishing failures are counted by publish_safely (EventsNotPublished, alarmed on) and the
    records stay marked for the next run; one failing source does not stop the others.
    """
    marked_before_ms = to_epoch_ms(now) - RELAY_GRACE_MS
    found: dict[str, int] = {}
    failed: list[str] = []
    for name, source in sources.items():
        try:
            found[name] = source.republish_marked(marked_before_ms, now)
        except Exception:
            logger.exception("outbox relay: a source failed", extra={"source": name})
            failed.append(name)
    waiting = sum(found.values())
    if waiting:
        emit_metric("OutboxRecordsRelayed", waiting, {})
        logger.warning("outbox relay republished left-behind events", extra={"found": found})
    if failed:
        raise OutboxRelayError(failed)
    return found


class OutboxRelayError(RuntimeError):
    def __init__(self, sources: Sequence[str]) -> None:
        super().__init__(f"outbox relay failed for: {', '.join(sources)}")
        self.sources = list(sources)
