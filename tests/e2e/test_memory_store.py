"""`--store memory`: the same handlers, gateway and consumers with the tables in memory.

A whole session (authorize, start, meter values through Kinesis to the consumer, stop
through EventBridge to the energy roll-up), a command through the operator API and a firmware
campaign (the execution and the image on moto) must behave as with moto, and nothing may reach
moto's DynamoDB.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from csms_cli.client import Client
from csms_cli.firmware import upload_image
from local.platform import LocalPlatform
from shared.models.transaction import IdTagRecord
from simulator import SimulatedCharger, firmware_file
from tests.e2e.conftest import drain, moto_client, run, start_platform
from tests.e2e.test_firmware_campaign import Operator, eventually, fleet

pytestmark = pytest.mark.e2e

TAG = "MEM-TAG"


@pytest.fixture(scope="module")
def memory_platform() -> Iterator[LocalPlatform]:
    with start_platform(store="memory") as running:
        running.id_tags().put(IdTagRecord(TAG, "Accepted"))
        yield running


def meter(wh: int, at: str) -> dict[str, object]:
    return {
        "timestamp": at,
        "sampledValue": [
            {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
        ],
    }


def test_a_session_runs_end_to_end_with_the_tables_in_memory(
    memory_platform: LocalPlatform,
) -> None:
    platform = memory_platform
    cp_id = f"MEM-{uuid.uuid4().hex[:8]}"
    today = datetime.now(UTC).strftime("%Y-%m-%d")

    async def scenario() -> int:
        async with SimulatedCharger(platform.ws_url, cp_id) as cp:
            await cp.boot()
            assert (await cp.call("Authorize", {"idTag": TAG}))["idTagInfo"]["status"] == (
                "Accepted"
            )
            unknown = await cp.call("Authorize", {"idTag": "NOT-PROVISIONED"})
            assert unknown["idTagInfo"]["status"] == "Invalid"
            start = {
                "connectorId": 1,
                "idTag": TAG,
                "meterStart": 1_000,
                "timestamp": f"{today}T10:00:00Z",
            }
            tx = int((await cp.call("StartTransaction", start))["transactionId"])
            assert int((await cp.call("StartTransaction", start))["transactionId"]) == tx
            await cp.call(
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": tx,
                    "meterValue": [meter(1_400, f"{today}T10:01:00Z")],
                },
            )
            await asyncio.to_thread(drain, platform)
            live = api(platform).get(f"/chargers/{cp_id}/sessions/{tx}")
            assert live["status"] == "active"
            assert live["lastMeterWh"] == 1_400  # from the telemetry consumer
            await cp.call(
                "StopTransaction",
                {"transactionId": tx, "meterStop": 2_500, "timestamp": f"{today}T10:30:00Z"},
            )
            return tx

    tx = run(scenario())
    drain(platform)
    session = api(platform).get(f"/chargers/{cp_id}/sessions/{tx}")
    assert (session["status"], session["energyWh"]) == ("completed", 1_500)
    energy = api(platform).get(f"/chargers/{cp_id}/energy", **{"from": today, "to": today})
    assert (energy["energyWh"], energy["sessions"]) == (1_500, 1)  # the EventBridge roll-up
    assert api(platform).get(f"/chargers/{cp_id}")["chargePointId"] == cp_id

    # All of it lives in the platform's memory: moto's tables never saw a charger or session.
    dynamodb = moto_client(platform, "dynamodb")
    env = platform.environment
    for table in ("CHARGERS_TABLE", "TRANSACTIONS_TABLE", "CONNECTIONS_TABLE"):
        assert dynamodb.scan(TableName=env[table])["Count"] == 0, table


def test_commands_reach_the_charger_and_complete_in_memory(
    memory_platform: LocalPlatform,
) -> None:
    platform = memory_platform
    cp_id = f"MEM-{uuid.uuid4().hex[:8]}"

    async def scenario() -> Any:
        async with SimulatedCharger(platform.ws_url, cp_id) as cp:
            await cp.boot()
            return await asyncio.to_thread(
                api(platform).request,
                "POST",
                f"/chargers/{cp_id}/commands/ChangeAvailability",
                None,
                {"connectorId": 0, "type": "Inoperative"},
            )

    answer = run(scenario())
    assert (answer["action"], answer["status"]) == ("ChangeAvailability", "answered"), answer
    assert answer["result"] == {"status": "Accepted"}


def test_a_firmware_campaign_completes_with_its_tables_in_memory(
    memory_platform: LocalPlatform,
) -> None:
    platform = memory_platform
    version = f"mem-{uuid.uuid4().hex[:6]}"
    client = api(platform)
    image = upload_image(
        client, firmware_file(version, 2048), {"version": version, "fileName": "fw.bin"}
    )
    assert image["status"] == "available"

    async def scenario() -> tuple[dict[str, Any], list[str]]:
        operator = Operator(platform, image["imageId"])
        async with fleet(platform, 3, "MEMFW") as chargers:
            campaign = await operator.create(
                [cp.charge_point_id for cp in chargers], waves=[100], concurrency=3
            )
            await operator.act(campaign["campaignId"], "start")

            async def completed() -> dict[str, Any] | None:
                view = await operator.show(campaign["campaignId"])
                return view if view["campaign"]["status"] == "completed" else None

            final = await eventually(completed, timeout=60)
            return final, [cp.identity.firmware_version for cp in chargers]

    final, versions = run(scenario(), timeout=90)
    assert [wave["states"] for wave in final["waves"]] == [{"succeeded": 3}]
    assert versions == [version] * 3
    execution = moto_client(platform, "stepfunctions").describe_execution(
        executionArn=final["campaign"]["executionArn"]
    )
    assert execution["status"] == "SUCCEEDED"
    table = platform.environment["FIRMWARE_TABLE"]
    assert moto_client(platform, "dynamodb").scan(TableName=table)["Count"] == 0


def api(platform: LocalPlatform) -> Client:
    return Client(platform.http_url, "dev-operator-token", timeout_s=30)
