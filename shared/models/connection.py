"""Live WebSocket connections and connector status."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectionRecord:
    connection_id: str
    charge_point_id: str
    protocol: str
    validation_mode: str
    connected_at: str
    connected_at_ms: int
    expires_at: int  # epoch seconds; DynamoDB TTL. Treat as absent once past.
    # As admitted at $connect: on a connection not Accepted every CALL but BootNotification is
    # checked first; a change of registration closes the connection, except accepting it
    # (docs/adr/0040-registration-states.md).
    registration_status: str = "Accepted"


# Connector statuses (1.6) and 2.0.1 chargingStates of a session drawing, or about to draw,
# energy: the console's "charging".
CHARGING_STATES = frozenset({"Charging", "SuspendedEV", "SuspendedEVSE"})


@dataclass(frozen=True)
class ConnectorStatus:
    """Last status of one connector. 1.6 keys it by connectorId, 2.0.1 by EVSE and connector."""

    charge_point_id: str
    connector_id: int
    status: str
    timestamp: str
    # Receipt time (API Gateway's clock) orders reports: a charger's clock can jump backwards.
    received_at_ms: int
    evse_id: int | None = None
    error_code: str | None = None
    info: str | None = None
    vendor_id: str | None = None
    vendor_error_code: str | None = None
    # As stored: the status before the last change, and the change's events not yet published
    # (the outbox, docs/adr/0019-outbox-relay.md).
    previous_status: str | None = None
    unpublished: frozenset[str] = frozenset()
    # 2.0.1: the chargingState of the newest TransactionEvent that placed one on this
    # connector (Charging, SuspendedEV, ...); 2.0.1 StatusNotification says only Occupied.
    charging_state: str | None = None

    @property
    def connector_key(self) -> str:
        if self.evse_id is None:
            return str(self.connector_id)
        return f"{self.evse_id}/{self.connector_id}"


@dataclass(frozen=True)
class StatusChange:
    """Result of applying a status report: whether it was newer, and the connector as stored
    after it (its `unpublished` events: those of this change, or of an earlier one whose
    publish did not happen, e.g. the first attempt of this very report)."""

    applied: bool
    stored: ConnectorStatus | None = None


@dataclass(frozen=True)
class PendingDisconnect:
    """A charger's closed connection whose ChargerDisconnected waits in the outbox: published
    by the outbox relay once the charger stayed away past the reconnect grace, dropped when it
    reconnects within it (docs/adr/0028-connection-events.md)."""

    charge_point_id: str
    connection_id: str
    at_ms: int
    reason: str | None = None


@dataclass(frozen=True)
class Attachment:
    """Result of attaching a connection to its charger: whether it became the current one, the
    connection it replaced (to be closed: one charger id, one live socket), and the disconnect
    still waiting to be published when the charger was offline; and the command that held the
    charger's in-flight slot then, sent on an earlier connection (it can no longer be answered)."""

    current: bool
    replaced: str | None = None
    replaced_connected_at_ms: int | None = None
    pending_disconnect: PendingDisconnect | None = None
    held_command: str | None = None

    def __bool__(self) -> bool:
        return self.current
