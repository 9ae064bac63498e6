"""Tariff and cost on a simulated 2.0.1 station through the local gateway (OCPP 2.0.1 block I):
the price text in the answer to Started (I01), the running cost sent during the session by the
telemetry consumer (I02, CostUpdated), the final cost in the answer to Ended (I03), equal to
the receipt's total; and no cost for a session without a tariff."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_cli.client import Client
from shared.adapters.dynamodb.receipts import DynamoReceiptStore
from simulator import SimulatedCharger
from tests.e2e.conftest import drain, moto_client, run

pytestmark = pytest.mark.e2e

V201 = "ocpp2.0.1"


# When the running test published its tariff: its session starts a minute later, after the
# tariff's first version became valid (published valid from then).
STARTS: dict[str, datetime] = {}


def stamp(minute: float) -> str:
    start = STARTS.setdefault("now", datetime.now(UTC).replace(microsecond=0))
    return (start + timedelta(minutes=1 + minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(tx: str, event_type: str, seq: int, minute: float, kwh: float, **extra: Any):
    trigger = {"Started": "Authorized", "Updated": "MeterValuePeriodic",
               "Ended": "StopAuthorized"}[event_type]  # fmt: skip
    context = {"Started": "Transaction.Begin", "Updated": "Sample.Periodic",
               "Ended": "Transaction.End"}[event_type]  # fmt: skip
    return {
        "eventType": event_type, "timestamp": stamp(minute), "triggerReason": trigger,
        "seqNo": seq, "transactionInfo": {"transactionId": tx},
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [{"timestamp": stamp(minute), "sampledValue": [
            {"value": kwh, "context": context, "measurand": "Energy.Active.Import.Register",
             "unitOfMeasure": {"unit": "kWh"}}]}],
    } | extra  # fmt: skip


def priced_site(platform: Any, cp_id: str, card: str | None) -> str:
    """A location for the charger with a tariff valid from now, and a driver's card."""
    STARTS["now"] = datetime.now(UTC).replace(microsecond=0)
    operator = Client(platform.http_url, "dev-operator-token", timeout_s=30)
    tariff_id = f"AC-{cp_id}"
    operator.request("POST", "/tariffs", body={
        "tariffId": tariff_id, "currency": "EUR", "taxRateBp": 1900,
        "timeZone": "Europe/Berlin",
        "validFrom": (datetime.now(UTC) + timedelta(seconds=2)).isoformat(),
        "elements": [{"priceComponents": [{"type": "FLAT", "price": 50},
                                          {"type": "ENERGY", "price": 40}]}],
    })  # fmt: skip
    operator.request("POST", "/chargers", body={"chargePointId": cp_id})
    operator.request("POST", "/locations", body={
        "locationId": f"SITE-{cp_id}", "name": "Cost garage", "address": "Alexanderstrasse 1",
        "city": "Berlin", "postalCode": "10178", "country": "DEU",
        "coordinates": {"latitude": 52.5219, "longitude": 13.4132},
        "timeZone": "Europe/Berlin", "operator": {"name": "Acme Charging"},
        "tariffIds": [tariff_id],
        "evses": [{"uid": "E1", "charger": {"chargePointId": cp_id, "connectorId": 1},
                   "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET",
                                   "powerType": "AC_3_PHASE", "maxVoltage": 230,
                                   "maxAmperage": 32}]}],
    })  # fmt: skip
    if card is not None:
        operator.request("POST", "/id-tags", body={"idTag": card, "ownerId": f"driver-{cp_id}"})
    return tariff_id


async def until(condition: Any, what: str, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = await condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout_s} s: {what}")
        await asyncio.sleep(0.1)


def test_I01_I02_I03_the_station_is_told_the_price_the_running_and_the_final_cost(platform):
    cp_id = f"COST-{uuid.uuid4().hex[:8]}"
    card = f"CARD-{uuid.uuid4().hex[:8]}"
    priced_site(platform, cp_id, card)
    tx = str(uuid.uuid4())

    async def scenario() -> tuple[dict[str, Any], dict[str, float], dict[str, Any]]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            token = {"idToken": card, "type": "ISO14443"}
            started = await cp.call(
                "TransactionEvent", event(tx, "Started", 0, 0, 10.0, idToken=token)
            )
            await cp.call("TransactionEvent", event(tx, "Updated", 1, 10, 12.0))
            await asyncio.to_thread(drain, platform)  # the telemetry consumer's batch

            async def shown() -> bool:
                return tx in cp.device.running_costs

            await until(shown, "CostUpdated received by the station")
            running = dict(cp.device.running_costs)
            ended = await cp.call("TransactionEvent", event(tx, "Ended", 2, 30, 16.537))
            return started, running, ended

    started, running, ended = run(scenario(), timeout=60)
    assert started["idTokenInfo"]["status"] == "Accepted"
    assert started["updatedPersonalMessage"] == {
        "format": "UTF8", "language": "en", "content": "0.60 EUR per session, 0.48 EUR/kWh",
    }  # fmt: skip
    # Ten minutes and 2 kWh: 0.50 + 0.80 = 1.30, 19 % tax: 1.55.
    assert running == {tx: 1.55}
    # 0.50 + 6.537 kWh x 0.40 = 3.11, 19 % tax: 3.70.
    assert ended == {"totalCost": 3.70}
    receipts = DynamoReceiptStore(
        moto_client(platform, "dynamodb"), platform.environment["RECEIPTS_TABLE"]
    )

    async def receipt() -> Any:
        await asyncio.to_thread(drain, platform)
        return receipts.get(cp_id, tx)

    settled = run(until(receipt, "the session settled"), timeout=60)
    assert settled.total_incl_tax == 370


def test_I03_a_session_without_a_tariff_is_told_no_cost(platform):
    cp_id = f"FREE-{uuid.uuid4().hex[:8]}"
    priced_site(platform, cp_id, None)  # the card below is nobody's: not priced
    tx = str(uuid.uuid4())

    async def scenario() -> tuple[dict[str, Any], dict[str, float], dict[str, Any]]:
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            assert (await cp.boot())["status"] == "Accepted"
            token = {"idToken": f"FLEET-{cp_id}", "type": "ISO14443"}
            started = await cp.call(
                "TransactionEvent", event(tx, "Started", 0, 0, 10.0, idToken=token)
            )
            await cp.call("TransactionEvent", event(tx, "Updated", 1, 10, 12.0))
            await asyncio.to_thread(drain, platform)
            ended = await cp.call("TransactionEvent", event(tx, "Ended", 2, 30, 16.5))
            return started, dict(cp.device.running_costs), ended

    started, running, ended = run(scenario(), timeout=60)
    assert "updatedPersonalMessage" not in started
    assert running == {}
    assert ended == {}
