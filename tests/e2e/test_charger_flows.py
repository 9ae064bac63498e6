"""Chargers against the local platform over real WebSockets, with the real handlers."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
import pytest

from simulator import SimulatedCharger
from simulator.errors import CallErrorReceived
from tests.e2e.conftest import moto_client, run

pytestmark = pytest.mark.e2e

TOKEN = {"Authorization": "Bearer dev-operator-token"}


def new_id(prefix: str = "E2E") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def get_charger(platform, charge_point_id, headers=TOKEN):
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{platform.http_url}/chargers/{charge_point_id}", headers=headers) as response,
    ):
        return response.status, await response.json()


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
def test_B01_G01_G02_boot_heartbeat_status_with_each_subprotocol(platform, protocol):
    cp_id = new_id()

    async def scenario():
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=protocol) as cp:
            assert cp.subprotocol == protocol
            boot = await cp.boot()
            assert boot["status"] == "Accepted"
            assert 0 < boot["interval"] < 600  # below API Gateway's idle timeout
            assert "currentTime" in await cp.heartbeat()
            assert await cp.status_notification(1, "Available", evse_id=1) == {}
            return await get_charger(platform, cp_id)

    status, charger = run(scenario())
    assert status == 200
    assert charger["registrationStatus"] == "Accepted"
    assert charger["autoRegistered"] is True
    assert charger["protocol"] == protocol
    assert charger["vendor"]
    assert [c["status"] for c in charger["connectors"]] == ["Available"]


def test_query_string_form_of_the_url_also_works(platform):
    cp_id = new_id()

    async def scenario():
        base = platform.ws_url.removesuffix("/ocpp")
        async with SimulatedCharger(base, cp_id, query_id=True) as cp:
            return await cp.boot()

    assert run(scenario())["status"] == "Accepted"


def test_unsupported_subprotocol_is_refused(platform):
    async def scenario():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await session.ws_connect(f"{platform.ws_url}/{new_id()}", protocols=("ocpp1.5",))
            return caught.value.status

    assert run(scenario()) == 400


@pytest.mark.parametrize(
    ("protocol", "raw", "code"),
    [
        ("ocpp1.6", "not json", "FormationViolation"),
        ("ocpp2.0.1", "not json", "RpcFrameworkError"),
        ("ocpp1.6", '[2, "only-two"]', "FormationViolation"),
        ("ocpp2.0.1", '{"not": "an array"}', "RpcFrameworkError"),
        ("ocpp2.0.1", '[7, "id-7", "Heartbeat", {}]', "MessageTypeNotSupported"),
    ],
)
def test_malformed_frames_get_a_call_error_and_the_connection_keeps_answering(
    platform, protocol, raw, code
):
    async def scenario():
        async with SimulatedCharger(platform.ws_url, new_id(), protocol=protocol) as cp:
            await cp.send_raw(raw)
            reply = json.loads(await cp.receive_raw(10))
            heartbeat = await cp.heartbeat()
            return reply, heartbeat

    reply, heartbeat = run(scenario())
    assert reply[0] == 4
    assert reply[2] == code
    assert "currentTime" in heartbeat


def test_unknown_action_gets_not_implemented(platform):
    async def scenario():
        async with SimulatedCharger(platform.ws_url, new_id()) as cp:
            with pytest.raises(CallErrorReceived) as caught:
                await cp.call_raw("MakeCoffee", {"size": "large"})
            return caught.value

    assert run(scenario()).code == "NotImplemented"


@pytest.mark.parametrize(
    ("protocol", "payload", "code"),
    [
        ("ocpp1.6", {"chargePointModel": "X1"}, "OccurenceConstraintViolation"),
        (
            "ocpp2.0.1",
            {"reason": "PowerUp", "chargingStation": {"model": "X1"}},
            "OccurrenceConstraintViolation",
        ),
        (
            "ocpp1.6",
            {"chargePointVendor": "V" * 21, "chargePointModel": "X1"},
            "PropertyConstraintViolation",
        ),
        ("ocpp1.6", {"chargePointVendor": 42, "chargePointModel": "X1"}, "TypeConstraintViolation"),
    ],
)
def test_boot_notification_schema_violations(platform, protocol, payload, code):
    async def scenario():
        async with SimulatedCharger(platform.ws_url, new_id(), protocol=protocol) as cp:
            with pytest.raises(CallErrorReceived) as caught:
                await cp.call_raw("BootNotification", payload)
            return caught.value

    error = run(scenario())
    assert error.code == code
    assert error.details["path"]


def test_newest_connection_wins_and_the_old_ones_late_disconnect_is_ignored(platform):
    cp_id = new_id()
    dynamodb = moto_client(platform, "dynamodb")
    connections_table = platform.environment["CONNECTIONS_TABLE"]

    def connection_recorded(connection_id):
        item = dynamodb.get_item(
            TableName=connections_table, Key={"connectionId": {"S": connection_id}}
        )
        return "Item" in item

    async def wait_until(condition):
        for _ in range(100):
            if await condition():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("condition not reached in 5 s")

    async def scenario():
        first = SimulatedCharger(platform.ws_url, cp_id)
        await first.connect()
        await first.boot()
        first_id = (await get_charger(platform, cp_id))[1]["connectionId"]
        async with SimulatedCharger(platform.ws_url, cp_id) as second:
            await second.boot()
            second_id = (await get_charger(platform, cp_id))[1]["connectionId"]
            assert second_id != first_id
            await first.close()

            async def first_disconnect_processed():
                return not connection_recorded(first_id)

            await wait_until(first_disconnect_processed)
            _, after_stale_disconnect = await get_charger(platform, cp_id)

        async def offline():
            return not (await get_charger(platform, cp_id))[1]["online"]

        await wait_until(offline)
        return second_id, after_stale_disconnect

    second_id, after_stale_disconnect = run(scenario())
    assert after_stale_disconnect["online"] is True
    assert after_stale_disconnect["connectionId"] == second_id


def test_status_change_is_published_on_the_event_bus(platform):
    cp_id = new_id()
    sqs = moto_client(platform, "sqs")
    events = moto_client(platform, "events")
    queue_url = sqs.create_queue(QueueName=f"q-{cp_id}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    bus = platform.environment["EVENT_BUS_NAME"]
    events.put_rule(
        Name=f"r-{cp_id}",
        EventBusName=bus,
        EventPattern=json.dumps(
            {"detail-type": ["ConnectorStatusChanged"], "detail": {"chargePointId": [cp_id]}}
        ),
    )
    events.put_targets(Rule=f"r-{cp_id}", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])

    async def scenario():
        async with SimulatedCharger(platform.ws_url, cp_id) as cp:
            await cp.boot()
            await cp.status_notification(1, "Available")
            await cp.status_notification(1, "Preparing")

    run(scenario())
    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    ]
    assert [(b["detail"]["previousStatus"], b["detail"]["status"]) for b in bodies] == [
        (None, "Available"),
        ("Available", "Preparing"),
    ]


def test_operator_api_requires_a_token_and_answers_404_for_unknown_chargers(platform):
    assert run(get_charger(platform, "NOBODY", headers={}))[0] == 401
    assert run(get_charger(platform, "NOBODY", headers={"Authorization": "Bearer nope"}))[0] == 401
    status, body = run(get_charger(platform, "NOBODY"))
    assert status == 404
    assert body["error"]["code"] == "NotFound"
