"""A driver's whole journey through the local platform: the identity provider's token, a card
saved at the local Stripe server, a start from the driver API that runs StartSession (moto's
Step Functions with our handlers as its tasks), the simulated charger starting on the remote
start, meter values, a stop from the app, SettleSession on TransactionStopped capturing the
price at localstripe, and the receipt. Also the failure path: a refused remote start leaves
no hold."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe

from csms_cli.client import ApiError, Client
from local.identity.provider import DRIVER_APP_CLIENT
from local.platform import LocalPlatform
from local.stripe_server import API_KEY
from simulator import Backoff, SimulatedCharger
from simulator.handlers import default_handlers
from tests.e2e.conftest import run, start_platform

pytestmark = pytest.mark.e2e
TARIFF_ID = "AC-JOURNEY"


@pytest.fixture(scope="module")
def platform() -> Iterator[LocalPlatform]:
    with start_platform(stripe=True) as running:
        operator = Client(running.http_url, "dev-operator-token", timeout_s=30)
        valid_from = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        operator.request("POST", "/tariffs", body={
            "tariffId": TARIFF_ID, "currency": "EUR", "taxRateBp": 1900,
            "timeZone": "Europe/Berlin", "validFrom": valid_from,
            "elements": [{"priceComponents": [{"type": "FLAT", "price": 50},
                                              {"type": "ENERGY", "price": 40}]}],
        })  # fmt: skip
        yield running


def stripe_client(platform: LocalPlatform) -> stripe.StripeClient:
    assert platform.stripe is not None
    return stripe.StripeClient(API_KEY, base_addresses={"api": platform.stripe.api_base})


def driver(platform: LocalPlatform) -> Client:
    """A new driver with a saved card, as the app would make one."""
    identity = Client(platform.identity_url, None)
    email = f"journey-{uuid.uuid4().hex[:8]}@example.com"
    identity.request("POST", "/users", body={"email": email, "password": "long enough"})
    token = identity.request(
        "POST",
        "/oauth2/token",
        body={"grant_type": "password", "username": email, "password": "long enough",
              "client_id": DRIVER_APP_CLIENT},
    )["access_token"]  # fmt: skip
    app = Client(platform.driver_url, token, timeout_s=60)
    customer = app.request("POST", "/payment-methods/setup")["customerId"]
    sdk = stripe_client(platform)  # what the app's Stripe SDK does with the SetupIntent
    card = sdk.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                          "exp_year": 2035, "cvc": "123"}}
    )  # fmt: skip
    sdk.v1.payment_methods.attach(card.id, params={"customer": customer})
    app.request("PUT", "/payment-methods/default", body={"paymentMethodId": card.id})
    return app


def site_for(platform: LocalPlatform, charge_point_id: str) -> None:
    operator = Client(platform.http_url, "dev-operator-token", timeout_s=30)
    operator.request("POST", "/chargers", body={"chargePointId": charge_point_id})
    operator.request("POST", "/locations", body={
        "locationId": f"SITE-{charge_point_id}", "name": "Journey garage",
        "address": "Alexanderstrasse 1", "city": "Berlin", "postalCode": "10178",
        "country": "DEU", "coordinates": {"latitude": 52.5219, "longitude": 13.4132},
        "timeZone": "Europe/Berlin", "operator": {"name": "Acme Charging"},
        "tariffIds": [TARIFF_ID],
        "evses": [{"uid": "E1", "charger": {"chargePointId": charge_point_id, "connectorId": 1},
                   "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
                                   "powerType": "AC_3_PHASE", "maxVoltage": 230,
                                   "maxAmperage": 32}]}],
    })  # fmt: skip


async def eventually(check: Any, timeout: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.2)


def call(client: Client, method: str, path: str, body: Any = None) -> Any:
    return asyncio.to_thread(client.request, method, path, None, body)


def start_body(charge_point_id: str) -> dict[str, Any]:
    return {"chargePointId": charge_point_id, "connectorId": 1}


async def get_or_none(client: Client, path: str) -> Any:
    try:
        return await call(client, "GET", path)
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def test_find_start_watch_stop_pay_receipt(platform) -> None:
    app = driver(platform)
    cp_id = f"JOURNEY-{uuid.uuid4().hex[:6]}"
    site_for(platform, cp_id)

    async def journey() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        stop = asyncio.Event()
        charger = SimulatedCharger(
            platform.ws_url, cp_id, handlers=default_handlers(accept=True),
            backoff=Backoff(initial_s=0.05, max_s=0.2), power_kw=22.0, time_scale=60.0,
        )  # fmt: skip
        charger.device.job_step_s = 0.01
        task = asyncio.create_task(charger.run(stop))
        try:
            await asyncio.wait_for(charger.ever_online.wait(), 10)
            started = await call(
                app, "POST", "/sessions", {"chargePointId": cp_id, "connectorId": 1}
            )
            assert started["status"] == "sent", started

            async def running() -> Any:
                view = await call(app, "GET", f"/starts/{started['startId']}")
                return view if view["sessionId"] else None

            session_id = (await eventually(running))["sessionId"]

            live = await call(app, "GET", f"/sessions/{session_id}")
            await asyncio.sleep(2)  # charging for a while (a minute of charger time)
            await call(app, "POST", f"/sessions/{session_id}/stop")
            receipt = await eventually(
                lambda: get_or_none(app, f"/sessions/{session_id}/receipt"), timeout=30
            )
            return started, live, receipt
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)

    started, live, receipt = run(journey(), timeout=120)
    assert live["status"] == "active"
    assert receipt["outcome"] == "captured"
    assert 0 < receipt["totalInclTax"] <= started["holdMinor"]
    assert receipt["paidMinor"] == receipt["totalInclTax"]
    (intent_id,) = receipt["paymentIds"]
    intent = stripe_client(platform).v1.payment_intents.retrieve(intent_id)
    assert intent.status == "succeeded"
    page = Client(platform.driver_url, app.token).request("GET", "/sessions")
    assert page["items"][0]["status"] == "completed"


def test_a_refused_remote_start_releases_the_hold_at_localstripe(platform) -> None:
    app = driver(platform)
    cp_id = f"REFUSE-{uuid.uuid4().hex[:6]}"
    site_for(platform, cp_id)

    async def refused() -> dict[str, Any]:
        stop = asyncio.Event()
        charger = SimulatedCharger(
            platform.ws_url, cp_id, handlers=default_handlers(accept=False),
            backoff=Backoff(initial_s=0.05, max_s=0.2),
        )  # fmt: skip
        task = asyncio.create_task(charger.run(stop))
        try:
            await asyncio.wait_for(charger.ever_online.wait(), 10)
            try:
                started = await call(
                    app, "POST", "/sessions", {"chargePointId": cp_id, "connectorId": 1}
                )
            except ApiError as exc:
                # The refusal may be handled (and the hold released) before the API answers.
                return {"reason": exc.message, "answer": (exc.status, exc.code)}

            async def released() -> Any:
                view = await call(app, "GET", f"/starts/{started['startId']}")
                return view if view["status"] == "released" else None

            return dict(await eventually(released))
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)

    view = run(refused(), timeout=60)
    assert view.get("answer", (503, "StartFailed")) == (503, "StartFailed")
    assert "Rejected" in (view["reason"] or "")
    intents = stripe_client(platform).v1.payment_intents.list(params={"limit": 100})
    held = [i for i in intents.data if i.status == "requires_capture"]
    refs = [str((i.to_dict().get("metadata") or {}).get("startRequest", "")) for i in held]
    assert not [ref for ref in refs if ref.startswith(cp_id)]


def test_the_demo_journey_command_plays_against_the_seeded_demo(platform) -> None:
    from local.demo_site import APP_CHARGER, seed_demo_card, seed_demo_site
    from local.identity.provider import DRIVER_APP_CLIENT as CLIENT
    from local.journey import EMAIL, PASSWORD, journey
    from simulator import run_demo_charger

    seed_demo_site(platform.http_url, "dev-operator-token")
    seed_demo_site(platform.http_url, "dev-operator-token")  # again: nothing changes
    identity = platform.gateway.identity
    token = identity.access_token(identity.ensure_user(EMAIL, PASSWORD), CLIENT)
    assert platform.stripe is not None
    seed_demo_card(platform.driver_url, token, platform.stripe.api_base, API_KEY)
    lines: list[str] = []

    async def play() -> dict[str, Any]:
        stop = asyncio.Event()
        charger = asyncio.create_task(run_demo_charger(platform.ws_url, APP_CHARGER, stop=stop))
        try:
            base = platform.http_url.removesuffix("/api")
            return await asyncio.to_thread(journey, base, 1.0, lines.append)
        finally:
            stop.set()
            await asyncio.wait_for(charger, 10)

    receipt = run(play(), timeout=120)
    assert receipt["outcome"] == "captured" and receipt["tariffId"] == "DEMO-AC"
    assert [line.split(".", 1)[0] for line in lines if line[0].isdigit()] == [
        "1", "2", "3", "4", "5", "6", "7", "8"
    ]  # fmt: skip
