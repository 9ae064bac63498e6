"""The one source of truth for the platform's resources.

Both the CDK stack (`infra/`) and the local platform (`local/`) build their tables, buses,
functions and routes from these definitions, and `tests/infrastructure` checks that the two
agree. This module is plain data: importing it must never import aws-cdk-lib.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Access = Literal["read", "write", "readwrite"]


@dataclass(frozen=True)
class Key:
    name: str
    type: Literal["S", "N"] = "S"


@dataclass(frozen=True)
class IndexDef:
    name: str
    partition_key: Key
    sort_key: Key | None = None


@dataclass(frozen=True)
class TableDef:
    """A DynamoDB table. `id` is the CDK construct id; `local_name` the name used locally."""

    id: str
    env_var: str
    local_name: str
    partition_key: Key
    sort_key: Key | None = None
    ttl_attribute: str | None = None
    indexes: tuple[IndexDef, ...] = ()
    # Data tables survive a stack deletion; purely transient tables do not need to.
    retain: bool = True


@dataclass(frozen=True)
class EventBusDef:
    id: str
    env_var: str
    local_name: str
    source: str


@dataclass(frozen=True)
class FunctionDef:
    """A Lambda function: its handler, sizing and the resources it may touch."""

    name: str
    handler: str
    description: str
    memory_mb: int = 256
    timeout_s: int = 10
    tables: tuple[tuple[str, Access], ...] = ()
    publishes_events: bool = False
    manages_connections: bool = False


CHARGERS = TableDef(
    id="Chargers",
    env_var="CHARGERS_TABLE",
    local_name="csms-chargers",
    partition_key=Key("chargePointId"),
)

# One item per live WebSocket connection: connectionId -> charger, protocol. Expires after the
# API Gateway maximum connection duration (2 h) plus slack, in case $disconnect never arrives.
CONNECTIONS = TableDef(
    id="Connections",
    env_var="CONNECTIONS_TABLE",
    local_name="csms-connections",
    partition_key=Key("connectionId"),
    ttl_attribute="expiresAt",
    retain=False,
)

# Last reported status per connector (1.6) or EVSE/connector (2.0.1).
CONNECTORS = TableDef(
    id="Connectors",
    env_var="CONNECTORS_TABLE",
    local_name="csms-connectors",
    partition_key=Key("chargePointId"),
    sort_key=Key("connectorKey"),
)

TABLES: tuple[TableDef, ...] = (CHARGERS, CONNECTIONS, CONNECTORS)

EVENT_BUS = EventBusDef(
    id="EventBus",
    env_var="EVENT_BUS_NAME",
    local_name="csms-events",
    source="csms.ocpp",
)

FUNCTIONS: tuple[FunctionDef, ...] = (
    FunctionDef(
        name="ws_authorize",
        handler="functions.ws_authorize.handler.handler",
        description="WebSocket $connect authorizer: charger identity and HTTP Basic auth",
        # scrypt password hashing is memory- and CPU-bound; more memory buys CPU.
        memory_mb=512,
        tables=((CHARGERS.id, "readwrite"),),
    ),
    FunctionDef(
        name="ws_connect",
        handler="functions.ws_connect.handler.handler",
        description="WebSocket $connect: subprotocol and connection record",
        tables=((CHARGERS.id, "readwrite"), (CONNECTIONS.id, "write")),
        publishes_events=True,
    ),
    FunctionDef(
        name="ws_default",
        handler="functions.ws_default.handler.handler",
        description="WebSocket $default: every OCPP-J frame",
        tables=(
            (CHARGERS.id, "readwrite"),
            (CONNECTIONS.id, "read"),
            (CONNECTORS.id, "readwrite"),
        ),
        publishes_events=True,
    ),
    FunctionDef(
        name="ws_disconnect",
        handler="functions.ws_disconnect.handler.handler",
        description="WebSocket $disconnect: clears the connection if it is still current",
        tables=((CHARGERS.id, "readwrite"), (CONNECTIONS.id, "readwrite")),
        publishes_events=True,
    ),
    FunctionDef(
        name="operator_api",
        handler="functions.operator_api.handler.handler",
        description="Operator HTTP API",
        timeout_s=29,
        tables=(
            (CHARGERS.id, "readwrite"),
            (CONNECTIONS.id, "read"),
            (CONNECTORS.id, "read"),
        ),
        manages_connections=True,
    ),
)

FUNCTIONS_BY_NAME = {f.name: f for f in FUNCTIONS}
TABLES_BY_ID = {t.id: t for t in TABLES}

# WebSocket API: route key -> function name. The authorizer guards $connect only.
WEBSOCKET_ROUTES: dict[str, str] = {
    "$connect": "ws_connect",
    "$default": "ws_default",
    "$disconnect": "ws_disconnect",
}
WEBSOCKET_AUTHORIZER = "ws_authorize"
# The authorizer's identity source: API Gateway only calls it when this is present.
WEBSOCKET_IDENTITY_SOURCE = "route.request.querystring.chargePointId"

# HTTP API (payload format 2.0): route prefix -> function name.
HTTP_ROUTES: dict[str, str] = {"/api": "operator_api"}
