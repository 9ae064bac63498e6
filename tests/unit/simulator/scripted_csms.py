"""A tiny in-test CSMS: an aiohttp WebSocket server on a free port that answers by script."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import socket
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass(frozen=True)
class Reply:
    """A CALLERROR reply (code) or no reply at all (silent=True)."""

    code: str = "InternalError"
    silent: bool = False


NO_REPLY = Reply(silent=True)
Responder = Callable[[str, str, dict[str, Any]], "dict[str, Any] | Reply"]


@dataclass
class Received:
    charge_point_id: str
    frame: list[Any]

    @property
    def action(self) -> str | None:
        return self.frame[2] if self.frame[0] == 2 else None

    @property
    def payload(self) -> Any:
        return self.frame[3] if self.frame[0] == 2 else self.frame[-1]


@dataclass
class Handshake:
    path: str
    query: dict[str, str]
    authorization: str | None
    offered: str | None


@dataclass
class ScriptedCsms:
    """Answers BootNotification from `boot_script` (the last entry repeats), other CALLs by
    `responder` (default: empty CALLRESULT / Heartbeat currentTime)."""

    boot_script: list[dict[str, Any]] = field(
        default_factory=lambda: [{"status": "Accepted", "interval": 60}]
    )
    responder: Responder | None = None
    protocols: tuple[str, ...] = ("ocpp1.6", "ocpp2.0.1")
    refuse_status: int | None = None
    basic_auth: dict[str, str] | None = None  # charge point id -> password
    received: list[Received] = field(default_factory=list)
    handshakes: list[Handshake] = field(default_factory=list)
    sockets: dict[str, web.WebSocketResponse] = field(default_factory=dict)
    _boots: int = 0
    _waiting: dict[str, asyncio.Future[list[Any]]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/ocpp", self._handle)
        app.router.add_get("/ocpp/{cp}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.url = f"ws://127.0.0.1:{sock.getsockname()[1]}/ocpp"
        return self.url

    async def stop(self) -> None:
        for ws in list(self.sockets.values()):
            await ws.close()
        assert self._runner is not None
        await self._runner.cleanup()

    async def __aenter__(self) -> ScriptedCsms:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def calls(self, action: str | None = None) -> list[Received]:
        return [r for r in self.received if r.frame[0] == 2 and action in (None, r.action)]

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout} s: {self.received}")
            await asyncio.sleep(0.01)

    async def send_call(
        self, charge_point_id: str, action: str, payload: dict[str, Any]
    ) -> list[Any]:
        """Send a CSMS-initiated CALL and return the charger's answer frame."""
        message_id = str(uuid.uuid4())
        answer: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = answer
        await self.sockets[charge_point_id].send_str(json.dumps([2, message_id, action, payload]))
        return await asyncio.wait_for(answer, 5)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        cp = request.match_info.get("cp") or request.query.get("chargePointId", "")
        self.handshakes.append(
            Handshake(
                path=request.path,
                query=dict(request.query),
                authorization=request.headers.get("Authorization"),
                offered=request.headers.get("Sec-WebSocket-Protocol"),
            )
        )
        if self.refuse_status is not None:
            return web.Response(status=self.refuse_status)
        if self.basic_auth is not None:
            expected = base64.b64encode(f"{cp}:{self.basic_auth.get(cp)}".encode()).decode()
            if request.headers.get("Authorization") != f"Basic {expected}":
                return web.Response(status=401)
        ws = web.WebSocketResponse(protocols=self.protocols)
        await ws.prepare(request)
        self.sockets[cp] = ws
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            self.received.append(Received(cp, frame))
            if frame[0] == 2:
                await self._answer(ws, cp, frame)
            elif frame[1] in self._waiting:
                self._waiting.pop(frame[1]).set_result(frame)
        return ws

    async def _answer(self, ws: web.WebSocketResponse, cp: str, frame: list[Any]) -> None:
        _, message_id, action, payload = frame
        reply: dict[str, Any] | Reply
        if action == "BootNotification":
            reply = self.boot_script[min(self._boots, len(self.boot_script) - 1)]
            self._boots += 1
        elif self.responder is not None:
            reply = self.responder(cp, action, payload)
        else:
            reply = {"currentTime": "2030-01-01T00:00:00Z"} if action == "Heartbeat" else {}
        if isinstance(reply, Reply):
            if not reply.silent:
                await ws.send_str(json.dumps([4, message_id, reply.code, "scripted", {}]))
        else:
            if action == "BootNotification":
                reply = {"currentTime": "2030-01-01T00:00:00Z", **reply}
            await ws.send_str(json.dumps([3, message_id, reply]))


def async_test(
    func: Callable[..., Coroutine[Any, Any, None]],
) -> Callable[..., None]:
    """Run an async test function in a fresh event loop with an overall time limit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(func(*args, **kwargs), 15))

    return wrapper


@dataclass
class TransactionResponder:
    """A Responder that answers like a CSMS keeping transactions.

    Authorize: Invalid for `invalid_tags`, else Accepted. StartTransaction: a new id from
    `next_id` (the same id again for a replayed start with the same payload, unless
    `idempotent` is off) and status Blocked for `blocked_tags`. TransactionEvent with an
    idToken: idTokenInfo likewise. `script` holds answers (or Replies) used first, per action.
    """

    invalid_tags: set[str] = field(default_factory=set)
    blocked_tags: set[str] = field(default_factory=set)
    next_id: int = 1000
    idempotent: bool = True
    script: dict[str, list[dict[str, Any] | Reply]] = field(default_factory=dict)
    _starts: dict[str, int] = field(default_factory=dict)

    def __call__(self, cp: str, action: str, payload: dict[str, Any]) -> dict[str, Any] | Reply:
        if self.script.get(action):
            return self.script[action].pop(0)
        if action == "Heartbeat":
            return {"currentTime": "2030-01-01T00:00:00Z"}
        if action == "Authorize":
            tag = payload.get("idTag") or payload["idToken"]["idToken"]
            status = "Invalid" if tag in self.invalid_tags else "Accepted"
            key = "idTagInfo" if "idTag" in payload else "idTokenInfo"
            return {key: {"status": status}}
        if action == "StartTransaction":
            fingerprint = json.dumps([cp, payload], sort_keys=True)
            if not self.idempotent or fingerprint not in self._starts:
                self._starts[fingerprint] = self.next_id
                self.next_id += 1
            status = "Blocked" if payload["idTag"] in self.blocked_tags else "Accepted"
            return {"transactionId": self._starts[fingerprint], "idTagInfo": {"status": status}}
        if action == "StopTransaction":
            return {"idTagInfo": {"status": "Accepted"}}
        if action == "TransactionEvent" and "idToken" in payload:
            blocked = payload["idToken"]["idToken"] in self.blocked_tags
            return {"idTokenInfo": {"status": "Blocked" if blocked else "Accepted"}}
        return {}
