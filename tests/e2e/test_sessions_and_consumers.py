"""A charging session through the local gateway, and its telemetry and events delivered to the
consumers like AWS does (Kinesis batches, EventBridge rule), end to end."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from shared.adapters.dynamodb.energy import DynamoEnergyLedger
from shared.adapters.dynamodb.id_tags import DynamoIdTagRepository
from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
from shared.models.transaction import IdTagRecord
from simulator import SimulatedCharger
from tests.e2e.conftest import drain, moto_client, run

pytestmark = pytest.mark.e2e


def sample(wh, minute, context="Sample.Periodic"):
    return {
        "timestamp": f"2026-11-25T10:{minute:02d}:00Z",
        "sampledValue": [
            {
                "value": str(wh),
                "context": context,
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
            }
        ],
    }


@pytest.fixture
def stores(platform):
    dynamodb = moto_client(platform, "dynamodb")
    env = platform.environment
    tags = DynamoIdTagRepository(dynamodb, env["ID_TAGS_TABLE"])
    tags.put(IdTagRecord("E2E-TAG", "Accepted"))
    return (
        DynamoTransactionRepository(dynamodb, env["TRANSACTIONS_TABLE"], env["CONNECTORS_TABLE"]),
        DynamoEnergyLedger(dynamodb, env["TRANSACTIONS_TABLE"], env["ENERGY_DAILY_TABLE"]),
    )


def test_v16_session_energy_reaches_the_session_and_the_daily_roll_up(platform, stores):
    transactions, ledger = stores
    cp_id = f"SES-{uuid.uuid4().hex[:8]}"

    async def scenario():
        async with SimulatedCharger(platform.ws_url, cp_id) as cp:
            await cp.boot()
            assert (await cp.call("Authorize", {"idTag": "E2E-TAG"}))["idTagInfo"]["status"] == (
                "Accepted"
            )
            start = {
                "connectorId": 1,
                "idTag": "E2E-TAG",
                "meterStart": 10_000,
                "timestamp": "2026-11-25T10:00:00Z",
            }
            tx = (await cp.call("StartTransaction", start))["transactionId"]
            assert (await cp.call("StartTransaction", start))["transactionId"] == tx  # replay
            for minute in (1, 2, 3):
                await cp.call(
                    "MeterValues",
                    {
                        "connectorId": 1,
                        "transactionId": tx,
                        "meterValue": [sample(10_000 + 500 * minute, minute)],
                    },
                )
            await asyncio.to_thread(drain, platform)
            progress = transactions.get(cp_id, str(tx))
            await cp.call(
                "StopTransaction",
                {
                    "transactionId": tx,
                    "meterStop": 12_345,
                    "timestamp": "2026-11-25T10:30:00Z",
                    "reason": "EVDisconnected",
                },
            )
            await asyncio.to_thread(drain, platform)
            return tx, progress

    tx, progress = run(scenario(), timeout=60)
    assert (progress.status, progress.last_meter_wh) == ("active", 11_500)
    done = transactions.get(cp_id, str(tx))
    assert (done.status, done.energy_wh, done.duration_s) == ("completed", 2_345, 1800)
    assert ledger.day_total(cp_id, "2026-11-25") == (2_345, 1)


def test_E01_E03_E06_J02_v201_transaction_events_make_one_session(platform, stores):
    transactions, ledger = stores
    cp_id = f"SES2-{uuid.uuid4().hex[:8]}"

    def event(event_type, seq, minute, kwh, trigger, context):
        return {
            "eventType": event_type,
            "timestamp": f"2026-11-25T11:{minute:02d}:00Z",
            "triggerReason": trigger,
            "seqNo": seq,
            "transactionInfo": {"transactionId": "tx-e2e"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [
                {
                    "timestamp": f"2026-11-25T11:{minute:02d}:00Z",
                    "sampledValue": [
                        {"value": kwh, "context": context, "unitOfMeasure": {"unit": "kWh"}}
                    ],
                }
            ],
        }

    async def scenario():
        async with SimulatedCharger(platform.ws_url, cp_id, protocol="ocpp2.0.1") as cp:
            await cp.boot()
            started = event("Started", 0, 0, 5.0, "Authorized", "Transaction.Begin")
            started["idToken"] = {"idToken": "E2E-TAG", "type": "ISO14443"}
            answer = await cp.call("TransactionEvent", started)
            assert answer["idTokenInfo"]["status"] == "Accepted"
            await cp.call("TransactionEvent", started)  # a retry with a new message id
            await cp.call(
                "TransactionEvent",
                event("Updated", 1, 10, 6.0, "MeterValuePeriodic", "Sample.Periodic"),
            )
            await cp.call(
                "TransactionEvent", event("Ended", 2, 20, 7.5, "EVDeparted", "Transaction.End")
            )
            await asyncio.to_thread(drain, platform)

    run(scenario(), timeout=60)
    done = transactions.get(cp_id, "tx-e2e")
    assert (done.status, done.energy_wh, done.last_meter_wh) == ("completed", 2_500, 7_500)
    assert ledger.day_total(cp_id, "2026-11-25") == (2_500, 1)
