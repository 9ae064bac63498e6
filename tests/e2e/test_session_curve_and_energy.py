"""A simulated charger's session with meter values, then its curve and the network's energy
through the operator API of the local platform (gateway, Kinesis batches, EventBridge rule,
the DynamoDB adapters on moto)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from csms_cli.client import ApiError, Client
from shared.adapters.dynamodb.id_tags import DynamoIdTagRepository
from shared.models.transaction import IdTagRecord
from simulator import SimulatedCharger
from tests.e2e.conftest import drain, moto_client, run

pytestmark = pytest.mark.e2e

DAY = "2026-11-20"


def sample(wh: int, minute: int) -> dict[str, Any]:
    return {
        "timestamp": f"{DAY}T21:{minute:02d}:00Z",
        "sampledValue": [
            {
                "value": str(wh),
                "context": "Sample.Periodic",
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
            }
        ],
    }


def test_a_sessions_curve_and_the_network_energy(platform) -> None:
    dynamodb = moto_client(platform, "dynamodb")
    DynamoIdTagRepository(dynamodb, platform.environment["ID_TAGS_TABLE"]).put(
        IdTagRecord("CURVE-TAG", "Accepted")
    )
    client = Client(platform.http_url, "dev-operator-token", timeout_s=30)
    cp_id = f"CRV-{uuid.uuid4().hex[:8]}"
    before = client.get("/energy", **{"from": DAY, "to": DAY, "granularity": "hour"})

    async def scenario() -> str:
        async with SimulatedCharger(platform.ws_url, cp_id) as cp:
            await cp.boot()
            start = {
                "connectorId": 1,
                "idTag": "CURVE-TAG",
                "meterStart": 50_000,
                "timestamp": f"{DAY}T21:00:00Z",
            }
            tx = str((await cp.call("StartTransaction", start))["transactionId"])
            # One reading per telemetry batch: each is a live-energy write and a curve point.
            for minute, wh in ((10, 51_000), (20, 52_500), (30, 53_000)):
                await cp.call(
                    "MeterValues",
                    {
                        "connectorId": 1,
                        "transactionId": int(tx),
                        "meterValue": [sample(wh, minute)],
                    },
                )
                await asyncio.to_thread(drain, platform)
            # A replayed reading (the charger resends after a lost reply) adds no point.
            await cp.call(
                "MeterValues",
                {"connectorId": 1, "transactionId": int(tx), "meterValue": [sample(52_500, 20)]},
            )
            await asyncio.to_thread(drain, platform)
            await cp.call(
                "StopTransaction",
                {
                    "transactionId": int(tx),
                    "meterStop": 54_000,
                    "timestamp": f"{DAY}T21:40:00Z",
                    "reason": "EVDisconnected",
                },
            )
            await asyncio.to_thread(drain, platform)
            return tx

    tx = run(scenario(), timeout=90)
    curve = client.get(f"/chargers/{cp_id}/sessions/{tx}/meter-values")
    assert (curve["chargePointId"], curve["transactionId"]) == (cp_id, tx)
    assert [(p["at"][:19], p["energyWh"], p["powerW"]) for p in curve["points"]] == [
        (f"{DAY}T21:00:00", 0, None),
        (f"{DAY}T21:10:00", 1_000, 6_000),
        (f"{DAY}T21:20:00", 2_500, 9_000),
        (f"{DAY}T21:30:00", 3_000, 3_000),
        (f"{DAY}T21:40:00", 4_000, 6_000),
    ]

    hours = client.get("/energy", **{"from": DAY, "to": DAY, "granularity": "hour"})
    assert len(hours["items"]) == 24
    added = {
        now["period"]: (now["energyWh"] - was["energyWh"], now["sessions"] - was["sessions"])
        for now, was in zip(hours["items"], before["items"], strict=True)
    }
    assert added[f"{DAY}T21:00:00Z"] == (4_000, 1)
    assert sum(energy for energy, _ in added.values()) == 4_000
    days = client.get("/energy", **{"from": DAY, "to": DAY})
    assert days["items"][0]["period"] == DAY
    assert days["items"][0]["energyWh"] >= 4_000

    with pytest.raises(ApiError) as unknown:
        client.get(f"/chargers/{cp_id}/sessions/no-such-session/meter-values")
    assert unknown.value.status == 404
