"""Connector statuses: stored per connector, ConnectorStatusChanged published for a change.

A change is stored with its event marked unpublished (the outbox, docs/adr/0019-outbox-relay.md)
and the event is built from the stored connector alone; so whoever publishes it (the report, its
retry after a lost response, the outbox relay) publishes the same event with the same id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.models.connection import ConnectorStatus
from shared.models.domain_events import CONNECTOR_STATUS_CHANGED, DomainEvent
from shared.ports import ConnectorRepository, EventPublisher, publish_safely
from shared.timeutil import from_epoch_ms

CHANGE_EVENTS = frozenset({CONNECTOR_STATUS_CHANGED})


def status_changed_detail(stored: ConnectorStatus) -> dict[str, Any]:
    return {
        "evseId": stored.evse_id,
        "connectorId": stored.connector_id,
        "status": stored.status,
        "previousStatus": stored.previous_status,
        "errorCode": stored.error_code,
        "info": stored.info,
        "vendorErrorCode": stored.vendor_error_code,
        "timestamp": stored.timestamp,
    }


@dataclass
class ConnectorStatuses:
    connectors: ConnectorRepository
    publisher: EventPublisher

    def report(self, status: ConnectorStatus) -> bool:
        """Store a reported status; False if a report received later is already stored. A
        change is published, and so is an earlier change still marked (this report's first
        attempt may have stored it and then failed)."""
        change = self.connectors.apply_status(status, CHANGE_EVENTS)
        if not change.applied or change.stored is None:
            return False
        self.publish_pending(change.stored)
        return True

    def publish_pending(self, stored: ConnectorStatus) -> None:
        if CONNECTOR_STATUS_CHANGED not in stored.unpublished:
            return
        event = DomainEvent(
            CONNECTOR_STATUS_CHANGED,
            stored.charge_point_id,
            from_epoch_ms(stored.received_at_ms),
            status_changed_detail(stored),
        )
        if publish_safely(self.publisher, event):
            self.connectors.mark_published(
                stored.charge_point_id,
                stored.connector_key,
                CONNECTOR_STATUS_CHANGED,
                stored.received_at_ms,
            )
        else:  # left for the outbox relay
            self.connectors.mark_for_relay(stored.charge_point_id, stored.connector_key)

    def republish_marked(self, marked_before_ms: int, now: datetime) -> int:
        """The outbox relay's turn. A connector that changed again since publishes its latest
        change (whose previousStatus is the one in between)."""
        waiting = self.connectors.marked(marked_before_ms)
        for stored in waiting:
            self.publish_pending(stored)
        return len(waiting)
