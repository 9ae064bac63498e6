"""Ports of API Gateway's @connections API: frames to chargers, and what the gateway knows
about a connection."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger("csms.ports.websocket")


class ConnectionGone(Exception):
    """The WebSocket connection no longer exists."""


@dataclass(frozen=True)
class LiveConnection:
    """What API Gateway knows about a WebSocket connection (GetConnection)."""

    connected_at: str | None = None
    last_active_at: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None


class ChargerSender(Protocol):
    def send(self, connection_id: str, text: str) -> None:
        """Send a frame to a connected charger; raise ConnectionGone if it is not connected."""
        ...


class LiveConnections(Protocol):
    """Asked on operator requests: answers quickly or fails, never holds a request up."""

    def describe(self, connection_id: str) -> LiveConnection | None:
        """The connection as API Gateway sees it; None when it no longer exists. Other
        failures raise."""
        ...

    def close(self, connection_id: str) -> None:
        """Close the connection (nothing happens if it is already gone)."""
        ...


def close_safely(
    connections: LiveConnections, charge_point_id: str, connection_id: str, why: str
) -> bool:
    """Close a live WebSocket connection (its $disconnect follows); False when that failed.

    Best effort: a failure is logged, and whatever asked for the close has already made the
    connection no longer count as the charger's.
    """
    try:
        connections.close(connection_id)
    except Exception:
        logger.warning(
            "could not close a connection",
            exc_info=True,
            extra={"chargePointId": charge_point_id, "connectionId": connection_id, "why": why},
        )
        return False
    logger.info(
        "connection closed",
        extra={"chargePointId": charge_point_id, "connectionId": connection_id, "why": why},
    )
    return True
