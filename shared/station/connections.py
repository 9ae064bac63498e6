"""Connection lifecycle: $connect records the connection, $disconnect clears it if still current.

API Gateway can deliver a stale $disconnect after the charger's new $connect; the newest
connection wins, and a disconnect only takes the charger offline when it is for the connection
the charger record points at (conditional writes, no read-modify-write).

A reconnect is not a change of state: API Gateway closes every connection after two hours
and the charger is back within seconds. A disconnect stores its ChargerDisconnected unpublished
(the outbox); a connection within RECONNECT_GRACE_MS drops it and publishes nothing, and the
outbox relay publishes it for a charger that stayed away (docs/adr/0028-connection-events.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shared.models.connection import ConnectionRecord, PendingDisconnect
from shared.models.domain_events import CHARGER_CONNECTED, CHARGER_DISCONNECTED, DomainEvent
from shared.ports import (
    ChargerRepository,
    ConnectionRepository,
    EventPublisher,
    LiveConnections,
    close_safely,
)
from shared.ports.publishing import RELAY_GRACE_MS, publish_safely
from shared.timeutil import from_epoch_ms, iso_utc

logger = logging.getLogger("csms.station.connections")

# A connection this soon after the charger's last disconnect is a reconnect: neither event is
# published. The relay takes a disconnect only once it is DISCONNECT_RELAY_AFTER_MS old (by its
# own clock); a $connect is processed within 29 s of its request (API Gateway's integration
# timeout), so a reconnect inside the grace has dropped the marker long before the relay looks.
RECONNECT_GRACE_MS = 30_000
DISCONNECT_RELAY_AFTER_MS = RECONNECT_GRACE_MS + RELAY_GRACE_MS


def disconnected_event(pending: PendingDisconnect) -> DomainEvent:
    """ChargerDisconnected, built from the stored disconnect alone (same id whoever publishes)."""
    return DomainEvent(
        CHARGER_DISCONNECTED,
        pending.charge_point_id,
        from_epoch_ms(pending.at_ms),
        {"connectionId": pending.connection_id, "reason": pending.reason},
    )


@dataclass
class ConnectionService:
    chargers: ChargerRepository
    connections: ConnectionRepository
    publisher: EventPublisher
    live: LiveConnections
    connection_ttl_s: int
    # Settles a command sent on an earlier connection that still holds the charger's in-flight
    # slot (charger id, message id): no answer can come back on the new connection
    # (docs/adr/0038-command-slots.md). Called only when a slot was held.
    release_held_command: Callable[[str, str], object] | None = None

    def open(
        self,
        connection_id: str,
        charge_point_id: str,
        protocol: str,
        validation_mode: str,
        connected_at_ms: int,
        source_ip: str | None = None,
        registration_status: str = "Accepted",
        keep_record: bool = True,
    ) -> bool:
        """Record a new connection; True if it became the charger's current one (the one it
        replaced is closed: whoever holds an older socket no longer acts as the charger).

        `keep_record`: write the connection record that later routes fall back to without an
        authorizer context. With one (the stack's authorizer) every route carries the identity
        and the charger record the connection: no record, two writes fewer per reconnect."""
        connected_at = from_epoch_ms(connected_at_ms)
        if keep_record:
            self.connections.put(
                ConnectionRecord(
                    connection_id=connection_id,
                    charge_point_id=charge_point_id,
                    protocol=protocol,
                    validation_mode=validation_mode,
                    connected_at=iso_utc(connected_at),
                    connected_at_ms=connected_at_ms,
                    expires_at=connected_at_ms // 1000 + self.connection_ttl_s,
                    registration_status=registration_status,
                )
            )
        attachment = self.chargers.attach_connection(
            charge_point_id, connection_id, protocol, connected_at_ms
        )
        if not attachment:
            logger.warning(
                "a newer connection is already attached; this one is refused",
                extra={"chargePointId": charge_point_id, "connectionId": connection_id},
            )
            return False
        if attachment.held_command is not None and self.release_held_command is not None:
            try:
                self.release_held_command(charge_point_id, attachment.held_command)
            except Exception:  # the connection stands; the command then times out as before
                logger.exception(
                    "command held over a reconnect not settled",
                    extra={"chargePointId": charge_point_id, "messageId": attachment.held_command},
                )
        if attachment.replaced is not None:
            close_safely(
                self.live, charge_point_id, attachment.replaced, "replaced by a new connection"
            )
            if connected_at_ms - (attachment.replaced_connected_at_ms or 0) >= RECONNECT_GRACE_MS:
                return True  # online all along (its old socket not yet reported closed)
            # Replaced within seconds: the one before may be a $connect that failed after it
            # attached, never announced; announce this one (a flapping charger may repeat).
        pending = attachment.pending_disconnect
        if pending is not None and connected_at_ms - pending.at_ms < RECONNECT_GRACE_MS:
            logger.debug(
                "charger reconnected",
                extra={
                    "chargePointId": charge_point_id,
                    "awayMs": connected_at_ms - pending.at_ms,
                    "reason": pending.reason,
                },
            )
            return True
        # Offline for longer (or never connected): the disconnect, unless the relay already
        # published it (then this is a repeat under the same id), and the connection.
        events = [disconnected_event(pending)] if pending is not None else []
        events.append(
            DomainEvent(
                CHARGER_CONNECTED,
                charge_point_id,
                connected_at,
                {"connectionId": connection_id, "protocol": protocol, "sourceIp": source_ip},
            )
        )
        publish_safely(self.publisher, *events)
        return True

    def close(
        self,
        connection_id: str,
        charge_point_id: str | None,
        disconnected_at_ms: int,
        reason: str | None = None,
    ) -> bool:
        """Forget a connection; True if the charger went offline because of it. The charger's
        id comes from the authorizer context (then no connection record was written), or else
        from the connection record, which goes with the connection."""
        if charge_point_id is None:
            record = self.connections.get(connection_id)
            charge_point_id = record.charge_point_id if record else None
            self.connections.delete(connection_id)
        if charge_point_id is None:
            logger.info(
                "disconnect of an unknown connection", extra={"connectionId": connection_id}
            )
            return False
        at = from_epoch_ms(disconnected_at_ms)
        if not self.chargers.detach_connection(charge_point_id, connection_id, at, reason):
            logger.info(
                "stale disconnect ignored: the charger has a newer connection",
                extra={"chargePointId": charge_point_id, "connectionId": connection_id},
            )
            return False
        return True

    def republish_marked(self, marked_before_ms: int, now: datetime) -> int:
        """The outbox relay's turn: publish the disconnects of chargers that stayed away."""
        waiting = self.chargers.disconnects_waiting(marked_before_ms - RECONNECT_GRACE_MS)
        for pending in waiting:
            if publish_safely(self.publisher, disconnected_event(pending)):
                self.chargers.disconnect_published(pending)
        return len(waiting)
