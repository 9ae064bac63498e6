"""Builders shared by the tests: settings, in-memory dependencies, API Gateway events."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from local.resources import local_environment
from shared.adapters.memory.certificates import MemoryAuthorityKeys, MemoryCertificateStore
from shared.adapters.memory.charger_events import MemoryChargerEventLog
from shared.adapters.memory.chargers import (
    MemoryChargerRepository,
    MemoryConnectionRepository,
    MemoryConnectorRepository,
)
from shared.adapters.memory.commands import (
    MemoryCommandStore,
    MemoryReservationStore,
    MemoryTaskNotifier,
)
from shared.adapters.memory.device_models import MemoryDeviceModelStore
from shared.adapters.memory.drivers import MemoryDriverRepository
from shared.adapters.memory.files import (
    MemoryFileObjects,
    MemoryFileTokens,
    MemoryImageRepository,
    MemoryUploadJobs,
)
from shared.adapters.memory.firmware_campaigns import (
    MemoryCampaignExecutions,
    MemoryCampaignStore,
)
from shared.adapters.memory.grid_signal_store import MemoryGridSignalStore
from shared.adapters.memory.locations import MemoryLocationRepository
from shared.adapters.memory.payments import FakePaymentProvider, MemoryPaymentRecords
from shared.adapters.memory.publishing import MemoryEventPublisher
from shared.adapters.memory.receipts import MemoryReceiptStore
from shared.adapters.memory.sessions import (
    MemoryEnergyLedger,
    MemoryIdTagRepository,
    MemoryTelemetrySink,
    MemoryTransactionEventLog,
    MemoryTransactionRepository,
)
from shared.adapters.memory.site_load_history import MemorySiteLoadHistory
from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.adapters.memory.start_requests import MemoryStartRequestStore
from shared.adapters.memory.tariffs import MemoryTariffRepository
from shared.adapters.memory.websocket import MemoryLiveConnections, MemorySender
from shared.adapters.stripe_webhooks import StripeWebhookVerifier
from shared.bootstrap import (
    Dependencies,
    ReadImages,
    Services,
    attach_firmware_campaigns,
    build_services,
)
from shared.config import Settings, settings_from
from shared.locations import geohash
from shared.models.charger import ChargerRecord
from shared.models.connection import ConnectorStatus
from shared.models.location import Evse, EvseBinding, Location
from shared.models.receipt import Receipt, ReceiptLine
from shared.models.tariff import PriceComponent, Tariff, TariffElement
from shared.ports import WorkflowFailed
from shared.ports.files import FileStores
from shared.timeutil import utc_now

# Every resource name the functions need, from the catalog (as the local platform sets them).
BASE_ENV = {
    **local_environment(),
    "AWS_REGION": "us-east-1",
    "FILES_BASE_URL": "https://csms.example.test",
}
# The webhook signing secret of the tests' Stripe endpoint (signatures are checked for real).
WEBHOOK_SECRET = "whsec_test_secret"


class Clock:
    """A clock a test sets: `services(now=clock)` and friends read `clock.now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_settings(**overrides: str) -> Settings:
    return settings_from({**BASE_ENV, **overrides})


class MemoryDeps(Dependencies):
    chargers: MemoryChargerRepository
    connections: MemoryConnectionRepository
    connectors: MemoryConnectorRepository
    publisher: MemoryEventPublisher
    id_tags: MemoryIdTagRepository
    transactions: MemoryTransactionRepository
    transaction_events: MemoryTransactionEventLog
    energy: MemoryEnergyLedger
    telemetry: MemoryTelemetrySink
    commands: MemoryCommandStore
    reservations: MemoryReservationStore
    sender: MemorySender
    live_connections: MemoryLiveConnections
    tasks: MemoryTaskNotifier
    tariffs: MemoryTariffRepository
    payments: FakePaymentProvider
    payment_records: MemoryPaymentRecords
    drivers: MemoryDriverRepository
    start_requests: MemoryStartRequestStore
    receipts: MemoryReceiptStore
    workflows: InlineWorkflows
    locations: MemoryLocationRepository
    device_models: MemoryDeviceModelStore
    charger_events: MemoryChargerEventLog
    certificates: MemoryCertificateStore
    authority_keys: MemoryAuthorityKeys
    files: MemoryFileStores
    site_loads: MemorySiteLoadStore
    site_load_history: MemorySiteLoadHistory
    grid_signals: MemoryGridSignalStore


class MemoryFileStores(FileStores):
    objects: MemoryFileObjects
    tokens: MemoryFileTokens
    images: MemoryImageRepository
    uploads: MemoryUploadJobs


def memory_file_stores() -> MemoryFileStores:
    return MemoryFileStores(
        MemoryFileObjects(), MemoryFileTokens(), MemoryImageRepository(), MemoryUploadJobs()
    )


class MemoryServices(Services):
    deps: MemoryDeps


def memory_deps(**settings: str) -> MemoryDeps:
    transactions = MemoryTransactionRepository()
    chargers = MemoryChargerRepository()
    return MemoryDeps(
        settings=make_settings(**settings),
        chargers=chargers,
        connections=MemoryConnectionRepository(),
        connectors=MemoryConnectorRepository(),
        publisher=MemoryEventPublisher(),
        id_tags=MemoryIdTagRepository(),
        transactions=transactions,
        transaction_events=MemoryTransactionEventLog(),
        energy=MemoryEnergyLedger(transactions),
        telemetry=MemoryTelemetrySink(),
        commands=MemoryCommandStore(chargers.slots),
        reservations=MemoryReservationStore(),
        sender=MemorySender(),
        live_connections=MemoryLiveConnections(),
        tasks=MemoryTaskNotifier(),
        tariffs=MemoryTariffRepository(),
        payments=FakePaymentProvider(),
        payment_records=MemoryPaymentRecords(),
        webhook_verifier=StripeWebhookVerifier(lambda: WEBHOOK_SECRET),
        drivers=MemoryDriverRepository(),
        start_requests=MemoryStartRequestStore(),
        receipts=MemoryReceiptStore(),
        workflows=InlineWorkflows(),
        locations=MemoryLocationRepository(geohash.encode),
        device_models=MemoryDeviceModelStore(),
        charger_events=MemoryChargerEventLog(),
        certificates=MemoryCertificateStore(),
        authority_keys=MemoryAuthorityKeys(),
        files=memory_file_stores(),
        site_loads=MemorySiteLoadStore(),
        site_load_history=MemorySiteLoadHistory(),
        grid_signals=MemoryGridSignalStore(),
    )


def memory_services(
    deps: MemoryDeps | None = None, now: Callable[[], datetime] = utc_now, **settings: str
) -> MemoryServices:
    """Every service over in-memory adapters (`deps`, or new ones with these settings)."""
    # The services' deps are the MemoryDeps given: the cast only tells the type checker.
    services = cast(MemoryServices, build_services(deps or memory_deps(**settings), now))
    services.deps.workflows.services = services
    # Firmware campaigns over the in-memory images and /files/ locations, campaigns kept in
    # memory and executions that are only recorded.
    assert services.file_locations is not None and services.firmware_images is not None
    attach_firmware_campaigns(
        services,
        MemoryCampaignStore(),
        ReadImages(services.firmware_images),
        services.file_locations,
        MemoryCampaignExecutions(),
    )
    return services


class InlineWorkflows:
    """StartSession run in-process, state by state as infra/workflows/start_session.asl.json
    says (the unit tests' runner; the local platform runs the ASL file itself)."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.runs: list[tuple[str, dict[str, Any]]] = []

    def run_sync(self, workflow: str, payload: dict[str, Any]) -> dict[str, Any]:
        assert workflow == "StartSession" and self.services is not None
        self.runs.append((workflow, payload))
        starts = self.services.session_starts
        cp, request_id = payload["chargePointId"], payload["requestId"]
        try:
            authorised = starts.authorise(cp, request_id)["status"] == "authorised"
            if authorised:
                starts.send_start(cp, request_id)
        except Exception as exc:  # the ASL's Catch on States.ALL
            starts.release(cp, request_id, f"{type(exc).__name__}: {exc}")
            raise WorkflowFailed("StartFailed", "the hold is released") from exc
        if not authorised:
            raise WorkflowFailed("PaymentDeclined", "the payment method was declined")
        return payload


_ids = itertools.count(1)
# Connection records expire (TTL) relative to the real clock, so events happen "now".
NOW_MS = int(time.time() * 1000)


def connect_event(
    charge_point_id: str | None,
    protocols: str | None = "ocpp1.6",
    authorization: str | None = None,
    connection_id: str | None = None,
    at_ms: int = NOW_MS,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    headers: dict[str, str] = {"Host": "example.execute-api.us-east-1.amazonaws.com"}
    if protocols is not None:
        headers["Sec-WebSocket-Protocol"] = protocols
    if authorization is not None:
        headers["Authorization"] = authorization
    context: dict[str, Any] = {
        "routeKey": "$connect",
        "eventType": "CONNECT",
        "connectionId": connection_id or f"conn-{next(_ids)}=",
        "requestTimeEpoch": at_ms,
        "connectedAt": at_ms,
        "identity": {"sourceIp": "192.0.2.10"},
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "headers": headers,
        "queryStringParameters": {"chargePointId": charge_point_id} if charge_point_id else None,
        "requestContext": context,
        "isBase64Encoded": False,
    }


def authorizer_event(
    charge_point_id: str | None, protocols: str | None = "ocpp1.6", authorization: str | None = None
) -> dict[str, Any]:
    event = connect_event(charge_point_id, protocols, authorization)
    event["type"] = "REQUEST"
    event["methodArn"] = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/$connect"
    return event


def message_event(
    connection_id: str,
    body: str,
    authorizer: dict[str, Any] | None = None,
    at_ms: int = NOW_MS,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "routeKey": "$default",
        "eventType": "MESSAGE",
        "messageDirection": "IN",
        "connectionId": connection_id,
        "requestTimeEpoch": at_ms,
        "messageId": f"msg-{next(_ids)}",
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {"body": body, "isBase64Encoded": False, "requestContext": context}


def disconnect_event(
    connection_id: str, authorizer: dict[str, Any] | None = None, at_ms: int = NOW_MS
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "routeKey": "$disconnect",
        "eventType": "DISCONNECT",
        "connectionId": connection_id,
        "requestTimeEpoch": at_ms,
        "disconnectStatusCode": 1000,
        "disconnectReason": "Client closed",
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {"requestContext": context, "isBase64Encoded": False}


def ac_tariff(valid_from: datetime, tariff_id: str = "AC-STANDARD") -> Tariff:
    """The tests' AC tariff: 0.40 EUR per kWh and a 0.50 EUR session fee, 19 % tax."""
    return Tariff(
        tariff_id=tariff_id,
        version=1,
        currency="EUR",
        tax_rate_bp=1900,
        time_zone="Europe/Berlin",
        elements=(TariffElement((PriceComponent("FLAT", 50), PriceComponent("ENERGY", 40))),),
        valid_from=valid_from,
    )


def online_charger(deps: Dependencies, charge_point_id: str) -> None:
    """A 1.6 charger connected since 11:00 on 2030-01-01, its connector 1 Available."""
    deps.chargers.create(
        ChargerRecord(
            charge_point_id=charge_point_id, protocol="ocpp1.6", connection_id="conn-1",
            connected_at="2030-01-01T11:00:00Z", connected_at_ms=0,
        )
    )  # fmt: skip
    deps.connectors.apply_status(
        ConnectorStatus(charge_point_id, 1, "Available", "2030-01-01T11:00:00Z", 0), frozenset()
    )


def site(
    location_id: str,
    chargers: dict[str, int],
    tariff_id: str | None,
    latitude: float = 52.52,
    longitude: float = 13.405,
) -> Location:
    """A location with one AC EVSE per (charger, 1.6 connector id), priced by `tariff_id`."""
    from tests.unit.locations.builders import TYPE2_22KW, location

    evses = tuple(
        Evse(f"{cp}-{connector}", (TYPE2_22KW,), binding=EvseBinding(cp, connector_id=connector))
        for cp, connector in chargers.items()
    )
    tariffs = (tariff_id,) if tariff_id else ()
    return location(location_id, latitude, longitude, evses=evses, tariff_ids=tariffs)


def a_receipt(
    driver_id: str = "driver-sub-1", charge_point_id: str = "CP-1", transaction_id: str = "17"
) -> Receipt:
    """A settled app session's receipt: 0.50 + 10 kWh x 0.40 = 4.50, 19 % tax, 5.36 captured."""
    return Receipt(
        charge_point_id=charge_point_id,
        transaction_id=transaction_id,
        driver_id=driver_id,
        issued_at="2025-03-01T10:31:00Z",
        started_at="2025-03-01T10:00:00Z",
        stopped_at="2025-03-01T10:30:00Z",
        energy_wh=10_000,
        duration_s=1800,
        parking_s=0,
        tariff_id="AC-STANDARD",
        tariff_version=1,
        currency="EUR",
        tax_rate_bp=1900,
        lines=(ReceiptLine("FLAT", 50, 1, 50), ReceiptLine("ENERGY", 40, 10_000, 400)),
        total_excl_tax=450,
        tax=86,
        total_incl_tax=536,
        outcome="captured",
        paid_minor=536,
        outstanding_minor=0,
        payment_ids=("pi_hold",),
        start_request_id="REQ-1",
    )
