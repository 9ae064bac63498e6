"""Every event the platform publishes matches its catalogued, versioned model."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.gateway.websocket import connect, disconnect
from shared.load_management.grid_feed import event_detail, limit_event
from shared.load_management.rejections import ControlState, EvseRef, decide
from shared.load_management.sites import SiteModels
from shared.models import domain_events
from shared.models.event_catalogue import CATALOGUE, json_schemas
from shared.models.tariff import PriceComponent, Tariff, TariffElement
from shared.models.transaction import IdTagRecord
from shared.ocpp.router import MessageContext
from shared.ports import relay_outbox
from simulator.command_handlers.certificates import csr_for, new_key
from tests.fakes import connect_event, disconnect_event, site
from tests.unit.load_management.examples import depot_location, depot_model
from tests.unit.transactions.helpers import V16, V201, Station, energy_sample_v16, make_deps, ts

ROOT = Path(__file__).resolve().parents[2]


TARIFF = Tariff(
    tariff_id="T",
    version=1,
    currency="EUR",
    tax_rate_bp=1900,
    time_zone="UTC",
    elements=(TariffElement((PriceComponent("ENERGY", 40),)),),
    valid_from=datetime(2000, 1, 1, tzinfo=UTC),
)


def grid_limit_changed() -> domain_events.DomainEvent:
    from shared.grid_signals import GridSignal, resolve_limit

    now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    signal = GridSignal("openadr", "import_limit", now, now + timedelta(hours=1), now, watts=9e3)
    limit = resolve_limit([signal], now, (63.0, 63.0, float("inf")))
    return limit_event(event_detail("SITE-1", limit, limit.next_change, now))


def everything_published():
    deps = make_deps()
    deps.vendors.register("com.acme", "Ping", lambda ctx, data: ("Accepted", None))
    auth = {"chargePointId": "CP1", "protocol": "ocpp1.6", "validationMode": "strict"}
    station = Station(deps, V16)
    connect(connect_event("CP1", authorizer=auth, connection_id="c1="), station.services)
    station.call("BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"})
    station.call(
        "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
    )
    tx = station.call(
        "StartTransaction", {"connectorId": 1, "idTag": "GOOD", "meterStart": 0, "timestamp": ts(0)}
    )["transactionId"]
    station.call(
        "StartTransaction",
        {"connectorId": 1, "idTag": "GOOD", "meterStart": 10, "timestamp": ts(1)},
    )
    station.call("StopTransaction", {"transactionId": tx, "meterStop": 500, "timestamp": ts(2)})
    # A driver's card session, settled: no payment method, so the receipt is for an invoice.
    deps.id_tags.put(IdTagRecord("GOOD", "Accepted", parent_id_tag="FLEET-1", owner_id="driver"))
    deps.tariffs.add_version(TARIFF)
    assert deps.locations.save(site("SITE", {"CP1": 1}, TARIFF.tariff_id), None).saved
    assert station.services.settlement.settle("CP1", str(tx))["outcome"] == "invoice"
    station.call("StopTransaction", {"transactionId": 5, "meterStop": 1, "timestamp": ts(2)})
    station.call("FirmwareStatusNotification", {"status": "Installed"})
    station.call("DiagnosticsStatusNotification", {"status": "Uploaded"})
    station.call("DataTransfer", {"vendorId": "com.acme", "messageId": "Ping"})
    command = station.services.engine.send("CP1", "Reset", {"type": "Soft"})
    station.router.handle(
        MessageContext("CP1", "c1=", V16, station.clock),
        json.dumps([3, command.message_id, {"status": "Accepted"}]),
    )
    station.call(
        "MeterValues",
        {"connectorId": 1, "transactionId": tx, "meterValue": [energy_sample_v16(20, 3)]},
    )
    station.services.session_progress.publish = True  # publishMeterValues
    station.services.session_progress.apply(
        [(str(i), r) for i, r in enumerate(deps.telemetry.records)], station.clock
    )
    v201 = Station(deps, V201)
    v201.call(
        "BootNotification",
        {"reason": "PowerUp", "chargingStation": {"vendorName": "A", "model": "B"}},
    )
    problem = {
        "eventId": 1,
        "timestamp": ts(3),
        "trigger": "Delta",
        "actualValue": "true",
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": "ChargingStation"},
        "variable": {"name": "Problem"},
    }
    v201.call("NotifyEvent", {"generatedAt": ts(3), "seqNo": 0, "eventData": [problem]})
    cleared = {**problem, "eventId": 2, "actualValue": "false", "cleared": True}
    v201.call("NotifyEvent", {"generatedAt": ts(4), "seqNo": 0, "eventData": [cleared]})
    v201.call("SecurityEventNotification", {"type": "TamperDetectionActivated", "timestamp": ts(4)})
    schedule = {
        "id": 1,
        "chargingRateUnit": "W",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7.5}],
    }
    v201.call(
        "NotifyChargingLimit",
        {
            "evseId": 1,
            "chargingLimit": {"chargingLimitSource": "SO"},
            "chargingSchedule": [schedule],
        },
    )
    v201.call("ClearedChargingLimit", {"evseId": 1, "chargingLimitSource": "SO"})
    v201.call(
        "NotifyEVChargingNeeds",
        {"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC", "departureTime": ts(9)}},
    )
    v201.call(
        "NotifyEVChargingSchedule", {"timeBase": ts(4), "evseId": 1, "chargingSchedule": schedule}
    )
    v201.call(
        "PublishFirmwareStatusNotification",
        {"status": "Published", "requestId": 1, "location": ["u"]},
    )
    v201.call("SignCertificate", {"csr": csr_for("CP1", new_key())})
    # Site load management's alerts: what the profile sender publishes for the rules' decisions.
    evse = EvseRef("site/CP1/1", "CP1", 1)
    lost = decide(evse, ControlState(), "not_supported", station.clock, "answered NotSupported")
    restored = decide(evse, lost.state, "accepted", station.clock)
    deps.publisher.publish([e for e in (lost.event, restored.event) if e is not None])
    # A site's model stored and deleted (the operator API's site model service).
    station.services.site_models = SiteModels(
        MemorySiteLoadStore(), deps.locations, lambda: station.clock, deps.publisher
    )
    deps.locations.save(depot_location("CP1-SITE"), None)
    station.services.site_models.put("CP1-SITE", depot_model())
    station.services.site_models.delete("CP1-SITE")
    # Grid signals: what the poller and webhook publish when a site's limit changes.
    deps.publisher.publish([grid_limit_changed()])
    disconnect(disconnect_event("c1=", authorizer=auth), station.services)
    # Published by the outbox relay once the charger stayed away.
    relay_outbox(station.services.outbox_sources(), datetime.now(UTC) + timedelta(hours=1))
    return deps.publisher.events


def test_every_published_event_validates_against_its_model():
    published = everything_published()
    seen = {e.detail_type for e in published}
    assert seen == set(CATALOGUE), seen ^ set(CATALOGUE)
    for event in published:
        CATALOGUE[event.detail_type].model_validate(event.full_detail())


def test_catalogue_covers_every_detail_type_constant_and_the_docs():
    constants = {
        v
        for k, v in vars(domain_events).items()
        if k.isupper() and isinstance(v, str) and k != "EVENT_SCHEMA_VERSION"
    }
    assert constants == set(CATALOGUE)
    doc = (ROOT / "docs" / "events.md").read_text()
    for name in CATALOGUE:
        assert f"`{name}`" in doc, f"{name} missing from docs/events.md"


def test_committed_json_schemas_are_current():
    committed = json.loads((ROOT / "docs" / "events.schema.json").read_text())
    assert committed == json.loads(json.dumps(json_schemas())), (
        "run: python -m shared.models.event_catalogue > docs/events.schema.json"
    )


def test_no_event_carries_an_id_tag_in_clear():
    deps = make_deps()
    card = "04A2B3C4D5E6F7"
    deps.id_tags.put(IdTagRecord(card, "Accepted"))
    station = Station(deps, V16)
    start = {"connectorId": 1, "idTag": card, "meterStart": 0, "timestamp": ts(0)}
    tx = station.call("StartTransaction", start)["transactionId"]
    station.call(
        "StopTransaction",
        {"transactionId": tx, "idTag": card, "meterStop": 10, "timestamp": ts(1)},
    )
    orphan = {"transactionId": 99, "idTag": card, "meterStop": 1, "timestamp": ts(2)}
    station.call("StopTransaction", orphan)
    published = json.dumps([e.full_detail() for e in deps.publisher.events], ensure_ascii=False)
    assert card not in published
    assert published.count("\u2026E6F7") == 4  # started, stopped (idTag and stopIdTag), orphan
    assert deps.transactions.get("CP1", str(tx)).id_tag == card  # the session keeps it whole
