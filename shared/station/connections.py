"""Connection lifecycle: $connect records the connection, $disconnect clears it if still current.

API Gateway can deliver a stale $disconnect after the charger's new $connect; the newest
connection wins, and a disconnect only takes the charger offline when it is for the connection
the charger record points at (conditional writes, no read-modify-write).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shared.models.connection import ConnectionRecord
from shared.models.domain_events import CHARGER_CONNECTED, CHARGER_DISCONNECTED, DomainEvent
from shared.ports import (
    ChargerRepository,
    ConnectionRepository,
    EventPublisher,
    LiveConnections,
    close_safely,
)
from shared.ports.publishing import publish_safely
from shared.timeutil import from_epoch_ms, iso_utc

logger = logging.getLogger("csms.station.connections")


@dataclass
class ConnectionService:
    chargers: ChargerRepository
    connections: ConnectionRepository
    publisher: EventPublisher
    live: LiveConnections
    connection_ttl_s: int

    def open(
        self,
        connection_id: str,
        charge_point_id: str,
        protocol: str,
        validation_mode: str,
        connected_at_ms: int,
        source_ip: str | None = None,
        registration_status: str = "Accepted",
    ) -> bool:
        """Record a new connection; True if it became the charger's current one (the one it
        replaced is closed: whoever holds an older socket no longer acts as the charger)."""
        connected_at = from_epoch_ms(connected_at_ms)
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
        if attachment.replaced is not None:
            close_safely(
                self.live, charge_point_id, attachment.replaced, "replaced by a new connection"
            )
        publish_safely(
            self.publisher,
            DomainEvent(
                CHARGER_CONNECTED,
                charge_point_id,
                connected_at,
                {"connectionId": connection_id, "protocol": protocol, "sourceIp": source_ip},
            ),
        )
        return True

    def close(
        self,
        connection_id: str,
        charge_point_id: str | None,
        disconnected_at_ms: int,
        reason: str | None = None,
    ) -> bool:
        """Forget a connection; True if the charger went offline because of it."""
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
        if not self.chargers.detach_connection(charge_point_id, connection_id, at):
            logger.info(
                "stale disconnect ignored: the charger has a newer connection",
                extra={"chargePointId": charge_point_id, "connectionId": connection_id},
            )
            return False
        publish_safely(
            self.publisher,
            DomainEvent(
                CHARGER_DISCONNECTED,
                charge_point_id,
                at,
                {"connectionId": connection_id, "reason": reason},
            ),
        )
        return True
