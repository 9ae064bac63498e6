"""`python -m local.journey`: a driver's whole journey against the running local platform,
printed step by step: sign in, find the demo site, start charging on DEMO-CP-2, watch,
stop, and the receipt with what was paid (at the local Stripe server).

    make run                      # in one terminal
    .venv/bin/python -m local.journey   # in another (--url for another port)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from csms_cli.client import ApiError, Client, Unreachable
from local.demo_site import APP_CHARGER, DEMO_SITE
from local.identity.provider import DRIVER_APP_CLIENT

EMAIL = "driver@demo.example"
PASSWORD = "demo-driver"  # noqa: S105 - the demo driver's, printed in make run's banner


def money(minor: int, currency: str) -> str:
    return f"{minor // 100}.{minor % 100:02d} {currency}"


def until(check: Callable[[], Any], timeout_s: float, every_s: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing after {timeout_s:.0f} s")
        time.sleep(every_s)


def journey(base_url: str, charge_s: float, say: Callable[[str], None]) -> dict[str, Any]:
    base = base_url.rstrip("/")
    token = Client(f"{base}/local-idp", None).request(
        "POST",
        "/oauth2/token",
        body={
            "grant_type": "password",
            "username": EMAIL,
            "password": PASSWORD,
            "client_id": DRIVER_APP_CLIENT,
        },
    )["access_token"]
    app = Client(f"{base}/driver", token, timeout_s=60)
    say(f"1. signed in as {EMAIL} (driver {app.request('GET', '/me')['driverId']})")

    methods = app.request("GET", "/payment-methods")["items"]
    card = next((m for m in methods if m["default"]), None)
    if card is None:
        raise RuntimeError("the demo driver has no card: is `make run` running with Stripe?")
    say(f"2. paying with {card.get('brand') or 'card'} ...{card.get('last4') or ''}")

    say(f"3. finding chargers: {DEMO_SITE}, charger {APP_CHARGER}")

    def started_now() -> Any:
        try:
            return app.request(
                "POST", "/sessions", body={"chargePointId": APP_CHARGER, "connectorId": 1}
            )
        except ApiError as exc:
            if exc.status in (409, 503):  # busy or still connecting: wait a little
                say(f"   ... {exc.message}; trying again")
                return None
            raise

    start = until(started_now, 120, every_s=5)
    say(
        f"4. start asked: {money(start['holdMinor'], start['currency'])} held, "
        f"tariff {start['tariffId']} v{start['tariffVersion']}; charger asked to start"
    )
    session_id = until(lambda: app.request("GET", f"/starts/{start['startId']}")["sessionId"], 60)
    say(f"5. charging: session {session_id}")
    end = time.monotonic() + charge_s
    while time.monotonic() < end:
        live = app.request("GET", f"/sessions/{session_id}")
        say(f"   {live['durationS'] or 0:>4} s, {live['energyWh'] or 0:>6} Wh")
        time.sleep(min(5.0, max(0.0, end - time.monotonic())))
    stopped = app.request("POST", f"/sessions/{session_id}/stop")
    answer = "accepted" if stopped["accepted"] else f"answered {stopped['status']}"
    say(f"6. stop asked: the charger {answer}")

    def receipt_now() -> Any:
        try:
            return app.request("GET", f"/sessions/{session_id}/receipt")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    receipt = until(receipt_now, 90)
    c = receipt["currency"]
    say(
        f"7. paid: {money(receipt['totalInclTax'], c)} "
        f"({money(receipt['totalExclTax'], c)} + {money(receipt['tax'], c)} tax) for "
        f"{receipt['energyWh']} Wh in {receipt['durationS']} s: {receipt['outcome']}, "
        f"payment {', '.join(receipt['paymentIds']) or '-'}"
    )
    say(f"8. receipt: {base}/driver/sessions/{session_id}/receipt.html (with the token)")
    return dict(receipt)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.journey",
        description="Play a driver's journey against the running local platform.",
    )
    parser.add_argument(
        "--url", default="http://127.0.0.1:8080", help="the local gateway (default %(default)s)"
    )
    parser.add_argument(
        "--charge-seconds", type=float, default=20.0, help="how long to charge (default 20)"
    )
    args = parser.parse_args(argv)
    try:
        journey(args.url, args.charge_seconds, lambda line: print(line, flush=True))
    except (ApiError, Unreachable, TimeoutError, RuntimeError) as exc:
        print(f"journey failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
