"""The @connections API, called with the real boto3 client against the running gateway."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import aiohttp
import boto3
import pytest

from local.gateway import RouteTable

from .helpers import Calls, dummy_aws_credentials, fake_routes, run, running_gateway


def management_client(endpoint_url: str):
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint_url)


@pytest.fixture(autouse=True)
def _credentials():
    with dummy_aws_credentials():
        yield


@pytest.mark.parametrize("with_stage", [True, False])
def test_post_get_delete_on_a_live_connection(with_stage):
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            endpoint = gateway.management_endpoint if with_stage else gateway.base_url
            client = management_client(endpoint)
            ws = await http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",))
            connection_id = next(iter(gateway.connections))
            before = dt.datetime.now(dt.UTC)

            await asyncio.to_thread(
                client.post_to_connection, ConnectionId=connection_id, Data=b'[2,"1","Reset",{}]'
            )
            received = await ws.receive_str(timeout=5)

            info = await asyncio.to_thread(client.get_connection, ConnectionId=connection_id)

            await asyncio.to_thread(client.delete_connection, ConnectionId=connection_id)
            closed = await ws.receive(timeout=5)
            await calls.wait_for("$disconnect")
            with pytest.raises(client.exceptions.GoneException):
                await asyncio.to_thread(
                    client.post_to_connection, ConnectionId=connection_id, Data=b"late"
                )
            await ws.close()
            return connection_id, before, received, info, closed

    connection_id, before, received, info, closed = run(scenario)
    assert received == '[2,"1","Reset",{}]'
    assert info["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert info["Identity"]["SourceIp"] == "127.0.0.1"
    assert info["Identity"]["UserAgent"].startswith("Python/")
    assert isinstance(info["ConnectedAt"], dt.datetime)
    assert before - dt.timedelta(seconds=5) < info["ConnectedAt"] <= info["LastActiveAt"]
    assert closed.type is aiohttp.WSMsgType.CLOSE
    [disconnect] = calls.of("$disconnect")
    assert disconnect["requestContext"]["connectionId"] == connection_id


@pytest.mark.parametrize("operation", ["post_to_connection", "get_connection", "delete_connection"])
def test_unknown_connection_raises_gone_exception(operation):
    async def scenario():
        async with running_gateway(fake_routes(Calls())) as gateway:
            client = management_client(gateway.management_endpoint)
            arguments: dict[str, Any] = {"ConnectionId": "L0SM9cOFvHcCIhw="}
            if operation == "post_to_connection":
                arguments["Data"] = b"x"
            with pytest.raises(client.exceptions.GoneException) as gone:
                await asyncio.to_thread(getattr(client, operation), **arguments)
            return gone.value.response

    response = run(scenario)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 410
    assert response["Error"]["Code"] == "GoneException"


def test_post_over_128_kb_raises_payload_too_large():
    async def scenario():
        async with (
            running_gateway(fake_routes(Calls())) as gateway,
            aiohttp.ClientSession() as http,
        ):
            client = management_client(gateway.management_endpoint)
            ws = await http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",))
            connection_id = next(iter(gateway.connections))
            with pytest.raises(client.exceptions.PayloadTooLargeException):
                await asyncio.to_thread(
                    client.post_to_connection,
                    ConnectionId=connection_id,
                    Data=b"z" * (128 * 1024 + 1),
                )
            await ws.close()

    run(scenario)


def test_wrong_stage_is_forbidden():
    async def scenario():
        async with running_gateway(fake_routes(Calls())) as gateway:
            client = management_client(f"{gateway.base_url}/prod")
            with pytest.raises(client.exceptions.ForbiddenException):
                await asyncio.to_thread(client.get_connection, ConnectionId="L0SM9cOFvHcCIhw=")

    run(scenario)


def test_posting_during_disconnect_is_gone():
    """A `$disconnect` handler that posts to its own connection gets GoneException, as on AWS."""
    outcome: dict[str, str] = {}

    def disconnect(event, context):
        client = management_client(endpoint["url"])
        try:
            client.post_to_connection(
                ConnectionId=event["requestContext"]["connectionId"], Data=b"bye"
            )
            outcome["result"] = "sent"
        except client.exceptions.GoneException:
            outcome["result"] = "gone"
        return {"statusCode": 200}

    endpoint: dict[str, str] = {}
    routes = RouteTable.from_handlers({"$disconnect": disconnect})

    async def scenario():
        async with running_gateway(routes) as gateway, aiohttp.ClientSession() as http:
            endpoint["url"] = gateway.management_endpoint
            ws = await http.ws_connect(f"{gateway.ws_url}/CP-1")
            await ws.close()
            for _ in range(200):
                if outcome:
                    break
                await asyncio.sleep(0.02)

    run(scenario)
    assert outcome == {"result": "gone"}
