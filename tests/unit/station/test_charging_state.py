"""2.0.1 connectors show charging from their session's chargingState (TransactionEvent), as
1.6 connectors do from their status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.station.fleet import charger_state, is_charging
from tests.unit.transactions.helpers import T0, V201, Station, make_deps, ts

TOKEN = {"idToken": "GOOD", "type": "ISO14443"}


def event(
    event_type: str,
    seq: int,
    minute: float,
    state: str | None = None,
    trigger: str = "ChargingStateChanged",
    evse: dict[str, int] | None = None,
) -> dict[str, Any]:
    info: dict[str, Any] = {"transactionId": "tx-1"}
    if state is not None:
        info["chargingState"] = state
    payload: dict[str, Any] = {
        "eventType": event_type,
        "timestamp": ts(minute),
        "triggerReason": trigger,
        "seqNo": seq,
        "transactionInfo": info,
    }
    if evse is not None:
        payload["evse"] = evse
    return payload


def at(minute: float):
    return T0 + timedelta(minutes=minute)


@pytest.fixture
def station() -> Station:
    station = Station(make_deps(), V201)
    occupied = {
        "timestamp": ts(0),
        "connectorStatus": "Occupied",
        "evseId": 1,
        "connectorId": 1,
    }
    station.call("StatusNotification", occupied, at=at(0))
    return station


def connector(station: Station):
    (found,) = station.deps.connectors.list_for("CP1")
    return found


def state_of(station: Station) -> str:
    return charger_state(True, station.deps.connectors.list_for("CP1"))


def test_a_2_0_1_connector_charges_while_its_session_says_so(station):
    started = event("Started", 0, 1, "EVConnected", "CablePluggedIn", {"id": 1, "connectorId": 1})
    station.call("TransactionEvent", {**started, "idToken": TOKEN}, at=at(1))
    assert (connector(station).charging_state, state_of(station)) == ("EVConnected", "occupied")
    # Later events name no EVSE: the session's is used.
    station.call("TransactionEvent", event("Updated", 1, 2, "Charging"), at=at(2))
    assert (connector(station).charging_state, state_of(station)) == ("Charging", "charging")
    station.call("TransactionEvent", event("Updated", 2, 3, "SuspendedEV"), at=at(3))
    assert state_of(station) == "charging"
    assert is_charging(connector(station))
    station.call("TransactionEvent", event("Updated", 3, 4, "SuspendedEVSE"), at=at(4))
    assert state_of(station) == "charging"
    ended = event("Ended", 4, 5, "EVConnected", "StopAuthorized")
    station.call("TransactionEvent", ended, at=at(5))
    assert (connector(station).charging_state, state_of(station)) == ("EVConnected", "occupied")


def test_an_end_that_names_no_state_or_still_charging_leaves_nothing_charging(station):
    started = event("Started", 0, 1, "Charging", "Authorized", {"id": 1, "connectorId": 1})
    station.call("TransactionEvent", {**started, "idToken": TOKEN}, at=at(1))
    assert state_of(station) == "charging"
    station.call("TransactionEvent", event("Ended", 1, 2, None, "StopAuthorized"), at=at(2))
    assert (connector(station).charging_state, state_of(station)) == (None, "occupied")
    # An end that still says Charging: the session is over all the same.
    second = {**event("Started", 0, 3, "Charging", "Authorized", {"id": 1, "connectorId": 1})}
    second["transactionInfo"]["transactionId"] = "tx-2"
    station.call("TransactionEvent", second, at=at(3))
    last = event("Ended", 1, 4, "Charging", "StopAuthorized")
    last["transactionInfo"]["transactionId"] = "tx-2"
    station.call("TransactionEvent", last, at=at(4))
    assert (connector(station).charging_state, state_of(station)) == (None, "occupied")


def test_periodic_updates_write_nothing(station):
    started = event("Started", 0, 1, "Charging", "Authorized", {"id": 1, "connectorId": 1})
    station.call("TransactionEvent", {**started, "idToken": TOKEN}, at=at(1))
    periodic = event("Updated", 1, 2, "SuspendedEV", "MeterValuePeriodic")
    station.call("TransactionEvent", periodic, at=at(2))
    assert connector(station).charging_state == "Charging"


def test_an_older_event_arriving_late_does_not_override_a_newer_state(station):
    started = event("Started", 0, 1, "EVConnected", "CablePluggedIn", {"id": 1, "connectorId": 1})
    station.call("TransactionEvent", {**started, "idToken": TOKEN}, at=at(1))
    station.call("TransactionEvent", event("Updated", 2, 5, "Charging"), at=at(5))
    # Queued offline, sent after: its own timestamp says it is older.
    station.call("TransactionEvent", event("Updated", 1, 3, "SuspendedEVSE"), at=at(6))
    assert connector(station).charging_state == "Charging"
    # A resend of the newer one changes nothing either.
    station.call("TransactionEvent", event("Updated", 2, 5, "Charging"), at=at(7))
    assert connector(station).charging_state == "Charging"


def test_a_station_clock_ahead_cannot_pin_a_state(station):
    started = event("Started", 0, 60, "Charging", "Authorized", {"id": 1, "connectorId": 1})
    station.call("TransactionEvent", {**started, "idToken": TOKEN}, at=at(1))
    station.call("TransactionEvent", event("Updated", 1, 2, "SuspendedEV"), at=at(2))
    assert connector(station).charging_state == "SuspendedEV"


def test_an_evse_without_a_connector_id_is_its_connector_1(station):
    started = event("Started", 0, 1, "Charging", "Authorized", {"id": 1})
    station.call("TransactionEvent", {**started, "idToken": TOKEN}, at=at(1))
    assert connector(station).charging_state == "Charging"


def test_a_failed_write_is_counted_and_the_event_acknowledged(station, monkeypatch, caplog):
    def fail(*args: Any) -> bool:
        raise RuntimeError("DynamoDB down")

    monkeypatch.setattr(station.deps.connectors, "record_charging_state", fail)
    started = event("Started", 0, 1, "Charging", "Authorized", {"id": 1, "connectorId": 1})
    answer = station.call("TransactionEvent", {**started, "idToken": TOKEN}, at=at(1))
    assert answer["idTokenInfo"]["status"] == "Accepted"
    assert station.deps.transactions.get("CP1", "tx-1") is not None
    assert "charging state not stored" in caplog.text


def test_the_router_still_names_the_transaction_handler():
    station = Station(make_deps(), V201)
    handler = station.router.handler(V201, "TransactionEvent")
    assert handler is not None
    assert handler.__qualname__ == "TransactionHandlers.transaction_event"
