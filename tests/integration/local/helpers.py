"""Fake handlers and small clients for driving the local gateway in tests."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import struct
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from local.gateway import GatewayConfig, LocalGateway, RouteTable

T = TypeVar("T")

SUPPORTED = ("ocpp2.0.1", "ocpp1.6")


def run(scenario: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
    """Run an async test scenario on a fresh event loop, with a hard time limit."""

    async def bounded() -> T:
        return await asyncio.wait_for(scenario(), timeout)

    return asyncio.run(bounded())


@dataclass
class Calls:
    """Thread-safe record of the events each fake route received."""

    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, event: dict[str, Any]) -> None:
        with self.lock:
            self.events.setdefault(route, []).append(event)

    def of(self, route: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.events.get(route, []))

    async def wait_for(
        self, route: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.of(route)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{route} called {len(self.of(route))} times, want {count}")
            await asyncio.sleep(0.01)
        return self.of(route)


def fake_routes(calls: Calls, **http_handlers: Callable[[dict[str, Any], Any], Any]) -> RouteTable:
    """An authorizer, `$connect`, `$default` and `$disconnect` with scripted behaviour.

    Charger ids drive the authorizer: "UNAUTH" raises Unauthorized, "DENY" gets a Deny
    policy, "BOOM" crashes, "NESTED" returns an unusable context. `$connect` picks the first
    offered subprotocol of SUPPORTED (400 when none), except for "NOSUB" (no header).
    `$default` echoes "echo:<body>", stays silent on "silent", raises on "crash", sleeps on
    "sleep:<seconds>".
    """

    def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.add("authorizer", event)
        charger = event["queryStringParameters"].get("chargePointId")
        if charger == "UNAUTH":
            raise Exception("Unauthorized")  # the authorizer contract: exactly this
        if charger == "BOOM":
            raise RuntimeError("authorizer bug")
        effect = "Deny" if charger == "DENY" else "Allow"
        extra: dict[str, Any] = {"nested": {"a": 1}} if charger == "NESTED" else {}
        return {
            "principalId": charger,
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "execute-api:Invoke",
                        "Effect": effect,
                        "Resource": event["methodArn"],
                    }
                ],
            },
            "context": {
                "chargePointId": charger,
                "protocol": "ocpp1.6",
                "validationMode": "strict",
                "retries": 3,
                "lenient": False,
                **extra,
            },
        }

    def connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.add("$connect", event)
        if event["queryStringParameters"].get("chargePointId") == "NOSUB":
            return {"statusCode": 200}
        offered = [p.strip() for p in event["headers"].get("Sec-WebSocket-Protocol", "").split(",")]
        chosen = next((p for p in SUPPORTED if p in offered), None)
        if chosen is None:
            return {"statusCode": 400}
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": chosen}}

    def default(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.add("$default", event)
        body = event["body"]
        if event["isBase64Encoded"]:
            body = "bytes:" + str(len(base64.b64decode(body)))
        if body == "silent":
            return {"statusCode": 200}
        if body == "crash":
            raise ValueError("handler bug")
        if body.startswith("sleep:"):
            time.sleep(float(body.split(":", 1)[1]))
        return {"statusCode": 200, "body": f"echo:{body}"}

    def disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.add("$disconnect", event)
        return {"statusCode": 200}

    return RouteTable.from_handlers(
        {"$connect": connect, "$default": default, "$disconnect": disconnect},
        authorizer=authorizer,
        http=http_handlers or None,
    )


@contextlib.asynccontextmanager
async def running_gateway(routes: RouteTable, **config: Any) -> AsyncIterator[LocalGateway]:
    gateway = LocalGateway(routes, GatewayConfig(port=0, **config))
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


@contextlib.contextmanager
def dummy_aws_credentials() -> Any:
    """AWS SDK credentials that can only ever reach local endpoints."""
    names = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class RawWebSocket:
    """A bare-bones client that writes frames exactly as asked (fragments, sizes)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, host: str, port: int, path: str) -> RawWebSocket:
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(head.decode(errors="replace"))
        return cls(reader, writer)

    async def send_frame(self, payload: bytes, *, opcode: int, fin: bool = True) -> None:
        header = bytes([(0x80 if fin else 0) | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", length)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(header + mask + masked)
        await self.writer.drain()

    async def read_frame(self) -> tuple[int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(length)

    async def close_code(self) -> int:
        """Read until the server's close frame and return its status code."""
        while True:
            opcode, payload = await self.read_frame()
            if opcode == 0x8:
                return int(struct.unpack("!H", payload[:2])[0]) if payload else 1005

    def abort(self) -> None:
        self.writer.close()
