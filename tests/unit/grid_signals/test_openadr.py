"""The OpenADR 3 VEN against the fake VTN over local HTTP (docs/adr/0050-grid-signals.md)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.fake_vtn import FakeVtn
from shared.adapters.openadr import OpenAdrVen, end_of, event_signals
from shared.grid_signals import resolve_limit
from shared.ports.grid_signals import GridSignalUnavailable, NotificationOutcome

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
START = "2026-12-07T12:00:00Z"
CALLBACK_TOKEN = "callback-token-0123456789"

LIMITS = {
    "programName": "dso-congestion",
    "payloadDescriptors": [
        {
            "objectType": "EVENT_PAYLOAD_DESCRIPTOR",
            "payloadType": "IMPORT_CAPACITY_LIMIT",
            "units": "KW",
        },
    ],
}
TARIFF = {
    "programName": "dynamic-tariff",
    "intervalPeriod": {"start": START, "duration": "PT1H"},
    "payloadDescriptors": [
        {
            "objectType": "EVENT_PAYLOAD_DESCRIPTOR",
            "payloadType": "PRICE",
            "units": "MWH",
            "currency": "EUR",
        },
        {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "GHG", "units": "G_PER_KWH"},
    ],
}


@pytest.fixture
def vtn() -> Iterator[FakeVtn]:
    with FakeVtn() as server:
        yield server


def ven_of(vtn: FakeVtn, **kw: Any) -> OpenAdrVen:
    return OpenAdrVen(vtn.base_url, "ven-1", "secret", clock=lambda: NOW, **kw)


def limit_event(
    program_id: str, kw: float, start: str = START, duration: str = "PT2H"
) -> dict[str, Any]:
    return {
        "programID": program_id,
        "eventName": "congestion",
        "intervalPeriod": {"start": start, "duration": duration},
        "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [kw]}]}],
    }


def test_a_poll_maps_limits_prices_and_carbon_with_their_intervals(vtn: FakeVtn) -> None:
    limits = vtn.add_program(LIMITS)
    tariff = vtn.add_program(TARIFF)
    vtn.put_event(limit_event(limits["id"], 22.08))
    vtn.put_event(
        {
            "programID": limits["id"],
            "intervals": [
                {
                    "id": 0,
                    "intervalPeriod": {"start": "2026-12-07T18:00:00+01:00", "duration": "PT0S"},
                    "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [16]}],
                }
            ],
            "payloadDescriptors": [{"payloadType": "IMPORT_CAPACITY_LIMIT", "units": "A"}],
        }
    )
    # sequential intervals inheriting the program's period: 12:00, 13:00, 14:00
    vtn.put_event(
        {
            "programID": tariff["id"],
            "intervals": [
                {
                    "id": i,
                    "payloads": [{"type": "PRICE", "values": [p]}, {"type": "GHG", "values": [g]}],
                }
                for i, (p, g) in enumerate([(120.0, 300), (80.5, 250), (-5.0, 90)])
            ]
            + [{"id": 3, "payloads": [{"type": "SIMPLE", "values": [1]}]}],
        }
    )
    snapshot = ven_of(vtn).poll()
    assert snapshot.source == "openadr" and snapshot.received_at == NOW
    by_kind = {
        kind: [s for s in snapshot.signals if s.kind == kind]
        for kind in ("import_limit", "price", "carbon")
    }
    [kw_limit, amp_limit] = by_kind["import_limit"]
    assert (kw_limit.watts, kw_limit.start, kw_limit.end) == (
        22_080.0,
        NOW,
        NOW + timedelta(hours=2),
    )
    assert (amp_limit.amps, amp_limit.start, amp_limit.end) == (
        (16.0,) * 3,
        NOW + timedelta(hours=5),
        None,
    )
    assert [(s.start, s.end, s.value, s.currency) for s in by_kind["price"]] == [
        (NOW, NOW + timedelta(hours=1), 0.12, "EUR"),
        (NOW + timedelta(hours=1), NOW + timedelta(hours=2), 0.0805, "EUR"),
        (NOW + timedelta(hours=2), NOW + timedelta(hours=3), -0.005, "EUR"),
    ]
    assert [s.value for s in by_kind["carbon"]] == [300.0, 250.0, 90.0]
    assert all(s.group.startswith("event-") for s in snapshot.signals)
    # 22.08 kW over three phases at 230 V: 32 A per phase
    grid = resolve_limit(snapshot.signals, NOW + timedelta(minutes=1), (63.0, 63.0, 63.0))
    assert grid.amps == pytest.approx((32.0, 32.0, 32.0))
    assert grid.sources == ("openadr",) * 3


def test_a_malformed_event_is_left_out_and_the_others_count(vtn: FakeVtn) -> None:
    limits = vtn.add_program(LIMITS)
    vtn.put_event(limit_event(limits["id"], 11.0))
    vtn.put_event(limit_event(limits["id"], -3.0))  # a negative limit
    vtn.put_event({"programID": limits["id"], "intervals": [{"id": 0, "payloads": []}]})
    vtn.put_event(limit_event(limits["id"], 11.0, duration="one hour"))
    signals = ven_of(vtn).poll().signals
    assert [s.watts for s in signals] == [11_000.0]


def test_programs_of_other_programmes_are_not_followed(vtn: FakeVtn) -> None:
    ours = vtn.add_program(LIMITS)
    theirs = vtn.add_program({**LIMITS, "programName": "other"})
    vtn.put_event(limit_event(ours["id"], 11.0))
    vtn.put_event(limit_event(theirs["id"], 1.0))
    assert [s.watts for s in ven_of(vtn, program_ids=(ours["id"],)).poll().signals] == [11_000.0]


def test_pages_are_followed_to_the_end(vtn: FakeVtn) -> None:
    limits = vtn.add_program(LIMITS)
    for i in range(120):
        vtn.put_event(limit_event(limits["id"], 100.0 + i))
    assert len(ven_of(vtn).poll().signals) == 120
    assert vtn.requests.count(("GET", "/events")) == 3  # 50 + 50 + 20


def test_the_token_is_reused_and_fetched_again_when_revoked(vtn: FakeVtn) -> None:
    vtn.add_program(LIMITS)
    ven = ven_of(vtn)
    ven.poll()
    ven.poll()
    assert vtn.requests.count(("POST", "/auth/token")) == 1
    vtn.revoke_tokens()
    ven.poll()
    assert vtn.requests.count(("POST", "/auth/token")) == 2


def test_the_token_url_is_discovered_or_given(vtn: FakeVtn) -> None:
    vtn.add_program(LIMITS)
    ven_of(vtn).poll()
    assert vtn.requests[:2] == [("GET", "/auth/server"), ("POST", "/auth/token")]
    vtn.requests.clear()
    ven_of(vtn, token_url=f"{vtn.base_url}/auth/token").poll()
    assert ("GET", "/auth/server") not in vtn.requests


def test_wrong_credentials_or_no_vtn_are_unavailable(vtn: FakeVtn) -> None:
    with pytest.raises(GridSignalUnavailable, match="token endpoint answered 401"):
        OpenAdrVen(vtn.base_url, "ven-1", "wrong").poll()
    with pytest.raises(GridSignalUnavailable, match="cannot be reached"):
        OpenAdrVen("http://127.0.0.1:9", "ven-1", "secret", timeout_s=1).poll()


# --- subscriptions and notifications ------------------------------------------------------


class Receiver:
    """Our callback endpoint: hands each notification to the VEN's handler function."""

    def __init__(self, ven: OpenAdrVen, token: str) -> None:
        self.outcomes: list[NotificationOutcome] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outcome = ven.notification(dict(self.headers.items()), body, token)
                receiver.outcomes.append(outcome)
                self.send_response(outcome.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/grid/openadr"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_subscription_brings_each_change_of_an_event(vtn: FakeVtn) -> None:
    limits = vtn.add_program(LIMITS)
    ven = ven_of(vtn)
    ven.poll()  # knows the programmes' descriptors
    receiver = Receiver(ven, CALLBACK_TOKEN)
    try:
        subscription = ven.subscribe(receiver.url, CALLBACK_TOKEN)
        assert subscription is not None
        assert ven.subscribe(receiver.url, CALLBACK_TOKEN) == subscription  # not twice
        assert len(vtn.subscriptions) == 1

        event = vtn.put_event(limit_event(limits["id"], 11.0))
        vtn.put_event(
            {
                **event,
                "intervals": [
                    {"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [7.36]}]}
                ],
            }
        )
        vtn.delete_event(event["id"])
    finally:
        receiver.close()
    assert [status for _, status in vtn.deliveries] == [200, 200, 200]
    created, changed, deleted = (o.update for o in receiver.outcomes)
    assert created is not None and changed is not None and deleted is not None
    assert [s.watts for s in created.signals] == [11_000.0]
    assert changed.group == event["id"] and [s.watts for s in changed.signals] == [7_360.0]
    assert deleted.deleted and deleted.group == event["id"] and deleted.signals == ()


def test_a_vtn_without_subscriptions_leaves_polling(vtn: FakeVtn) -> None:
    with FakeVtn(subscriptions=False) as polling_only:
        assert ven_of(polling_only).subscribe("http://127.0.0.1:1/cb", CALLBACK_TOKEN) is None


def notification(item: dict[str, Any], operation: str = "POST") -> bytes:
    return json.dumps({"objectType": "EVENT", "operation": operation, "object": item}).encode()


def test_a_forged_notification_is_401_and_changes_nothing() -> None:
    ven = OpenAdrVen("http://127.0.0.1:9", "ven-1", "secret", clock=lambda: NOW)
    body = notification({**limit_event("p", 1.0), "id": "e1"})
    for headers in (
        {},
        {"Authorization": "Bearer guess"},
        {"Authorization": f"Basic {CALLBACK_TOKEN}"},
    ):
        outcome = ven.notification(headers, body, CALLBACK_TOKEN)
        assert (outcome.status, outcome.update) == (401, None)
    # no token configured: nothing is accepted, not even an empty one
    assert ven.notification({"Authorization": "Bearer "}, body, "").status == 401
    ok = ven.notification({"authorization": f"Bearer {CALLBACK_TOKEN}"}, body, CALLBACK_TOKEN)
    assert ok.status == 200 and ok.update is not None


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        (b"{not json", ("the body is not a JSON object",)),
        (b"[]", ("the body is not a JSON object",)),
        (
            json.dumps({"objectType": 1, "operation": "EAT"}).encode(),
            (
                "objectType is missing",
                "operation is not one of GET, POST, PUT, DELETE",
                "object is missing",
            ),
        ),
        (notification({"programID": "p", "intervals": []}), ("the event has no id",)),
        (
            notification({**limit_event("p", 5.0, start="yesterday"), "id": "e1"}),
            ("event e1 interval 0: intervalPeriod.start 'yesterday' is not a date-time",),
        ),
        (
            notification({**limit_event("p", float("nan")), "id": "e1"}),
            ("event e1 interval 0: watts must be a finite value >= 0",),
        ),
        (b"x" * (256 * 1024 + 1), ("the notification is too large",)),
    ],
)
def test_a_malformed_notification_is_400_with_its_problems(
    body: bytes, problems: tuple[str, ...]
) -> None:
    ven = OpenAdrVen("http://127.0.0.1:9", "ven-1", "secret", clock=lambda: NOW)
    outcome = ven.notification({"Authorization": f"Bearer {CALLBACK_TOKEN}"}, body, CALLBACK_TOKEN)
    assert (outcome.status, outcome.problems, outcome.update) == (400, problems, None)


# --- timing rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "end"),
    [
        ("PT15M", NOW + timedelta(minutes=15)),
        ("PT1H30M", NOW + timedelta(hours=1, minutes=30)),
        ("P1D", NOW + timedelta(days=1)),
        ("P1W", NOW + timedelta(weeks=1)),
        ("P1M", datetime(2027, 1, 7, 12, tzinfo=UTC)),
        ("PT0.5S", NOW + timedelta(seconds=0.5)),
        ("PT0S", None),
        ("P9999Y", None),
    ],
)
def test_durations(duration: str, end: datetime | None) -> None:
    assert end_of(NOW, duration) == end


@pytest.mark.parametrize("duration", ["", "P", "PT", "1H", "PT1X", "P1DT"])
def test_durations_that_are_not(duration: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        end_of(NOW, duration)


def test_an_own_interval_period_does_not_shift_the_sequence() -> None:
    event = {
        "id": "e",
        "intervalPeriod": {"start": START, "duration": "PT15M"},
        "intervals": [
            {"id": 0, "payloads": [{"type": "GHG", "values": [1]}]},
            {"id": 1, "payloads": [{"type": "GHG", "values": [2]}]},
            {
                "id": 2,
                "intervalPeriod": {"start": "2026-12-07T20:00:00Z", "duration": "PT1H"},
                "payloads": [{"type": "GHG", "values": [3]}],
            },
            {"id": 3, "payloads": [{"type": "GHG", "values": [4]}]},
        ],
    }
    signals = event_signals(event, None, "vtn", NOW)
    assert [(s.start, s.end) for s in signals] == [
        (NOW, NOW + timedelta(minutes=15)),
        (NOW + timedelta(minutes=15), NOW + timedelta(minutes=30)),
        (datetime(2026, 12, 7, 20, tzinfo=UTC), datetime(2026, 12, 7, 21, tzinfo=UTC)),
        (NOW + timedelta(minutes=45), NOW + timedelta(hours=1)),
    ]


# --- the fake VTN itself ------------------------------------------------------------------


def test_the_fake_vtn_wants_its_token_and_well_formed_subscriptions(vtn: FakeVtn) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as unauthorised:
        urllib.request.urlopen(f"{vtn.base_url}/programs", timeout=5)  # noqa: S310
    assert unauthorised.value.code == 401
    ven = ven_of(vtn)
    token = ven._access_token()
    request = urllib.request.Request(  # noqa: S310
        f"{vtn.base_url}/subscriptions",
        data=b'{"clientName": "x", "objectOperations": [{"objects": []}]}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as malformed:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    assert malformed.value.code == 400
    assert vtn.subscriptions == {}


def test_a_subscriber_that_is_gone_is_recorded_not_fatal(vtn: FakeVtn) -> None:
    limits = vtn.add_program(LIMITS)
    ven = ven_of(vtn)
    assert ven.subscribe("http://127.0.0.1:9/gone", CALLBACK_TOKEN) is not None
    vtn.put_event(limit_event(limits["id"], 11.0))
    assert vtn.deliveries == [("http://127.0.0.1:9/gone", 0)]
    assert len(ven.poll().signals) == 1  # polling still brings the event
