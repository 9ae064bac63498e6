"""Composition root: builds the services with the AWS adapters (or with given ones in tests)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.config import Settings
from shared.core.connections import ConnectionService
from shared.core.station import StationHandlers
from shared.ocpp.router import ReplyHandler, Router
from shared.ports import (
    ChargerRepository,
    ConnectionRepository,
    ConnectorRepository,
    EventPublisher,
)


@dataclass
class Dependencies:
    settings: Settings
    chargers: ChargerRepository
    connections: ConnectionRepository
    connectors: ConnectorRepository
    publisher: EventPublisher

    def connection_service(self) -> ConnectionService:
        return ConnectionService(
            chargers=self.chargers,
            connections=self.connections,
            publisher=self.publisher,
            connection_ttl_s=self.settings.connection_ttl_s,
        )


def aws_dependencies(settings: Settings) -> Dependencies:
    from shared.adapters.aws import LazyClient
    from shared.adapters.dynamodb import (
        DynamoChargerRepository,
        DynamoConnectionRepository,
        DynamoConnectorRepository,
    )
    from shared.adapters.eventbridge import EventBridgePublisher

    dynamodb = LazyClient("dynamodb")
    return Dependencies(
        settings=settings,
        chargers=DynamoChargerRepository(dynamodb, settings.chargers_table),
        connections=DynamoConnectionRepository(dynamodb, settings.connections_table),
        connectors=DynamoConnectorRepository(dynamodb, settings.connectors_table),
        publisher=EventBridgePublisher(
            LazyClient("events"), settings.event_bus_name, settings.event_source
        ),
    )


def build_router(deps: Dependencies, reply_handler: ReplyHandler | None = None) -> Router:
    """The OCPP router with every functional block's handlers registered."""
    router = Router() if reply_handler is None else Router(reply_handler=reply_handler)
    StationHandlers(
        chargers=deps.chargers,
        connectors=deps.connectors,
        publisher=deps.publisher,
        heartbeat_interval_s=deps.settings.heartbeat_interval_s,
        boot_retry_interval_s=deps.settings.boot_retry_interval_s,
    ).register(router)
    return router
