"""The grid poller's and webhook's service (docs/adr/0052) over the in-memory store and the
fake VTN on local HTTP: what a source says is stored, GridLimitChanged is published once per
change (and again with the same eventId when its first publish failed), one site failing
does not stop the others, a forged or malformed notification stores nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.fake_vtn import FakeVtn
from shared.adapters.memory.grid_signal_store import MemoryGridSignalStore
from shared.adapters.memory.publishing import MemoryEventPublisher
from shared.adapters.openadr import OpenAdrVen
from shared.load_management.grid import GridLimits
from shared.load_management.grid_feed import GridFeed, callback_url
from shared.load_management.grid_feed import limit_event as limit_event_of
from shared.models.domain_events import GRID_LIMIT_CHANGED
from shared.models.event_catalogue import GridLimitChanged
from shared.ports.grid_signal_store import SiteSources
from shared.ports.grid_signals import GridSignal, GridSignalUnavailable

NOW = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
AT = "2030-01-07T12:00:00.000Z"
PROGRAM = {
    "programName": "dso-congestion",
    "payloadDescriptors": [
        {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "IMPORT_CAPACITY_LIMIT",
         "units": "KW"},
    ],
}  # fmt: skip


def limit_event(program_id: str, kw: float, hours: int = 2) -> dict[str, Any]:
    return {
        "programID": program_id,
        "eventName": "congestion",
        "intervalPeriod": {"start": "2030-01-07T11:00:00Z", "duration": f"PT{hours}H"},
        "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [kw]}]}],
    }


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class DownFeed:
    def prices(self, zone: str, start: datetime, end: datetime) -> list[GridSignal]:
        raise GridSignalUnavailable("ENTSO-E answered 503")


@pytest.fixture
def vtn() -> Iterator[FakeVtn]:
    with FakeVtn() as server:
        yield server


@pytest.fixture
def world(vtn: FakeVtn):
    store = MemoryGridSignalStore()
    publisher = MemoryEventPublisher()
    clock = Clock()

    def open_sources(site_id: str, document: Mapping[str, Any]) -> SiteSources:
        openadr = document.get("openadr")
        ven = None
        if openadr:
            ven = OpenAdrVen(openadr["vtnUrl"], "ven-1", "secret", clock=clock,
                             program_ids=tuple(openadr["programIds"]))  # fmt: skip
        if document.get("entsoe"):
            return SiteSources(vtn=ven, prices=DownFeed(), zone="10YNL----------L")
        return SiteSources(vtn=ven)

    feed = GridFeed(store, GridLimits(store), publisher, open_sources, clock)
    program = vtn.add_program(PROGRAM)
    return feed, store, publisher, clock, program["id"]


def sources(vtn_url: str, program_id: str) -> dict[str, Any]:
    return {"openadr": {"vtnUrl": vtn_url, "programIds": [program_id], "clientId": "ven-1",
                        "clientSecretName": "csms/grid/ven-1"}}  # fmt: skip


def changes(publisher: MemoryEventPublisher) -> list[dict[str, Any]]:
    return [e.full_detail() for e in publisher.of_type(GRID_LIMIT_CHANGED)]


def test_a_poll_stores_the_vtn_limit_and_announces_it_once(world, vtn) -> None:
    feed, store, publisher, clock, program = world
    store.put_sources("S1", sources(vtn.base_url, program), AT)
    vtn.put_event({**limit_event(program, 13.8), "id": "e1"})  # 13.8 kW: 20 A per phase
    report = feed.poll_all()
    assert report.polled == ["S1"] and report.published == ["S1"] and report.failed == []
    [detail] = changes(publisher)
    GridLimitChanged.model_validate(detail)  # as the catalogue says
    assert detail["locationId"] == "S1" and detail["chargePointId"] == ""
    assert detail["limitA"] == {"L1": 20, "L2": 20, "L3": 20} and detail["source"] == "openadr"
    assert detail["nextChange"] == "2030-01-07T13:00:00.000Z"
    # Polled again: same signals, same limit, nothing published.
    clock.now += timedelta(minutes=5)
    assert feed.poll_all().published == []
    assert len(changes(publisher)) == 1
    # The event withdrawn: gone by its absence, the change announced.
    vtn.delete_event("e1")
    feed.poll_all()
    assert [d["limited"] for d in changes(publisher)] == [True, False]


def test_one_site_failing_does_not_stop_the_others(world, vtn) -> None:
    feed, store, publisher, _, program = world
    store.put_sources("A-DOWN", sources("http://127.0.0.1:9", program), AT)
    with_prices = {**sources(vtn.base_url, program), "entsoe": {"biddingZone": "10YNL----------L"}}
    store.put_sources("B-PRICES-DOWN", with_prices, AT)
    store.put_sources("C-OK", sources(vtn.base_url, program), AT)
    vtn.put_event({**limit_event(program, 13.8), "id": "e1"})
    report = feed.poll_all()
    assert report.failed == ["A-DOWN", "B-PRICES-DOWN"]
    assert report.polled == ["C-OK"]
    # The VTN of B was reached: its limit is stored and announced although its prices failed.
    assert sorted(d["locationId"] for d in changes(publisher)) == ["B-PRICES-DOWN", "C-OK"]


def test_a_failed_publish_is_published_by_the_next_run_with_the_same_event_id(world, vtn) -> None:
    feed, store, publisher, clock, program = world
    store.put_sources("S1", sources(vtn.base_url, program), AT)
    vtn.put_event({**limit_event(program, 13.8), "id": "e1"})
    publisher.fail = True
    assert feed.poll_all().failed == ["S1"]
    state = store.limit_state("S1")
    assert state is not None and state.pending is not None  # the marker waits
    publisher.fail = False
    clock.now += timedelta(minutes=5)
    feed.poll_all()
    [event] = publisher.of_type(GRID_LIMIT_CHANGED)
    assert event.event_id == limit_event_of(state.pending).event_id
    assert event.full_detail()["receivedAt"] == "2030-01-07T12:00:00.000Z"  # the first run's
    cleared = store.limit_state("S1")
    assert cleared is not None and cleared.pending is None


def notification(item: dict[str, Any], operation: str = "POST") -> bytes:
    return json.dumps({"objectType": "EVENT", "operation": operation, "object": item}).encode()


def test_a_notification_with_the_sites_token_is_stored_and_announced(world, vtn) -> None:
    feed, store, publisher, _, program = world
    store.put_sources("S1", sources(vtn.base_url, program), AT)
    token = store.webhook_token("S1", create=True)
    body = notification({**limit_event(program, 13.8), "id": "e1"})
    outcome = feed.notification("S1", {"Authorization": f"Bearer {token}"}, body)
    assert outcome.status == 200
    assert [s.group for s in store.signals("S1", NOW)] == ["e1"]
    assert len(changes(publisher)) == 1
    # Delivered again: stored again with the same content, nothing announced twice.
    assert feed.notification("S1", {"Authorization": f"Bearer {token}"}, body).status == 200
    assert len(changes(publisher)) == 1


@pytest.mark.parametrize(
    ("site", "headers", "body", "status"),
    [
        ("S1", {}, None, 401),
        ("S1", {"Authorization": "Bearer forged"}, None, 401),
        ("S2", {"Authorization": "Bearer forged"}, None, 401),  # another site's token
        ("S1", "token", b"{not json", 400),
        ("S1", "token", "no id", 400),
        ("NOPE", "token", None, 404),
        ("", "token", None, 404),
    ],
)
def test_a_forged_or_malformed_notification_stores_nothing(
    world, vtn, site, headers, body, status
) -> None:
    feed, store, publisher, _, program = world
    store.put_sources("S1", sources(vtn.base_url, program), AT)
    store.put_sources("S2", sources(vtn.base_url, program), AT)
    store.webhook_token("S2", create=True)
    token = store.webhook_token("S1", create=True)
    if headers == "token":
        headers = {"Authorization": f"Bearer {token}"}
    if body == "no id":
        body = notification(limit_event(program, 13.8))
    body = body or notification({**limit_event(program, 13.8), "id": "e1"})
    assert feed.notification(site, headers, body).status == status
    assert store.signals("S1", NOW) == [] and store.signals("S2", NOW) == []
    assert publisher.events == []


def test_the_poller_subscribes_with_the_sites_token(world, vtn) -> None:
    feed, store, _, _, program = world
    feed.webhook_base_url = "https://api.example.com/"
    store.put_sources("S 1", sources(vtn.base_url, program), AT)
    feed.poll_all()
    feed.poll_all()
    [subscription] = vtn.subscriptions.values()
    [target] = subscription["objectOperations"]
    assert target["callbackUrl"] == callback_url("https://api.example.com", "S 1")
    assert target["callbackUrl"] == "https://api.example.com/webhooks/openadr?site=S%201"
    assert target["bearerToken"] == store.webhook_token("S 1")
