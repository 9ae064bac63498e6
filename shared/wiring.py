"""Composition root: builds the services with the AWS adapters (or with given ones in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from shared.commands.engine import CommandEngine
from shared.commands.local_list import LocalListService
from shared.commands.reservations import ReservationService, ReservationStore
from shared.config import Settings
from shared.core.connections import ConnectionService
from shared.core.data_transfer import DataTransferHandlers, VendorRegistry
from shared.core.reports import ReportHandlers
from shared.core.station import StationHandlers
from shared.ocpp.router import ReplyHandler, Router
from shared.ports import (
    ChargerRepository,
    ChargerSender,
    CommandStore,
    ConnectionRepository,
    ConnectorRepository,
    EnergyLedger,
    EventPublisher,
    IdTagRepository,
    TaskNotifier,
    TelemetrySink,
    TransactionEventLog,
    TransactionRepository,
)
from shared.transactions.authorization import Authorizer
from shared.transactions.handlers import TransactionHandlers
from shared.transactions.sessions import SessionService


@dataclass
class Dependencies:
    settings: Settings
    chargers: ChargerRepository
    connections: ConnectionRepository
    connectors: ConnectorRepository
    publisher: EventPublisher
    id_tags: IdTagRepository
    transactions: TransactionRepository
    transaction_events: TransactionEventLog
    telemetry: TelemetrySink
    commands: CommandStore
    sender: ChargerSender
    tasks: TaskNotifier
    reservations: ReservationStore
    vendors: VendorRegistry = field(default_factory=VendorRegistry)

    @cached_property
    def engine(self) -> CommandEngine:
        """The command engine with the domain follow-ups of answered commands registered."""
        engine = CommandEngine(
            chargers=self.chargers,
            commands=self.commands,
            sender=self.sender,
            publisher=self.publisher,
            tasks=self.tasks,
        )
        ReservationService(self.reservations, engine).register_hooks()
        LocalListService(self.chargers, self.id_tags, engine).register_hooks()
        return engine

    def reservation_service(self) -> ReservationService:
        return ReservationService(self.reservations, self.engine)

    def local_list_service(self) -> LocalListService:
        return LocalListService(self.chargers, self.id_tags, self.engine)

    def session_service(self) -> SessionService:
        return SessionService(
            transactions=self.transactions, publisher=self.publisher, telemetry=self.telemetry
        )

    def connection_service(self) -> ConnectionService:
        return ConnectionService(
            chargers=self.chargers,
            connections=self.connections,
            publisher=self.publisher,
            connection_ttl_s=self.settings.connection_ttl_s,
        )


def aws_dependencies(settings: Settings) -> Dependencies:
    from shared.adapters.aws import LazyClient
    from shared.adapters.commands import (
        ApiGatewaySender,
        DynamoCommandStore,
        StepFunctionsNotifier,
    )
    from shared.adapters.dynamodb import (
        DynamoChargerRepository,
        DynamoConnectionRepository,
        DynamoConnectorRepository,
    )
    from shared.adapters.dynamodb_transactions import (
        DynamoIdTagRepository,
        DynamoTransactionEventLog,
        DynamoTransactionRepository,
        KinesisTelemetrySink,
    )
    from shared.adapters.eventbridge import EventBridgePublisher
    from shared.adapters.reservations import DynamoReservationStore

    dynamodb = LazyClient("dynamodb")
    return Dependencies(
        settings=settings,
        chargers=DynamoChargerRepository(dynamodb, settings.chargers_table),
        connections=DynamoConnectionRepository(dynamodb, settings.connections_table),
        connectors=DynamoConnectorRepository(dynamodb, settings.connectors_table),
        publisher=EventBridgePublisher(
            LazyClient("events"), settings.event_bus_name, settings.event_source
        ),
        id_tags=DynamoIdTagRepository(dynamodb, settings.id_tags_table),
        transactions=DynamoTransactionRepository(
            dynamodb, settings.transactions_table, settings.connectors_table
        ),
        transaction_events=DynamoTransactionEventLog(dynamodb, settings.transaction_events_table),
        telemetry=KinesisTelemetrySink(LazyClient("kinesis"), settings.telemetry_stream_name),
        commands=DynamoCommandStore(dynamodb, settings.commands_table, settings.chargers_table),
        sender=ApiGatewaySender(
            LazyClient("apigatewaymanagementapi", settings.ws_management_endpoint)
        ),
        tasks=StepFunctionsNotifier(LazyClient("stepfunctions")),
        reservations=DynamoReservationStore(dynamodb, settings.reservations_table),
    )


def build_router(deps: Dependencies, reply_handler: ReplyHandler | None = None) -> Router:
    """The OCPP router with every functional block's handlers registered."""
    router = Router(reply_handler=reply_handler or deps.engine.on_reply)
    StationHandlers(
        chargers=deps.chargers,
        connectors=deps.connectors,
        publisher=deps.publisher,
        heartbeat_interval_s=deps.settings.heartbeat_interval_s,
        boot_retry_interval_s=deps.settings.boot_retry_interval_s,
    ).register(router)
    TransactionHandlers(
        authorizer=Authorizer(deps.id_tags),
        sessions=deps.session_service(),
        event_log=deps.transaction_events,
        reservation_used=deps.reservation_service().use,
    ).register(router)
    ReportHandlers(reports=deps.chargers, publisher=deps.publisher).register(router)
    DataTransferHandlers(vendors=deps.vendors, publisher=deps.publisher).register(router)
    return router


def aws_energy_ledger(settings: Settings) -> EnergyLedger:
    from shared.adapters.aws import LazyClient
    from shared.adapters.dynamodb_transactions import DynamoEnergyLedger

    return DynamoEnergyLedger(
        LazyClient("dynamodb"), settings.transactions_table, settings.energy_daily_table
    )
