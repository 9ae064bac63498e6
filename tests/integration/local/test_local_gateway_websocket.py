"""The gateway's WebSocket API with fake handlers, driven by real WebSocket clients."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json

import aiohttp
import pytest

from local.gateway import RouteTable

from .helpers import Calls, RawWebSocket, fake_routes, run, running_gateway


def test_handshake_runs_authorizer_then_connect_and_negotiates_the_subprotocol():
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            async with http.ws_connect(
                f"{gateway.ws_url}/CP-1?vendor=acme", protocols=("ocpp1.6", "ocpp2.0.1")
            ) as ws:
                assert ws.protocol == "ocpp2.0.1"

    run(scenario)
    [authorizer] = calls.of("authorizer")
    assert authorizer["queryStringParameters"] == {"chargePointId": "CP-1", "vendor": "acme"}
    assert authorizer["headers"]["Sec-WebSocket-Protocol"] == "ocpp1.6,ocpp2.0.1"
    [connect] = calls.of("$connect")
    # The path id reaches the handlers as the CloudFront rewrite would pass it.
    assert connect["queryStringParameters"]["chargePointId"] == "CP-1"
    assert connect["requestContext"]["connectionId"] == authorizer["requestContext"]["connectionId"]
    # Later routes see the authorizer context stringified, plus principalId.
    assert connect["requestContext"]["authorizer"] == {
        "chargePointId": "CP-1",
        "protocol": "ocpp1.6",
        "validationMode": "strict",
        "retries": "3",
        "lenient": "false",
        "principalId": "CP-1",
        "integrationLatency": connect["requestContext"]["authorizer"]["integrationLatency"],
    }


@pytest.mark.parametrize("path", ["/?chargePointId=CP-Q", "/local?chargePointId=CP-Q"])
def test_query_string_forms_are_accepted(path):
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            async with http.ws_connect(gateway.base_url + path, protocols=("ocpp1.6",)) as ws:
                assert ws.protocol == "ocpp1.6"

    run(scenario)
    assert calls.of("$connect")[0]["queryStringParameters"] == {"chargePointId": "CP-Q"}


@pytest.mark.parametrize(
    ("path", "status", "authorizer_called"),
    [
        ("/?vendor=x", 401, False),  # identity source missing: authorizer not even called
        ("/ocpp/UNAUTH", 401, True),
        ("/ocpp/DENY", 403, True),
        ("/ocpp/BOOM", 500, True),
        ("/ocpp/NESTED", 500, True),  # context values must be string/number/boolean
        ("/other-stage?chargePointId=CP-1", 403, False),
    ],
)
def test_refused_handshakes(path, status, authorizer_called):
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(gateway.base_url + path, protocols=("ocpp1.6",))
            return refused.value.status

    assert run(scenario) == status
    assert bool(calls.of("authorizer")) is authorizer_called
    assert calls.of("$connect") == []
    assert calls.of("$disconnect") == []


def test_non_2xx_connect_refuses_the_upgrade_with_its_status():
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("mqtt",))
            return refused.value.status

    assert run(scenario) == 400
    assert len(calls.of("$connect")) == 1
    assert calls.of("$disconnect") == []


def test_no_subprotocol_from_connect_upgrades_without_one():
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            async with http.ws_connect(f"{gateway.ws_url}/NOSUB") as ws:
                assert ws.protocol is None
                await ws.send_str("hi")
                assert await ws.receive_str(timeout=5) == "echo:hi"

    run(scenario)


def test_route_responses_errors_and_binary_frames():
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            async with http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",)) as ws:
                await ws.send_str("silent")
                await ws.send_str("hello")
                # Nothing came back for "silent": the first frame is hello's route response.
                assert await ws.receive_str(timeout=5) == "echo:hello"
                await ws.send_str("crash")
                error = json.loads(await ws.receive_str(timeout=5))
                await ws.send_bytes(b"\x00\x01\x02")
                assert await ws.receive_str(timeout=5) == "echo:bytes:3"
                return error

    error = run(scenario)
    [connect] = calls.of("$connect")
    connection_id = connect["requestContext"]["connectionId"]
    assert error["message"] == "Internal server error"
    assert error["connectionId"] == connection_id
    messages = calls.of("$default")
    binary = next(e for e in messages if e["isBase64Encoded"])
    assert base64.b64decode(binary["body"]) == b"\x00\x01\x02"
    text = next(e for e in messages if e["body"] == "hello")
    assert text["isBase64Encoded"] is False
    context = text["requestContext"]
    assert context["routeKey"] == "$default"
    assert context["eventType"] == "MESSAGE"
    assert context["connectionId"] == connection_id
    assert context["authorizer"]["chargePointId"] == "CP-1"
    assert context["connectedAt"] == connect["requestContext"]["connectedAt"]
    assert len({e["requestContext"]["messageId"] for e in messages}) == len(messages)


def test_frames_of_one_connection_are_handled_concurrently():
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            async with http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",)) as ws:
                await ws.send_str("sleep:0.5")
                await ws.send_str("fast")
                # Route responses leave in completion order, as on AWS.
                return [await ws.receive_str(timeout=5) for _ in range(2)]

    assert run(scenario) == ["echo:fast", "echo:sleep:0.5"]


def test_serialized_mode_answers_in_arrival_order():
    calls = Calls()

    async def scenario():
        async with (
            running_gateway(fake_routes(calls), serialize_frames=True) as gateway,
            aiohttp.ClientSession() as http,
        ):
            async with http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",)) as ws:
                await ws.send_str("sleep:0.3")
                await ws.send_str("fast")
                return [await ws.receive_str(timeout=5) for _ in range(2)]

    assert run(scenario) == ["echo:sleep:0.3", "echo:fast"]


def test_disconnect_runs_once_with_the_connection_id_and_close_code():
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway, aiohttp.ClientSession() as http:
            ws = await http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",))
            await ws.close(code=4000, message=b"bye")
            await calls.wait_for("$disconnect")
            await asyncio.sleep(0.1)
            assert gateway.connections == {}

    run(scenario)
    [disconnect] = calls.of("$disconnect")
    context = disconnect["requestContext"]
    assert context["connectionId"] == calls.of("$connect")[0]["requestContext"]["connectionId"]
    assert context["eventType"] == "DISCONNECT"
    assert context["disconnectStatusCode"] == 4000
    assert context["disconnectReason"] == "bye"


def test_abrupt_client_loss_still_runs_disconnect_once():
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway:
            raw = await RawWebSocket.connect("127.0.0.1", gateway.port, "/ocpp/CP-1")
            raw.abort()
            await calls.wait_for("$disconnect")
            await asyncio.sleep(0.1)

    run(scenario)
    [disconnect] = calls.of("$disconnect")
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1006


def test_idle_connections_are_closed_with_going_away():
    calls = Calls()

    async def scenario():
        async with (
            running_gateway(fake_routes(calls), idle_timeout_s=0.3) as gateway,
            aiohttp.ClientSession() as http,
        ):
            async with http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",)) as ws:
                message = await ws.receive(timeout=5)
                return message.type, message.data, message.extra

    assert run(scenario) == (aiohttp.WSMsgType.CLOSE, 1001, "Going away")
    [disconnect] = calls.of("$disconnect")
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1001


def test_traffic_keeps_a_connection_open_until_its_maximum_age():
    calls = Calls()

    async def scenario():
        async with (
            running_gateway(fake_routes(calls), idle_timeout_s=0.3, max_connection_s=0.8) as gw,
            aiohttp.ClientSession() as http,
        ):
            async with http.ws_connect(f"{gw.ws_url}/CP-1", protocols=("ocpp1.6",)) as ws:
                started = asyncio.get_running_loop().time()
                while True:
                    with contextlib.suppress(ConnectionError):  # closed while we slept
                        await ws.send_str("tick")
                    message = await ws.receive(timeout=5)
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        return message.data, asyncio.get_running_loop().time() - started
                    await asyncio.sleep(0.1)

    code, lifetime = run(scenario)
    assert code == 1001
    assert 0.7 < lifetime < 2.0  # outlived the idle timeout, not the maximum age


def test_a_frame_over_32_kb_closes_with_1009():
    calls = Calls()

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway:
            raw = await RawWebSocket.connect("127.0.0.1", gateway.port, "/ocpp/CP-1")
            await raw.send_frame(b"x" * (32 * 1024), opcode=0x1)  # exactly at the limit: fine
            opcode, payload = await raw.read_frame()
            assert (opcode, payload) == (0x1, b"echo:" + b"x" * (32 * 1024))
            await raw.send_frame(b"x" * (32 * 1024 + 1), opcode=0x1)
            code = await raw.close_code()
            raw.abort()
            await calls.wait_for("$disconnect")
            return code

    assert run(scenario) == 1009
    assert len(calls.of("$default")) == 1
    assert calls.of("$disconnect")[0]["requestContext"]["disconnectStatusCode"] == 1009


def test_fragmented_messages_up_to_128_kb_pass_and_larger_ones_close_with_1009():
    calls = Calls()
    chunk = b"y" * (32 * 1024)

    async def send_message(raw: RawWebSocket, fragments: int) -> None:
        for index in range(fragments):
            await raw.send_frame(
                chunk, opcode=0x1 if index == 0 else 0x0, fin=index == fragments - 1
            )

    async def scenario():
        async with running_gateway(fake_routes(calls)) as gateway:
            raw = await RawWebSocket.connect("127.0.0.1", gateway.port, "/ocpp/CP-1")
            await send_message(raw, 4)  # 128 KB in four 32 KB frames
            opcode, payload = await raw.read_frame()
            assert opcode == 0x1
            assert len(payload) == len("echo:") + 4 * len(chunk)
            await send_message(raw, 5)
            code = await raw.close_code()
            raw.abort()
            return code

    assert run(scenario) == 1009
    assert len(calls.of("$default")) == 1


def test_missing_default_route_answers_forbidden_frames():
    calls = Calls()
    routes = fake_routes(calls)
    routes = RouteTable(
        websocket={k: v for k, v in routes.websocket.items() if k != "$default"},
        authorizer=routes.authorizer,
    )

    async def scenario():
        async with running_gateway(routes) as gateway, aiohttp.ClientSession() as http:
            async with http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",)) as ws:
                await ws.send_str("hello")
                return json.loads(await ws.receive_str(timeout=5))

    assert run(scenario)["message"] == "Forbidden"


def test_stopping_the_gateway_closes_connections_with_going_away():
    calls = Calls()

    async def scenario():
        async with aiohttp.ClientSession() as http:
            async with running_gateway(fake_routes(calls)) as gateway:
                ws = await http.ws_connect(f"{gateway.ws_url}/CP-1", protocols=("ocpp1.6",))
            message = await ws.receive(timeout=5)
            await ws.close()
            return message.type, message.data

    assert run(scenario) == (aiohttp.WSMsgType.CLOSE, 1001)
    assert len(calls.of("$disconnect")) == 1
