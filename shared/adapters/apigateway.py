"""API Gateway's @connections management API: frames to chargers (PostToConnection) and the
live view of a connection (GetConnection, DeleteConnection)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.adapters.aws_clients import error_code
from shared.ports import ConnectionGone, LiveConnection
from shared.timeutil import iso_utc

GONE = "GoneException"


class ApiGatewaySender:
    """post_to_connection on the WebSocket API's @connections endpoint."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def send(self, connection_id: str, text: str) -> None:
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=text.encode("utf-8"))
        except Exception as exc:
            if error_code(exc) == GONE:
                raise ConnectionGone(connection_id) from exc
            raise


class ApiGatewayLiveConnections:
    """For operator requests: its client has short timeouts and no retries, so asking for a
    charger's `lastActiveAt` never holds an answer up for long."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self, connection_id: str) -> LiveConnection | None:
        try:
            response = self._client.get_connection(ConnectionId=connection_id)
        except Exception as exc:
            if error_code(exc) == GONE:
                return None
            raise
        identity = response.get("Identity") or {}
        return LiveConnection(
            connected_at=_timestamp(response.get("ConnectedAt")),
            last_active_at=_timestamp(response.get("LastActiveAt")),
            source_ip=identity.get("SourceIp"),
            user_agent=identity.get("UserAgent"),
        )

    def close(self, connection_id: str) -> None:
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except Exception as exc:
            if error_code(exc) != GONE:
                raise


def _timestamp(value: Any) -> str | None:
    if isinstance(value, datetime):
        return iso_utc(value)
    return str(value) if value else None
