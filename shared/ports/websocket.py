"""Ports of API Gateway's @connections API: frames to chargers, and what the gateway knows
about a connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
