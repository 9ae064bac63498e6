"""ChargerConnected/ChargerDisconnected only for a change of state: API Gateway's forced
reconnects (every 2 hours, back within seconds) publish nothing; a charger that stays away is
reported by the outbox relay (docs/adr/0028-connection-events.md)."""

from typing import Any

import pytest

from shared.gateway.websocket import connect, disconnect
from shared.models.charger import ChargerRecord
from shared.ports import relay_outbox
from shared.station.connections import DISCONNECT_RELAY_AFTER_MS, RECONNECT_GRACE_MS
from shared.timeutil import from_epoch_ms
from tests.fakes import NOW_MS, connect_event, disconnect_event, memory_services

AUTH = {"chargePointId": "CP1", "protocol": "ocpp1.6", "validationMode": "strict"}


@pytest.fixture
def services():
    s = memory_services()
    s.deps.chargers.create(ChargerRecord("CP1"))
    return s


def open_(services, connection_id: str, at_ms: int) -> None:
    event = connect_event("CP1", connection_id=connection_id, at_ms=at_ms, authorizer=AUTH)
    assert connect(event, services)["statusCode"] == 200


def close(services, connection_id: str, at_ms: int) -> None:
    event = disconnect_event(connection_id, authorizer=AUTH, at_ms=at_ms)
    event["requestContext"]["disconnectReason"] = "Going away"
    disconnect(event, services)


def relay(services, at_ms: int) -> dict[str, int]:
    return relay_outbox(services.outbox_sources(), from_epoch_ms(at_ms))


def published(services, detail_type: str) -> list[dict[str, Any]]:
    """The details as published (eventId included)."""
    return [e.full_detail() for e in services.deps.publisher.of_type(detail_type)]


def test_a_reconnect_within_the_grace_publishes_nothing(services):
    open_(services, "c1=", NOW_MS)
    assert len(published(services, "ChargerConnected")) == 1  # the first connection is news
    close(services, "c1=", NOW_MS + 7_200_000)
    open_(services, "c2=", NOW_MS + 7_200_000 + RECONNECT_GRACE_MS - 1)
    relay(services, NOW_MS + 7_200_000 + 10 * DISCONNECT_RELAY_AFTER_MS)
    assert len(published(services, "ChargerConnected")) == 1
    assert published(services, "ChargerDisconnected") == []
    charger = services.deps.chargers.get("CP1")
    assert (charger.connection_id, charger.unpublished) == ("c2=", frozenset())
    assert services.deps.chargers.outbox.since_ms == {}


def test_a_charger_that_stays_away_is_reported_by_the_relay_once(services):
    open_(services, "c1=", NOW_MS)
    close(services, "c1=", NOW_MS + 1_000)
    assert published(services, "ChargerDisconnected") == []
    # Too young for the relay: a reconnect may still come.
    assert relay(services, NOW_MS + 1_000 + DISCONNECT_RELAY_AFTER_MS - 1) == dict.fromkeys(
        services.outbox_sources(), 0
    )
    assert relay(services, NOW_MS + 1_000 + DISCONNECT_RELAY_AFTER_MS + 1)["chargers"] == 1
    (event,) = published(services, "ChargerDisconnected")
    assert (event["connectionId"], event["reason"]) == ("c1=", "Going away")
    assert relay(services, NOW_MS + 10 * DISCONNECT_RELAY_AFTER_MS)["chargers"] == 0
    assert len(published(services, "ChargerDisconnected")) == 1
    # Back after that: a new connection is news again.
    open_(services, "c2=", NOW_MS + 10 * DISCONNECT_RELAY_AFTER_MS)
    assert [e["connectionId"] for e in published(services, "ChargerConnected")] == ["c1=", "c2="]


def test_a_reconnect_after_the_grace_publishes_the_disconnect_and_the_connect(services):
    """Back before the relay ran: the connect publishes both, the disconnect first (under the
    id the relay would have used), and nothing is left for the relay."""
    open_(services, "c1=", NOW_MS)
    close(services, "c1=", NOW_MS + 1_000)
    open_(services, "c2=", NOW_MS + 1_000 + RECONNECT_GRACE_MS)
    kinds = [e.detail_type for e in services.deps.publisher.events]
    assert kinds[-2:] == ["ChargerDisconnected", "ChargerConnected"]
    assert relay(services, NOW_MS + 10 * DISCONNECT_RELAY_AFTER_MS)["chargers"] == 0
    assert len(published(services, "ChargerDisconnected")) == 1


def test_the_relay_and_a_late_reconnect_publish_the_disconnect_under_one_id(services):
    open_(services, "c1=", NOW_MS)
    close(services, "c1=", NOW_MS + 1_000)
    relay(services, NOW_MS + 1_000 + DISCONNECT_RELAY_AFTER_MS + 1)
    open_(services, "c2=", NOW_MS + 1_000 + DISCONNECT_RELAY_AFTER_MS + 2)
    ids = {e["eventId"] for e in published(services, "ChargerDisconnected")}
    assert len(ids) == 1


def test_the_connection_that_replaces_a_live_one_publishes_nothing(services):
    """A charger that connects again before API Gateway reported the old socket closed never
    went offline; the late $disconnect of the old socket changes nothing either."""
    open_(services, "c1=", NOW_MS)
    open_(services, "c2=", NOW_MS + 7_200_000)
    close(services, "c1=", NOW_MS + 7_200_010)
    relay(services, NOW_MS + 7_200_000 + 10 * DISCONNECT_RELAY_AFTER_MS)
    assert [e["connectionId"] for e in published(services, "ChargerConnected")] == ["c1="]
    assert published(services, "ChargerDisconnected") == []


def test_a_connection_replaced_within_seconds_is_announced_again(services):
    """The connection before may be a $connect that attached and then failed (API Gateway
    answered 500, nothing was published): the charger's retry is announced."""
    services.deps.chargers.attach_connection("CP1", "failed=", "ocpp1.6", NOW_MS)
    open_(services, "c2=", NOW_MS + RECONNECT_GRACE_MS - 1)
    assert [e["connectionId"] for e in published(services, "ChargerConnected")] == ["c2="]


def test_a_failed_relay_publish_stays_marked_for_the_next_run(services):
    open_(services, "c1=", NOW_MS)
    close(services, "c1=", NOW_MS + 1_000)
    services.deps.publisher.fail = True
    relay(services, NOW_MS + 1_000 + DISCONNECT_RELAY_AFTER_MS + 1)
    services.deps.publisher.fail = False
    assert published(services, "ChargerDisconnected") == []
    assert services.deps.chargers.get("CP1").unpublished == frozenset({"ChargerDisconnected"})
    relay(services, NOW_MS + 1_000 + DISCONNECT_RELAY_AFTER_MS + 60_001)
    assert len(published(services, "ChargerDisconnected")) == 1


def test_a_second_disconnect_keeps_its_own_marker_when_the_first_is_cleared(services):
    open_(services, "c1=", NOW_MS)
    close(services, "c1=", NOW_MS + 1_000)
    (first,) = services.deps.chargers.disconnects_waiting(NOW_MS + 2_000)
    open_(services, "c2=", NOW_MS + 2_000)
    close(services, "c2=", NOW_MS + 3_000)
    services.deps.chargers.disconnect_published(first)  # a late clear for the first
    (second,) = services.deps.chargers.disconnects_waiting(NOW_MS + 4_000)
    assert (second.connection_id, second.at_ms) == ("c2=", NOW_MS + 3_000)
