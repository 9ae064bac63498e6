"""Live WebSocket connections through API Gateway's @connections management API.

The operator API asks GetConnection for `lastActiveAt` when showing a charger; that must
never hold the answer up for long, so this client has short timeouts and no retries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.adapters.aws import error_code
from shared.registry.ports import LiveConnection
from shared.timeutil import iso_utc

GONE = "GoneException"


class ApiGatewayLiveConnections:
    def __init__(self, endpoint_url: str | None, region: str, client: Any = None) -> None:
        self._endpoint_url = endpoint_url
        self._region = region
        self._client = client

    def _management(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.session.Session().client(
                "apigatewaymanagementapi",
                region_name=self._region,
                endpoint_url=self._endpoint_url,
                config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}),
            )
        return self._client

    def describe(self, connection_id: str) -> LiveConnection | None:
        try:
            response = self._management().get_connection(ConnectionId=connection_id)
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
            self._management().delete_connection(ConnectionId=connection_id)
        except Exception as exc:
            if error_code(exc) != GONE:
                raise


def _timestamp(value: Any) -> str | None:
    if isinstance(value, datetime):
        return iso_utc(value)
    return str(value) if value else None
