"""The demo a developer sees after `make run`: a site with a price and two chargers, and the
demo driver with a card, all made through the platform's own APIs like an operator and the
app would (idempotent: a restart with kept state changes nothing).

    DEMO-CP-1  charges a short session every few minutes with the demo id tag (a card)
    DEMO-CP-2  waits for the app: `python -m local.journey` plays a driver's whole journey
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from csms_cli.client import ApiError, Client

logger = logging.getLogger("local.demo")

DEMO_SITE = "DEMO-SITE"
DEMO_TARIFF = "DEMO-AC"
APP_CHARGER = "DEMO-CP-2"
TEST_CARD = "4242424242424242"  # Stripe's test Visa: always succeeds


def seed_demo_site(
    http_url: str, operator_token: str, charger_ids: tuple[str, ...] = ("DEMO-CP-1", APP_CHARGER)
) -> None:
    operator = Client(http_url, operator_token, timeout_s=30)
    try:
        operator.request("GET", f"/tariffs/{DEMO_TARIFF}")
    except ApiError as exc:
        if exc.status != 404:
            raise
        operator.request("POST", "/tariffs", body=_tariff())
    for charge_point_id in charger_ids:
        try:
            operator.request("POST", "/chargers", body={"chargePointId": charge_point_id})
        except ApiError as exc:
            if exc.status != 409:
                raise
    try:
        operator.request("POST", "/locations", body=_site(charger_ids))
    except ApiError as exc:
        if exc.status != 409:
            raise


def seed_demo_card(driver_url: str, token: str, stripe_api_base: str, api_key: str) -> None:
    """Save the test card for the demo driver, as the app's Stripe SDK would."""
    import stripe

    app = Client(driver_url, token, timeout_s=30)
    if app.request("GET", "/payment-methods")["items"]:
        return
    customer = app.request("POST", "/payment-methods/setup")["customerId"]
    sdk = stripe.StripeClient(api_key, base_addresses={"api": stripe_api_base})
    card = sdk.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": TEST_CARD, "exp_month": 12, "exp_year": 2035, "cvc": "123"},
        }
    )
    sdk.v1.payment_methods.attach(card.id, params={"customer": customer})
    app.request("PUT", "/payment-methods/default", body={"paymentMethodId": card.id})


def _tariff() -> dict[str, Any]:
    # 0.50 per session, 0.39 per kWh, 0.10 per parked minute after 15 minutes; 19 % VAT.
    return {
        "tariffId": DEMO_TARIFF,
        "currency": "EUR",
        "taxRateBp": 1900,
        "timeZone": "Europe/Berlin",
        "validFrom": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "elements": [
            {
                "priceComponents": [
                    {"type": "FLAT", "price": 50},
                    {"type": "ENERGY", "price": 39},
                    {"type": "PARKING_TIME", "price": 600, "stepSize": 60, "graceS": 900},
                ]
            }
        ],
    }


# A 22 kW Type 2 socket: the connector of every site the tests and benchmarks build.
TYPE2_SOCKET = {
    "id": "1",
    "standard": "IEC_62196_T2",
    "format": "SOCKET",
    "powerType": "AC_3_PHASE",
    "maxVoltage": 230,
    "maxAmperage": 32,
    "maxElectricPower": 22000,
}


def site_location(
    location_id: str,
    evses: list[tuple[str, int]],
    name: str = "Car park",
    operator: str = "Acme Charging",
) -> dict[str, Any]:
    """A location body (POST /api/locations) in Hamburg whose EVSEs E1, E2, ... are the given
    (charger, EVSE number) pairs, each with one Type 2 socket."""
    return {
        "locationId": location_id,
        "name": name,
        "address": "Hafenstrasse 1",
        "city": "Hamburg",
        "postalCode": "20457",
        "country": "DEU",
        "coordinates": {"latitude": 53.54, "longitude": 9.98},
        "timeZone": "Europe/Berlin",
        "operator": {"name": operator},
        "evses": [
            {"uid": f"E{i}", "charger": {"chargePointId": cp_id, "evseId": number},
             "connectors": [TYPE2_SOCKET]}
            for i, (cp_id, number) in enumerate(evses, start=1)
        ],
    }  # fmt: skip


def _site(charger_ids: tuple[str, ...]) -> dict[str, Any]:
    return {
        "locationId": DEMO_SITE,
        "name": "Demo garage",
        "address": "Alexanderstrasse 1",
        "city": "Berlin",
        "postalCode": "10178",
        "country": "DEU",
        "coordinates": {"latitude": 52.5219, "longitude": 13.4132},
        "timeZone": "Europe/Berlin",
        "operator": {"name": "Demo Charging"},
        "tariffIds": [DEMO_TARIFF],
        "evses": [
            {
                "uid": f"E{n}",
                "charger": {"chargePointId": charge_point_id, "connectorId": 1},
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "powerType": "AC_3_PHASE",
                        "maxVoltage": 230,
                        "maxAmperage": 32,
                    }
                ],
            }
            for n, charge_point_id in enumerate(charger_ids, start=1)
        ],
    }
