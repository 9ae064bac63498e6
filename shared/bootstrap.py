"""The composition root: every function's adapters and services are built here, and only here.

`aws_dependencies` picks one adapter per port (DynamoDB, Kinesis, EventBridge, API Gateway,
Step Functions); tests and the local memory store hand in the in-memory ones instead.
`build_services` builds every service once from them and wires what a finished command changes
elsewhere; `build_router` registers the OCPP handlers of each functional block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.access.contract_certificates import ContractCertificates
from shared.access.registration import RegistrationGate
from shared.admin.chargers import ChargerAdmin
from shared.admin.errors import NotFound
from shared.admin.id_tags import IdTagAdmin
from shared.admin.locations import LocationAdmin
from shared.admin.payments import PaymentAdmin
from shared.admin.sessions import SessionReports
from shared.admin.tariffs import TariffAdmin
from shared.certificates.signing import CertificatePolicy, CertificateSigning, NoAuthorityKeys
from shared.commands.cost_profiles import CostProfileService
from shared.commands.engine import CommandEngine
from shared.commands.local_list import LocalListService
from shared.commands.password_rotation import PasswordRotation
from shared.commands.reservations import ReservationService
from shared.config import ConfigError, Settings
from shared.drivers.cards import DriverCards
from shared.drivers.cost_updates import CostUpdates
from shared.drivers.payment_methods import DriverPaymentMethods
from shared.drivers.receipt_mail import ReceiptMailer
from shared.drivers.sessions import DriverSessions
from shared.drivers.settlement import Settlement
from shared.drivers.starts import ConnectorOffer, OfferOf, SessionStarts
from shared.drivers.station_costs import StationCostService
from shared.drivers.stops import DriverStops
from shared.firmware.campaigns_service import CampaignService
from shared.firmware.files import FileLocations
from shared.firmware.images import FirmwareImages
from shared.firmware.uploads import DiagnosticsUploads
from shared.load_management.grid import GridLimits
from shared.load_management.grid_feed import GridFeed
from shared.load_management.grid_sites import SiteGrid
from shared.load_management.load_history import LoadHistory
from shared.load_management.loop import SiteAllocator, no_grid_signal
from shared.load_management.needs_answers import SchedulingNeedsAnswer
from shared.load_management.profile_sender import ProfileSender, TransactionLookup
from shared.load_management.session_plans import SessionPlans
from shared.load_management.sites import SiteModels
from shared.load_management.trigger import SiteTrigger
from shared.locations.search import LocationSearch
from shared.models.firmware import FirmwareImage
from shared.ocpp.framing import CallError, CallResult
from shared.ocpp.router import MessageContext, Router
from shared.payments.webhooks import PaymentWebhooks, WebhookReceiver
from shared.ports import (
    AdmissionKey,
    ChargerEventLog,
    ChargerRepository,
    ChargerSender,
    CommandStore,
    ConnectionRepository,
    ConnectorRepository,
    DeviceModelStore,
    DriverRepository,
    EnergyLedger,
    EventPublisher,
    IdTagRepository,
    LiveConnections,
    LocationRepository,
    OutboxSource,
    ReceiptStore,
    ReservationStore,
    StartRequestStore,
    TariffRepository,
    TaskNotifier,
    TelemetrySink,
    TransactionEventLog,
    TransactionRepository,
    WorkflowRunner,
)
from shared.ports.certificates import AuthorityKeys, CertificateStore
from shared.ports.contract_pool import ContractCertificatePool
from shared.ports.files import FileStores
from shared.ports.firmware import FirmwareDownloads, FirmwareImageStore
from shared.ports.firmware_campaigns import CampaignExecutions, CampaignStore
from shared.ports.grid_signal_store import GridSignalStore, SiteSources, SourceOpener
from shared.ports.ocsp import OcspResponder
from shared.ports.payments import PaymentProvider, PaymentRecordRepository, WebhookVerifier
from shared.ports.site_load_history import SiteLoadHistory
from shared.ports.site_loads import SiteLoadStore
from shared.ports.site_queue import SiteQueue
from shared.smart_charging.stability import StabilityRules
from shared.station.charging_state import ChargingStates
from shared.station.connections import ConnectionService
from shared.station.connector_status import ConnectorStatuses
from shared.station.data_transfer import DataTransferHandlers, VendorExtensions
from shared.station.device_model import DeviceModelHandlers
from shared.station.events import StationEvents
from shared.station.handlers import StationHandlers
from shared.station.iso15118 import Iso15118Handlers
from shared.station.notifications import StationNotifications
from shared.station.reservation_status import ReservationStatusHandlers
from shared.station.status_reports import StatusReportHandlers
from shared.telemetry.energy_rollup import EnergyRollup
from shared.telemetry.session_progress import SessionProgress
from shared.timeutil import utc_now
from shared.transactions.authorization import Authorizer
from shared.transactions.handlers import TransactionHandlers
from shared.transactions.sessions import SessionService


@dataclass
class Dependencies:
    """Settings and one adapter per port."""

    settings: Settings
    chargers: ChargerRepository
    connections: ConnectionRepository
    connectors: ConnectorRepository
    publisher: EventPublisher
    id_tags: IdTagRepository
    transactions: TransactionRepository
    transaction_events: TransactionEventLog
    energy: EnergyLedger
    telemetry: TelemetrySink
    commands: CommandStore
    reservations: ReservationStore
    sender: ChargerSender
    live_connections: LiveConnections
    tasks: TaskNotifier
    tariffs: TariffRepository
    payments: PaymentProvider
    payment_records: PaymentRecordRepository
    webhook_verifier: WebhookVerifier
    drivers: DriverRepository
    start_requests: StartRequestStore
    receipts: ReceiptStore
    workflows: WorkflowRunner
    locations: LocationRepository
    device_models: DeviceModelStore
    charger_events: ChargerEventLog
    # DataTransfer handlers of vendor integrations (none built in).
    vendors: VendorExtensions = field(default_factory=VendorExtensions)
    # The key of the fast admission check (docs/adr/0027); None: scrypt on every connect.
    admission_key: AdmissionKey | None = None
    # ISO 15118 certificates (docs/adr/0042): the OCSP responder and the contract certificate
    # pool; None: not configured (contract certificates are then not accepted).
    ocsp: OcspResponder | None = None
    contract_pool: ContractCertificatePool | None = None
    # Stations' certificates (docs/adr/0041); the CA's key only where certificates are signed.
    certificates: CertificateStore | None = None
    authority_keys: AuthorityKeys | None = None
    # Firmware images, file locations and uploads (docs/adr/0045); None: not kept here.
    files: FileStores | None = None
    # Firmware campaigns, their targets and the chargers' jobs (docs/adr/0045).
    campaigns: CampaignStore | None = None
    # Sites' electrical models, EVSE live states and allocations (docs/adr/0047).
    site_loads: SiteLoadStore | None = None
    # Each site's load per minute, 8 days (docs/adr/0053); the allocation loop records it.
    site_load_history: SiteLoadHistory | None = None
    # Sites' grid schedules, sources and received signals (docs/adr/0052).
    grid_signals: GridSignalStore | None = None
    # Opens a site's grid sources (OpenADR VEN, price feed) from its settings (docs/adr/0052).
    grid_sources: SourceOpener | None = None


@dataclass
class Services:
    """Every service of a function, built once from its dependencies by `build_services`."""

    deps: Dependencies
    now: Callable[[], datetime]
    connections: ConnectionService
    connector_statuses: ConnectorStatuses
    sessions: SessionService
    session_progress: SessionProgress
    energy_rollup: EnergyRollup
    engine: CommandEngine
    reservations: ReservationService
    local_lists: LocalListService
    cost_profiles: CostProfileService
    password_rotation: PasswordRotation
    charger_admin: ChargerAdmin
    id_tag_admin: IdTagAdmin
    session_reports: SessionReports
    tariff_admin: TariffAdmin
    driver_cards: DriverCards
    driver_sessions: DriverSessions
    driver_stops: DriverStops
    driver_payment_methods: DriverPaymentMethods
    session_starts: SessionStarts
    settlement: Settlement
    payment_admin: PaymentAdmin
    payment_webhooks: WebhookReceiver
    location_admin: LocationAdmin
    location_search: LocationSearch
    # None where the dependencies have no certificate store.
    certificates: CertificateSigning | None = None
    # Firmware campaigns (docs/adr/0045); attached by `attach_firmware_campaigns`.
    firmware_campaigns: CampaignService | None = None
    # None where the dependencies keep no files (docs/adr/0045).
    firmware_images: FirmwareImages | None = None
    file_locations: FileLocations | None = None
    uploads: DiagnosticsUploads | None = None
    # Sites' electrical models (docs/adr/0047); None where no site load store is kept.
    site_models: SiteModels | None = None
    # A site's load over time (docs/adr/0053); None where no history is kept.
    site_load_history: LoadHistory | None = None
    # The grid limit of a site now (docs/adr/0052): `grid_limits.grid_limit_for` is the
    # allocation loop's dependency; None where no grid signal store is kept.
    grid_limits: GridLimits | None = None
    # Sessions with a departure and an energy need, scheduled by price or carbon under the
    # site's allocation (docs/adr/0054); None where no grid signal store is kept.
    session_plans: SessionPlans | None = None
    # A location's grid schedule, sources and overview (the operator API's).
    site_grid: SiteGrid | None = None
    # The grid poller's and webhook's service (docs/adr/0052).
    grid_feed: GridFeed | None = None

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    def outbox_sources(self) -> dict[str, OutboxSource]:
        """What the outbox relay goes through: every service whose records mark events."""
        return {
            "sessions": self.sessions,
            "commands": self.engine,
            "connectors": self.connector_statuses,
            "chargers": self.connections,
        }


def build_services(deps: Dependencies, now: Callable[[], datetime] = utc_now) -> Services:
    engine = CommandEngine(
        chargers=deps.chargers,
        commands=deps.commands,
        sender=deps.sender,
        publisher=deps.publisher,
        tasks=deps.tasks,
    )
    reservations = ReservationService(deps.reservations, engine, deps.id_tags)
    driver_sessions = DriverSessions(deps.id_tags, deps.transactions, now)
    payment_methods = DriverPaymentMethods(deps.drivers, deps.payments)
    tariff_admin = TariffAdmin(deps.tariffs, now)
    offer_of = _offer_of(deps)
    local_lists = LocalListService(deps.chargers, deps.id_tags, engine)
    # What a finished command changes besides its own record. The engine runs these before it
    # stores the outcome, so whoever sees the command finished also sees their effect.
    engine.on_answer("ReserveNow", reservations.reserve_answered)
    engine.on_answer("CancelReservation", reservations.cancel_answered)
    engine.on_answer("SendLocalList", local_lists.list_sent)
    engine.on_answer("GetLocalListVersion", local_lists.version_read)
    # A cost profile's next ChangeConfiguration goes out once the previous one is answered and
    # the charger's command slot is free again.
    cost_profiles = CostProfileService(deps.chargers, engine)
    # A priced 2.0.1 session's running cost goes to its station after its readings are stored.
    cost_updates = CostUpdates(
        deps.transactions, tariff_admin, engine, deps.settings.cost_update_interval_s
    )
    engine.then("ChangeConfiguration", cost_profiles.step_finished)
    engine.then("SetVariables", cost_profiles.step_finished)
    # A rotated password is the charger's once it accepts it (also when its answer is late).
    password_rotation = PasswordRotation(deps.chargers, engine, deps.settings.password_grace_s)
    for action in ("SetVariables", "ChangeConfiguration"):
        engine.on_answer(action, password_rotation.answered)
        engine.on_late_answer(action, password_rotation.answered)
    certificates = _certificate_signing(deps, engine, now)
    if certificates is not None:
        engine.on_answer("CertificateSigned", certificates.send_answered)
    firmware_images, file_locations, uploads = _files(deps, engine, now)
    services = Services(
        deps=deps,
        now=now,
        connections=ConnectionService(
            chargers=deps.chargers,
            connections=deps.connections,
            publisher=deps.publisher,
            live=deps.live_connections,
            connection_ttl_s=deps.settings.connection_ttl_s,
            release_held_command=engine.connection_lost,
        ),
        connector_statuses=ConnectorStatuses(deps.connectors, deps.publisher),
        sessions=SessionService(
            transactions=deps.transactions, publisher=deps.publisher, telemetry=deps.telemetry
        ),
        session_progress=SessionProgress(
            transactions=deps.transactions,
            publisher=deps.publisher,
            publish=deps.settings.publish_meter_values,
            write_interval_s=deps.settings.live_energy_write_interval_s,
            after_write=cost_updates.session_progressed if cost_updates.interval_s else None,
        ),
        energy_rollup=EnergyRollup(deps.energy),
        engine=engine,
        reservations=reservations,
        local_lists=local_lists,
        cost_profiles=cost_profiles,
        password_rotation=password_rotation,
        charger_admin=ChargerAdmin(
            chargers=deps.chargers,
            connectors=deps.connectors,
            connections=deps.live_connections,
            now=now,
        ),
        id_tag_admin=IdTagAdmin(deps.id_tags),
        session_reports=SessionReports(
            transactions=deps.transactions, chargers=deps.chargers, ledger=deps.energy, now=now
        ),
        tariff_admin=tariff_admin,
        driver_cards=DriverCards(deps.id_tags),
        driver_sessions=driver_sessions,
        driver_stops=DriverStops(driver_sessions, engine),
        driver_payment_methods=payment_methods,
        session_starts=SessionStarts(
            requests=deps.start_requests,
            chargers=deps.chargers,
            connectors=deps.connectors,
            transactions=deps.transactions,
            sessions=driver_sessions,
            payment_methods=payment_methods,
            provider=deps.payments,
            tariffs=tariff_admin,
            offer_of=offer_of,
            engine=engine,
            workflows=deps.workflows,
            now=now,
        ),
        settlement=Settlement(
            transactions=deps.transactions,
            id_tags=deps.id_tags,
            requests=deps.start_requests,
            receipts=deps.receipts,
            payment_methods=payment_methods,
            provider=deps.payments,
            tariffs=tariff_admin,
            tariff_of=lambda cp, connector: offer_of(cp, connector).tariff_id,
            publisher=deps.publisher,
            now=now,
        ),
        payment_admin=PaymentAdmin(deps.payments, deps.payment_records, now),
        payment_webhooks=WebhookReceiver(
            deps.webhook_verifier, PaymentWebhooks(deps.payment_records)
        ),
        location_admin=LocationAdmin(deps.locations, deps.chargers, deps.tariffs, now),
        location_search=LocationSearch(deps.locations, deps.chargers, deps.connectors),
        certificates=certificates,
        firmware_images=firmware_images,
        file_locations=file_locations,
        uploads=uploads,
        site_models=(
            SiteModels(deps.site_loads, deps.locations, now, deps.publisher)
            if deps.site_loads
            else None
        ),
        site_load_history=(
            LoadHistory(deps.site_load_history, deps.locations, now)
            if deps.site_load_history
            else None
        ),
    )
    if deps.grid_signals is not None:
        grid_limits = GridLimits(deps.grid_signals, deps.site_loads)
        services.grid_limits = grid_limits
        services.session_plans = SessionPlans(
            deps.start_requests,
            deps.charger_events,
            lambda site_id, at: grid_limits.state(site_id, at).signals,
        )
        services.grid_feed = GridFeed(
            deps.grid_signals,
            grid_limits,
            deps.publisher,
            deps.grid_sources or _no_grid_sources,
            now,
            deps.settings.grid_webhook_base_url,
        )
        services.site_grid = SiteGrid(
            deps.grid_signals, deps.locations, grid_limits, now, services.grid_feed.settle
        )
    return services


def _no_grid_sources(site_id: str, document: Mapping[str, Any]) -> SiteSources:
    """Where no sources can be opened (in-memory tests): a site's settings open nothing."""
    return SiteSources()


def _files(
    deps: Dependencies, engine: CommandEngine, now: Callable[[], datetime]
) -> tuple[FirmwareImages | None, FileLocations | None, DiagnosticsUploads | None]:
    """Images, `/files/<token>` locations and diagnostics uploads (docs/adr/0045)."""
    stores = deps.files
    if stores is None:
        return None, None, None
    locations = FileLocations(stores.tokens, stores.objects, deps.settings.files_base_url)
    uploads = DiagnosticsUploads(
        deps.chargers, stores.uploads, locations, stores.objects, engine, now
    )
    for action in ("GetDiagnostics", "GetLog"):
        engine.on_answer(action, uploads.answered)
    return FirmwareImages(stores.images, stores.objects, now), locations, uploads


def _certificate_signing(
    deps: Dependencies, engine: CommandEngine, now: Callable[[], datetime]
) -> CertificateSigning | None:
    if deps.certificates is None:
        return None
    settings = deps.settings
    return CertificateSigning(
        store=deps.certificates,
        keys=deps.authority_keys or NoAuthorityKeys(),
        engine=engine,
        publisher=deps.publisher,
        policy=CertificatePolicy(
            organization=settings.certificate_organization,
            validity_days=settings.certificate_validity_days,
            sign_v2g=settings.sign_v2g_certificates,
        ),
        now=now,
    )


def _offer_of(deps: Dependencies) -> OfferOf:
    """What a charger's connector (1.6 connector id / 2.0.1 EVSE id) offers on the charger's
    location: the tariff it is priced with (its EVSE's connector's, or the location's
    default; None when the charger is on no location or no tariff applies: then it takes no
    app starts) and its EVSE's most power."""

    def offer_of(charge_point_id: str, connector_id: int) -> ConnectorOffer:
        location_id = deps.locations.owner_of(charge_point_id)
        location = deps.locations.get(location_id) if location_id else None
        if location is None:
            return ConnectorOffer(None, None)
        return ConnectorOffer(
            location.tariff_at(charge_point_id, connector_id),
            location.power_at(charge_point_id, connector_id),
        )

    return offer_of


def build_router(services: Services) -> Router:
    """The OCPP router with every functional block's handlers registered."""
    deps = services.deps
    engine = services.engine

    def reply_to_command(ctx: MessageContext, reply: CallResult | CallError) -> None:
        engine.on_reply(ctx.charge_point_id, reply, lenient=ctx.lenient)

    router = Router(
        reply_handler=reply_to_command,
        registration_check=RegistrationGate(deps.chargers, deps.commands),
    )
    StationHandlers(
        chargers=deps.chargers,
        statuses=services.connector_statuses,
        publisher=deps.publisher,
        heartbeat_interval_s=deps.settings.heartbeat_interval_s,
        boot_retry_interval_s=deps.settings.boot_retry_interval_s,
    ).register(router)
    TransactionHandlers(
        authorizer=Authorizer(deps.id_tags),
        sessions=services.sessions,
        event_log=deps.transaction_events,
        reservation_used=services.reservations.use,
        contract_certificates=ContractCertificates(
            deps.ocsp, deps.settings.contract_root_certificates
        ).authorize,
        costs=StationCostService(deps.transactions, services.settlement.session_tariffs),
        charging_state=ChargingStates(deps.connectors, deps.transactions).record,
    ).register(router)
    StatusReportHandlers(
        reports=deps.chargers,
        publisher=deps.publisher,
        upload_status=services.uploads.status_reported if services.uploads else None,
    ).register(router)
    DataTransferHandlers(vendors=deps.vendors, publisher=deps.publisher).register(router)
    DeviceModelHandlers(deps.device_models).register(router)
    StationEvents(
        log=deps.charger_events,
        statuses=services.connector_statuses,
        publisher=deps.publisher,
        retention_days=deps.settings.charger_events_retention_days,
    ).register(router)
    notifications = StationNotifications(
        log=deps.charger_events,
        publisher=deps.publisher,
        retention_days=deps.settings.charger_events_retention_days,
    )
    if services.session_plans is not None and deps.site_loads is not None:
        # K15: a schedule is promised where the per-site loop can send one.
        notifications.needs_answer = SchedulingNeedsAnswer(
            deps.locations, deps.site_loads, services.session_plans.values_known
        )
    notifications.register(router)
    ReservationStatusHandlers(update=services.reservations.status_update).register(router)
    Iso15118Handlers(ocsp=deps.ocsp, pool=deps.contract_pool).register(router)
    if services.certificates is not None:
        services.certificates.register(router)
    return router


def aws_dependencies(settings: Settings) -> Dependencies:
    """The AWS adapters. boto3 is imported (and each client created) on first use only."""
    from shared.adapters.apigateway import ApiGatewayLiveConnections, ApiGatewaySender
    from shared.adapters.aws_clients import LazyClient
    from shared.adapters.contract_pool import LocalContractPool
    from shared.adapters.dynamodb.certificates import DynamoCertificateStore
    from shared.adapters.dynamodb.charger_events import DynamoChargerEventLog
    from shared.adapters.dynamodb.chargers import DynamoChargerRepository
    from shared.adapters.dynamodb.commands import DynamoCommandStore
    from shared.adapters.dynamodb.connections import DynamoConnectionRepository
    from shared.adapters.dynamodb.connectors import DynamoConnectorRepository
    from shared.adapters.dynamodb.device_models import DynamoDeviceModelStore
    from shared.adapters.dynamodb.drivers import DynamoDriverRepository
    from shared.adapters.dynamodb.energy import DynamoEnergyLedger
    from shared.adapters.dynamodb.file_tokens import DynamoFileTokens, DynamoUploadJobs
    from shared.adapters.dynamodb.firmware_campaigns import DynamoCampaignStore
    from shared.adapters.dynamodb.firmware_images import DynamoFirmwareImages
    from shared.adapters.dynamodb.grid_signal_store import DynamoGridSignalStore
    from shared.adapters.dynamodb.id_tags import DynamoIdTagRepository
    from shared.adapters.dynamodb.locations import DynamoLocationRepository
    from shared.adapters.dynamodb.payments import DynamoPaymentRecords
    from shared.adapters.dynamodb.receipts import DynamoReceiptStore
    from shared.adapters.dynamodb.reservations import DynamoReservationStore
    from shared.adapters.dynamodb.site_load_history import DynamoSiteLoadHistory
    from shared.adapters.dynamodb.site_loads import DynamoSiteLoadStore
    from shared.adapters.dynamodb.start_requests import DynamoStartRequestStore
    from shared.adapters.dynamodb.tariffs import DynamoTariffRepository
    from shared.adapters.dynamodb.transaction_events import DynamoTransactionEventLog
    from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
    from shared.adapters.eventbridge import EventBridgePublisher
    from shared.adapters.grid_sources import SecretSourceOpener
    from shared.adapters.kinesis import KinesisTelemetrySink
    from shared.adapters.ocsp_http import CachingOcspResponder, HttpOcspResponder
    from shared.adapters.s3 import S3FileObjects
    from shared.adapters.secrets import CachedSecret, SecretAdmissionKey
    from shared.adapters.secrets_certificates import SecretAuthorityKeys
    from shared.adapters.stepfunctions import StepFunctionsNotifier, StepFunctionsWorkflows
    from shared.adapters.stripe_payments import StripePaymentProvider
    from shared.adapters.stripe_webhooks import StripeWebhookVerifier
    from shared.locations import geohash

    dynamodb = LazyClient("dynamodb")
    management = settings.ws_management_endpoint
    stripe_secret = CachedSecret(LazyClient("secretsmanager"), settings.stripe_secret_name)
    admission_key: AdmissionKey | None = None
    if settings.admission_key_secret:  # the $connect authorizer's (docs/adr/0027)
        admission_key = SecretAdmissionKey(
            CachedSecret(LazyClient("secretsmanager"), settings.admission_key_secret)
        )
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
        energy=DynamoEnergyLedger(
            dynamodb, settings.transactions_table, settings.energy_daily_table
        ),
        telemetry=KinesisTelemetrySink(LazyClient("kinesis"), settings.telemetry_stream_name),
        commands=DynamoCommandStore(dynamodb, settings.commands_table, settings.chargers_table),
        reservations=DynamoReservationStore(dynamodb, settings.reservations_table),
        sender=ApiGatewaySender(LazyClient("apigatewaymanagementapi", management)),
        live_connections=ApiGatewayLiveConnections(
            LazyClient("apigatewaymanagementapi", management, interactive=True)
        ),
        tasks=StepFunctionsNotifier(LazyClient("stepfunctions")),
        tariffs=DynamoTariffRepository(dynamodb, settings.tariffs_table),
        payments=StripePaymentProvider(stripe_secret, settings.stripe_api_base),
        payment_records=DynamoPaymentRecords(dynamodb, settings.payments_table),
        webhook_verifier=StripeWebhookVerifier(lambda: stripe_secret.field("webhookSecret")),
        drivers=DynamoDriverRepository(dynamodb, settings.drivers_table),
        start_requests=DynamoStartRequestStore(dynamodb, settings.start_requests_table),
        receipts=DynamoReceiptStore(dynamodb, settings.receipts_table),
        workflows=StepFunctionsWorkflows(
            LazyClient("stepfunctions"),
            {"StartSession": settings.start_session_state_machine_arn or ""},
        ),
        locations=DynamoLocationRepository(dynamodb, settings.locations_table, geohash.encode),
        device_models=DynamoDeviceModelStore(dynamodb, settings.device_models_table),
        charger_events=DynamoChargerEventLog(dynamodb, settings.charger_events_table),
        admission_key=admission_key,
        ocsp=CachingOcspResponder(
            HttpOcspResponder(
                settings.ocsp_responder_url,
                settings.ocsp_responder_hosts,
                settings.ocsp_timeout_ms / 1000,
            )
        )
        if settings.ocsp_responder_url or settings.ocsp_responder_hosts
        else None,
        contract_pool=LocalContractPool() if settings.contract_pool == "local" else None,
        certificates=DynamoCertificateStore(dynamodb, settings.certificates_table),
        authority_keys=(
            SecretAuthorityKeys(LazyClient("secretsmanager"), settings.ca_secret_name)
            if settings.ca_secret_name
            else None
        ),
        files=FileStores(
            objects=S3FileObjects(LazyClient("s3"), settings.files_bucket),
            tokens=DynamoFileTokens(dynamodb, settings.firmware_table),
            images=DynamoFirmwareImages(dynamodb, settings.firmware_table),
            uploads=DynamoUploadJobs(dynamodb, settings.firmware_table),
        ),
        campaigns=DynamoCampaignStore(dynamodb, settings.firmware_table),
        site_loads=DynamoSiteLoadStore(dynamodb, settings.site_loads_table),
        site_load_history=DynamoSiteLoadHistory(dynamodb, settings.site_loads_table),
        grid_signals=DynamoGridSignalStore(dynamodb, settings.site_loads_table),
        grid_sources=SecretSourceOpener(LazyClient("secretsmanager"), utc_now),
    )


# --- the site allocation loop (docs/adr/0051) ----------------------------------------


def site_trigger(services: Services, queue: SiteQueue) -> SiteTrigger:
    """Domain events -> EVSE live states and the site queued."""
    deps = services.deps
    assert deps.site_loads is not None
    return SiteTrigger(deps.site_loads, deps.locations, queue, utc_now)


def site_allocator(services: Services, queue: SiteQueue) -> SiteAllocator:
    """One site's allocation, sent through the command engine, under the site's grid limit
    (docs/adr/0052; the model's own limits where no grid signal store is kept), each stored
    allocation kept in the site's load history (docs/adr/0053)."""
    deps = services.deps
    assert deps.site_loads is not None

    def sender_for(transaction_of: TransactionLookup) -> ProfileSender:
        return ProfileSender(services.engine, deps.publisher, transaction_of)

    return SiteAllocator(
        deps.site_loads,
        sender_for,
        deps.transactions,
        deps.publisher,
        queue,
        utc_now,
        rules=StabilityRules(hold_off_s=float(deps.settings.site_increase_hold_off_s)),
        grid_limit=(
            services.grid_limits.grid_limit_for if services.grid_limits else no_grid_signal
        ),
        history=deps.site_load_history,
        plans=services.session_plans,
    )


def aws_site_queue(settings: Settings) -> SiteQueue:
    from shared.adapters.aws_clients import LazyClient
    from shared.adapters.sqs_site_queue import SqsSiteQueue

    return SqsSiteQueue(LazyClient("sqs"), settings.site_queue_url, settings.site_wake_queue_url)


def aws_services(settings: Settings) -> Services:
    """What a Lambda function builds at import: the services over the AWS adapters."""
    services = build_services(aws_dependencies(settings))
    attach_aws_firmware_campaigns(services)
    return services


def aws_receipt_mailer(settings: Settings) -> ReceiptMailer:
    """The receipt_mailer function's service: the Receipts table, Cognito and SES (the stack
    sets RECEIPT_EMAIL_SENDER and USER_POOL_ID only where receipt e-mails are turned on)."""
    from shared.adapters.aws_clients import LazyClient
    from shared.adapters.cognito import CognitoDriverDirectory
    from shared.adapters.dynamodb.receipt_emails import DynamoReceiptEmailLog
    from shared.adapters.dynamodb.receipts import DynamoReceiptStore
    from shared.adapters.ses import SesMailSender

    if not settings.receipt_email_sender or not settings.user_pool_id:
        raise ConfigError("receipt e-mails need RECEIPT_EMAIL_SENDER and USER_POOL_ID")
    dynamodb = LazyClient("dynamodb")
    return ReceiptMailer(
        receipts=DynamoReceiptStore(dynamodb, settings.receipts_table),
        log=DynamoReceiptEmailLog(dynamodb, settings.receipts_table),
        directory=CognitoDriverDirectory(LazyClient("cognito-idp"), settings.user_pool_id),
        mail=SesMailSender(LazyClient("sesv2"), settings.receipt_email_sender),
        now=utc_now,
    )


def attach_firmware_campaigns(
    services: Services,
    store: CampaignStore,
    images: FirmwareImageStore,
    downloads: FirmwareDownloads,
    executions: CampaignExecutions,
) -> CampaignService:
    """Firmware campaigns over the services' chargers, sites, sessions and command engine."""
    deps = services.deps
    services.firmware_campaigns = CampaignService(
        store=store,
        chargers=deps.chargers,
        locations=deps.locations,
        transactions=deps.transactions,
        images=images,
        downloads=downloads,
        engine=services.engine,
        tasks=deps.tasks,
        executions=executions,
        now=services.now,
    )
    return services.firmware_campaigns


def attach_aws_firmware_campaigns(services: Services) -> None:
    from shared.adapters.aws_clients import LazyClient
    from shared.adapters.stepfunctions import StepFunctionsCampaigns

    settings = services.settings
    store = services.deps.campaigns
    if store is None or services.firmware_images is None or services.file_locations is None:
        return  # no files kept here: no images to roll out
    attach_firmware_campaigns(
        services,
        store,
        ReadImages(services.firmware_images),
        services.file_locations,
        StepFunctionsCampaigns(
            LazyClient("stepfunctions"), settings.firmware_campaign_state_machine_arn or ""
        ),
    )


class ReadImages:
    """Images as campaigns read them: verified on the way when the file arrived since
    (`FirmwareImages.read`), None for an unknown image."""

    def __init__(self, images: FirmwareImages) -> None:
        self._images = images

    def get(self, image_id: str) -> FirmwareImage | None:
        try:
            return self._images.read(image_id)
        except NotFound:
            return None
