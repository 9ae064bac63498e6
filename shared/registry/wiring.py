"""The registry's adapters and services, built from settings (AWS) or given adapters (tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shared.config import Settings
from shared.registry.chargers import ChargerAdmin
from shared.registry.id_tags import IdTagAdmin
from shared.registry.ports import (
    ChargerDirectory,
    EnergyReports,
    IdTagCatalog,
    LiveConnections,
    SessionQueries,
)
from shared.registry.sessions import SessionReports
from shared.timeutil import utc_now
from shared.wiring import Dependencies


@dataclass
class Registry:
    chargers: ChargerDirectory
    id_tags: IdTagCatalog
    sessions: SessionQueries
    energy: EnergyReports
    connections: LiveConnections


@dataclass
class RegistryServices:
    chargers: ChargerAdmin
    id_tags: IdTagAdmin
    sessions: SessionReports


def registry_services(
    deps: Dependencies, registry: Registry, now: Callable[[], datetime] = utc_now
) -> RegistryServices:
    return RegistryServices(
        chargers=ChargerAdmin(
            chargers=deps.chargers,
            connectors=deps.connectors,
            directory=registry.chargers,
            connections=registry.connections,
            now=now,
        ),
        id_tags=IdTagAdmin(registry.id_tags),
        sessions=SessionReports(
            queries=registry.sessions,
            transactions=deps.transactions,
            chargers=deps.chargers,
            energy_reports=registry.energy,
            now=now,
        ),
    )


def aws_registry(settings: Settings) -> Registry:
    from shared.adapters.aws import LazyClient
    from shared.registry.connections import ApiGatewayLiveConnections
    from shared.registry.dynamodb import (
        DynamoChargerDirectory,
        DynamoEnergyReports,
        DynamoIdTagCatalog,
        DynamoSessionQueries,
    )

    dynamodb = LazyClient("dynamodb")
    return Registry(
        chargers=DynamoChargerDirectory(dynamodb, settings.chargers_table),
        id_tags=DynamoIdTagCatalog(dynamodb, settings.id_tags_table),
        sessions=DynamoSessionQueries(dynamodb, settings.transactions_table),
        energy=DynamoEnergyReports(dynamodb, settings.energy_daily_table),
        connections=ApiGatewayLiveConnections(settings.ws_management_endpoint, settings.region),
    )
