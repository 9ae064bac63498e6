import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.bootstrap import build_router
from shared.models.charger import ChargerRecord
from shared.ocpp.router import MessageContext
from shared.ocpp.versions import OcppVersion
from tests.fakes import memory_deps, memory_services

V16, V201 = OcppVersion.V16, OcppVersion.V201
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def deps():
    d = memory_deps(HEARTBEAT_INTERVAL_S="540", BOOT_RETRY_INTERVAL_S="60")
    d.chargers.create(ChargerRecord("CP1"))
    d.chargers.create(ChargerRecord("CP-PENDING", registration_status="Pending"))
    return d


def send(deps, frame, cp="CP1", version=V16, at=T0):
    router = build_router(memory_services(deps))
    ctx = MessageContext(cp, "conn-1", version, at)
    answer = router.handle(ctx, json.dumps(frame))
    assert answer is not None
    return json.loads(answer)


def test_boot_16_stores_the_self_description_and_accepts(deps):
    answer = send(
        deps,
        [
            2,
            "b1",
            "BootNotification",
            {
                "chargePointVendor": "Acme",
                "chargePointModel": "X1",
                "chargePointSerialNumber": "S-1",
                "firmwareVersion": "1.2.3",
                "iccid": "8901",
                "meterType": "M",
            },
        ],
    )
    assert answer == [
        3,
        "b1",
        {"status": "Accepted", "currentTime": "2026-03-01T12:00:00.000Z", "interval": 540},
    ]
    record = deps.chargers.get("CP1")
    assert (
        record.vendor,
        record.model,
        record.serial_number,
        record.firmware_version,
        record.iccid,
        record.protocol,
    ) == ("Acme", "X1", "S-1", "1.2.3", "8901", "ocpp1.6")
    booted = deps.publisher.of_type("ChargerBooted")
    assert booted[0].detail["registrationStatus"] == "Accepted"


def test_boot_201(deps):
    answer = send(
        deps,
        [
            2,
            "b2",
            "BootNotification",
            {
                "reason": "PowerUp",
                "chargingStation": {"vendorName": "Acme", "model": "Z", "modem": {"iccid": "1"}},
            },
        ],
        version=V201,
    )
    assert answer[2]["status"] == "Accepted"
    assert deps.chargers.get("CP1").boot_reason == "PowerUp"
    assert deps.chargers.get("CP1").iccid == "1"


def test_pending_charger_is_told_to_retry_sooner(deps):
    answer = send(
        deps,
        [2, "b3", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"}],
        cp="CP-PENDING",
    )
    assert answer[2]["status"] == "Pending"
    assert answer[2]["interval"] == 60


def test_boot_of_a_deleted_charger_is_rejected(deps):
    answer = send(
        deps,
        [2, "b4", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "B"}],
        cp="GONE",
    )
    assert answer[2]["status"] == "Rejected"


def test_heartbeat_answers_time_and_writes_nothing(deps):
    before = deps.chargers.get("CP1")
    assert send(deps, [2, "h1", "Heartbeat", {}]) == [
        3,
        "h1",
        {"currentTime": "2026-03-01T12:00:00.000Z"},
    ]
    assert deps.chargers.get("CP1") == before
    assert deps.publisher.events == []


def status16(status, connector=1, error="NoError", ts="2026-03-01T11:59:00Z"):
    return [
        2,
        "s",
        "StatusNotification",
        {"connectorId": connector, "errorCode": error, "status": status, "timestamp": ts},
    ]


def test_status_change_is_stored_and_published_once(deps):
    assert send(deps, status16("Available")) == [3, "s", {}]
    assert send(deps, status16("Available"), at=T0 + timedelta(seconds=1)) == [3, "s", {}]
    send(deps, status16("Preparing"), at=T0 + timedelta(seconds=2))
    changes = deps.publisher.of_type("ConnectorStatusChanged")
    assert [(e.detail["previousStatus"], e.detail["status"]) for e in changes] == [
        (None, "Available"),
        ("Available", "Preparing"),
    ]
    assert [s.status for s in deps.connectors.list_for("CP1")] == ["Preparing"]


def test_older_status_report_does_not_overwrite_a_newer_one(deps):
    send(deps, status16("Charging"), at=T0 + timedelta(seconds=5))
    send(deps, status16("Available"), at=T0)  # processed late by a parallel invocation
    assert deps.connectors.list_for("CP1")[0].status == "Charging"
    assert len(deps.publisher.of_type("ConnectorStatusChanged")) == 1


def test_error_code_change_is_a_change(deps):
    send(deps, status16("Available"))
    send(deps, status16("Faulted", error="GroundFailure"), at=T0 + timedelta(seconds=1))
    assert deps.publisher.of_type("ConnectorStatusChanged")[-1].detail["errorCode"] == (
        "GroundFailure"
    )


def test_status_201_is_keyed_by_evse_and_connector(deps):
    frame = [
        2,
        "s2",
        "StatusNotification",
        {
            "timestamp": "2026-03-01T11:59:00Z",
            "connectorStatus": "Occupied",
            "evseId": 2,
            "connectorId": 1,
        },
    ]
    assert send(deps, frame, version=V201) == [3, "s2", {}]
    stored = deps.connectors.list_for("CP1")[0]
    assert (stored.connector_key, stored.status) == ("2/1", "Occupied")


def test_event_bus_outage_does_not_fail_the_charger(deps, caplog):
    deps.publisher.fail = True
    assert send(deps, status16("Available")) == [3, "s", {}]
    assert deps.connectors.list_for("CP1")[0].status == "Available"
    assert "domain event not published" in caplog.text
