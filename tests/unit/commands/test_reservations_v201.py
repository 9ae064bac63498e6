"""OCPP 2.0.1 reservations (H01 reserve, H02 cancel, ReservationStatusUpdate) and the stored
token type in SendLocalList."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord
from shared.ocpp.framing import CallResult
from shared.ocpp.versions import OcppVersion
from tests.fakes import memory_services
from tests.unit.transactions.helpers import Station

NOW = datetime.now(UTC)


@pytest.fixture
def services():
    services = memory_services()
    deps = services.deps
    deps.chargers.create(ChargerRecord("CP1", registration_status="Accepted"))
    deps.chargers.attach_connection("CP1", "conn-1=", "ocpp2.0.1", 1)
    deps.id_tags.put(IdTagRecord("CARD", "Accepted", token_type="ISO15693"))
    deps.id_tags.put(IdTagRecord("PLAIN", "Accepted"))
    deps.id_tags.put(IdTagRecord("GROUP", "Accepted", token_type="Central"))
    return services


def last_call(services):
    return json.loads(services.deps.sender.sent[-1][1])


def answer(services, command, payload):
    services.engine.on_reply("CP1", CallResult(command.message_id, payload))


def test_H01_reserve_now_builds_the_201_payload_with_the_stored_token_type(services):
    expiry = NOW + timedelta(hours=1)
    reservation, command = services.reservations.reserve(
        "CP1", 2, "CARD", expiry, NOW, parent_id_tag="GROUP", connector_type="cType2"
    )
    _, _, action, payload = last_call(services)
    assert action == "ReserveNow"
    assert payload == {
        "id": reservation.reservation_id,
        "expiryDateTime": reservation.expiry_date,
        "idToken": {"idToken": "CARD", "type": "ISO15693"},
        "evseId": 2,
        "connectorType": "cType2",
        "groupIdToken": {"idToken": "GROUP", "type": "Central"},
    }
    answer(services, command, {"status": "Accepted"})
    assert services.deps.reservations.get("CP1", reservation.reservation_id).status == "accepted"


def test_H01_any_evse_unknown_tag_and_an_explicit_type(services):
    expiry = NOW + timedelta(hours=1)
    services.reservations.reserve("CP1", 0, "NOBODY", expiry, NOW)
    payload = last_call(services)[3]
    assert "evseId" not in payload
    assert payload["idToken"] == {"idToken": "NOBODY", "type": "ISO14443"}
    answer(services, services.engine.get("CP1", last_call(services)[1]), {"status": "Occupied"})
    services.reservations.reserve("CP1", 1, "PLAIN", expiry, NOW, id_token_type="KeyCode")
    assert last_call(services)[3]["idToken"] == {"idToken": "PLAIN", "type": "KeyCode"}


def test_H02_cancel_reservation(services):
    reservation, command = services.reservations.reserve(
        "CP1", 1, "CARD", NOW + timedelta(hours=1), NOW
    )
    answer(services, command, {"status": "Accepted"})
    cancel = services.reservations.cancel("CP1", reservation.reservation_id)
    assert last_call(services)[2:] == [
        "CancelReservation",
        {"reservationId": reservation.reservation_id},
    ]
    answer(services, cancel, {"status": "Accepted"})
    assert services.deps.reservations.get("CP1", reservation.reservation_id).status == "cancelled"


@pytest.mark.parametrize(("update", "status"), [("Expired", "expired"), ("Removed", "removed")])
def test_H_reservation_status_update_ends_the_reservation_once(services, update, status):
    reservation, command = services.reservations.reserve(
        "CP1", 1, "CARD", NOW + timedelta(hours=1), NOW
    )
    answer(services, command, {"status": "Accepted"})
    station = Station(services.deps, OcppVersion.V201)
    body = {"reservationId": reservation.reservation_id, "reservationUpdateStatus": update}
    assert station.call("ReservationStatusUpdate", body) == {}
    stored = services.deps.reservations.get("CP1", reservation.reservation_id)
    assert (stored.status, stored.charger_status) == (status, update)
    # A resend, and an update for a reservation nobody knows: answered {}, nothing changes.
    assert station.call("ReservationStatusUpdate", body) == {}
    unknown = {"reservationId": 7, "reservationUpdateStatus": update}
    assert station.call("ReservationStatusUpdate", unknown) == {}
    assert services.deps.reservations.get("CP1", 7) is None


def test_reservation_status_update_is_validated(services):
    frame = Station(services.deps, OcppVersion.V201).frame(
        "ReservationStatusUpdate", {"reservationId": 1, "reservationUpdateStatus": "Gone"}
    )
    assert frame[0] == 4


@pytest.mark.parametrize("update_type", ["Full", "Differential"])
def test_send_local_list_uses_the_stored_token_type(services, update_type):
    tags = None if update_type == "Full" else ["CARD", "PLAIN", "GONE"]
    services.local_lists.send("CP1", update_type, NOW, tags)
    entries = last_call(services)[3]["localAuthorizationList"]
    types = {e["idToken"]["idToken"]: e["idToken"]["type"] for e in entries}
    assert types["CARD"] == "ISO15693"
    assert types["PLAIN"] == "ISO14443"
    if update_type == "Differential":
        assert types["GONE"] == "ISO14443"
        assert "idTokenInfo" not in next(e for e in entries if e["idToken"]["idToken"] == "GONE")
    else:
        assert types["GROUP"] == "Central"


def test_H01_a_transaction_event_naming_the_reservation_uses_it(services):
    reservation, command = services.reservations.reserve(
        "CP1", 1, "CARD", NOW + timedelta(hours=1), NOW
    )
    answer(services, command, {"status": "Accepted"})
    station = Station(services.deps, OcppVersion.V201)
    event = {
        "eventType": "Started",
        "timestamp": "2026-07-01T10:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "TX-R1"},
        "idToken": {"idToken": "CARD", "type": "ISO15693"},
        "evse": {"id": 1, "connectorId": 1},
        "reservationId": reservation.reservation_id,
    }
    station.call("TransactionEvent", event)
    station.call("TransactionEvent", event)  # resent
    used = services.deps.reservations.get("CP1", reservation.reservation_id)
    assert (used.status, used.transaction_id) == ("used", "TX-R1")
