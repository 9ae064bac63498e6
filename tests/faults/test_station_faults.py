"""Faults at each AWS call of the station's flows (a connection opening, a status report): what
is acknowledged is stored once; an event is published at most once per change (one id)."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shared.gateway.websocket import connect, disconnect
from shared.ports import relay_outbox
from shared.timeutil import from_epoch_ms
from tests.fakes import connect_event, disconnect_event
from tests.fault_injection import Fault, NthCall, injected, nth_call_fails
from tests.faults.conftest import Platform
from tests.faults.test_session_faults import clients, deliver

AVAILABLE = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
PREPARING = {**AVAILABLE, "status": "Preparing"}
AUTHORIZER = {
    "chargePointId": "CP1",
    "protocol": "ocpp1.6",
    "validationMode": "strict",
    "registrationStatus": "Accepted",
}


def stored_status(platform: Platform) -> str:
    (connector,) = platform.services.deps.connectors.list_for("CP1")
    return connector.status


# A change: its write, publish, clear.
STATUS_CHANGE_CALLS = range(1, 4)


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", STATUS_CHANGE_CALLS)
def test_a_status_report_with_a_fault_at_any_call(platform: Platform, n: int, after: bool):
    deliver(platform, "StatusNotification", AVAILABLE, "ocpp1.6")
    before = len(platform.published.of_type("ConnectorStatusChanged"))
    with nth_call_fails(clients(platform), NthCall(n=n, after=after)):
        platform.send("StatusNotification", PREPARING)
    deliver(platform, "StatusNotification", PREPARING, "ocpp1.6")
    platform.relay()
    assert stored_status(platform) == "Preparing"
    changes = platform.published.of_type("ConnectorStatusChanged")[before:]
    assert {(c["previousStatus"], c["status"]) for c in changes} == {("Available", "Preparing")}
    assert len({c["eventId"] for c in changes}) == 1
    (connector,) = platform.services.deps.connectors.list_for("CP1")
    assert connector.unpublished == frozenset()


def test_a_status_change_makes_the_calls_the_fault_positions_cover(platform: Platform):
    deliver(platform, "StatusNotification", AVAILABLE, "ocpp1.6")
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        platform.send("StatusNotification", PREPARING)
    assert len(probe.calls) == max(STATUS_CHANGE_CALLS), probe.calls
    repeat = NthCall(n=10**6)
    with nth_call_fails(clients(platform), repeat):
        platform.send("StatusNotification", PREPARING)
    assert repeat.calls == ["dynamodb:UpdateItem"]  # a repeat: one write, whose condition fails


def test_a_change_whose_event_could_not_be_published_is_relayed_once(platform: Platform):
    deliver(platform, "StatusNotification", AVAILABLE, "ocpp1.6")
    bus_down = Fault("PutEvents", "InternalException", times=9)
    with injected(platform.client("events"), bus_down):
        assert platform.send("StatusNotification", PREPARING)[0] == 3
    assert platform.published.of_type("ConnectorStatusChanged")[-1]["status"] == "Available"
    assert platform.relay()["connectors"] == 1
    latest = platform.published.of_type("ConnectorStatusChanged")[-1]
    assert (latest["previousStatus"], latest["status"]) == ("Available", "Preparing")
    assert platform.relay()["connectors"] == 0


def test_a_newer_change_keeps_its_marker_when_an_older_publish_clears(platform: Platform):
    """The clear is guarded by the report it published: a change stored in between keeps its
    own marker (and is published by its own report or the relay)."""
    deliver(platform, "StatusNotification", AVAILABLE, "ocpp1.6")
    connectors = platform.services.deps.connectors
    (available,) = connectors.list_for("CP1")
    with injected(platform.client("events"), Fault("PutEvents", "InternalException", times=9)):
        platform.send("StatusNotification", PREPARING)
    (preparing,) = connectors.list_for("CP1")
    connectors.mark_published(
        "CP1", "1", "ConnectorStatusChanged", available.received_at_ms
    )  # a late clear for the older report
    (still,) = connectors.list_for("CP1")
    assert still.unpublished == frozenset({"ConnectorStatusChanged"})
    assert still.received_at_ms == preparing.received_at_ms


def open_connection(platform: Platform, connection_id: str, at_ms: int) -> dict[str, Any]:
    event = connect_event("CP1", connection_id=connection_id, at_ms=at_ms, authorizer=AUTHORIZER)
    return connect(event, platform.services)


# $connect with the authorizer's context: the charger's attach, ChargerConnected.
CONNECT_CALLS = range(1, 3)


def test_the_connect_calls_are_the_ones_the_fault_positions_cover(platform: Platform):
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        assert open_connection(platform, "c1=", 1_000)["statusCode"] == 200
    assert probe.calls == ["dynamodb:UpdateItem", "events:PutEvents"]
    assert len(probe.calls) == max(CONNECT_CALLS)


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", CONNECT_CALLS)
def test_a_connection_with_a_fault_at_any_call(platform: Platform, n: int, after: bool):
    with nth_call_fails(clients(platform), NthCall(n=n, after=after)):
        try:
            first = open_connection(platform, "try-1=", 1_000)
        except Exception:  # API Gateway answers 500 and the charger connects again
            first = {"statusCode": 500}
    if first["statusCode"] == 200:
        final = "try-1="
    else:
        assert open_connection(platform, "try-2=", 2_000)["statusCode"] == 200
        final = "try-2="
    assert platform.services.deps.chargers.get("CP1").connection_id == final
    connected = platform.published.of_type("ChargerConnected")
    assert [c["connectionId"] for c in connected][-1] == final
    assert len({c["eventId"] for c in connected if c["connectionId"] == final}) == 1


# $disconnect with the authorizer's context: the charger's detach with its unpublished
# ChargerDisconnected (the relay publishes it: docs/adr/0028-connection-events.md); no
# connection record was written.
DISCONNECT_CALLS = range(1, 2)


@pytest.mark.parametrize("after", [False, True], ids=["before", "after-effect"])
@pytest.mark.parametrize("n", DISCONNECT_CALLS)
def test_a_disconnect_with_a_fault_at_any_call(platform: Platform, n: int, after: bool):
    """API Gateway does not retry a $disconnect: a fault may leave the charger pointing at the
    closed connection, which the next connection replaces. A charger the disconnect took
    offline is reported by the outbox relay, once; one still shown online never is."""
    assert open_connection(platform, "old=", 1_000)["statusCode"] == 200
    fault = NthCall(n=n, after=after)
    # API Gateway logs an integration error; nothing retries a $disconnect.
    with nth_call_fails(clients(platform), fault), contextlib.suppress(ClientError):
        disconnect(disconnect_event("old=", AUTHORIZER, at_ms=2_000), platform.services)
    assert fault.failed is not None
    charger = platform.services.deps.chargers.get("CP1")
    assert charger is not None
    offline = charger.connection_id is None
    for run in range(2):  # the second run finds nothing left
        relay_outbox(platform.services.outbox_sources(), from_epoch_ms(10**6 + run))
    disconnected = platform.published.ids("ChargerDisconnected")
    assert len(disconnected) == (1 if offline else 0)
    assert open_connection(platform, "new=", 3_000_000)["statusCode"] == 200
    assert platform.services.deps.chargers.get("CP1").connection_id == "new="
    assert len(platform.published.ids("ChargerDisconnected")) == (1 if offline else 0)


def test_the_disconnect_calls_are_the_ones_the_fault_positions_cover(platform: Platform):
    open_connection(platform, "old=", 1_000)
    probe = NthCall(n=10**6)
    with nth_call_fails(clients(platform), probe):
        disconnect(disconnect_event("old=", AUTHORIZER, at_ms=2_000), platform.services)
    assert len(probe.calls) == max(DISCONNECT_CALLS), probe.calls
