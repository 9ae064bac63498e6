"""One simulated charger: a WebSocket, a message loop, a pending-request table and handlers.

`SimulatedCharger` is usable on its own (tests drive it step by step with `call`, `boot`,
`start_transaction`, ..., and send deliberate faults with `call_raw` and `send_raw`) and runs
the full charger lifecycle with `run(stop)`: connect, boot until accepted, report connector
status, deliver queued transaction messages, heartbeat, and reconnect with backoff when
dropped. `run_session` drives a whole charging session on one connector (see
simulator/sessions.py); what the charger says about charging is its `charging`
collaborator's (simulator/transaction_messages.py). The normal traffic is spoken through the
`ocpp` package (simulator/ocpp_link.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp

from simulator import sessions
from simulator.command_handlers import DeviceState
from simulator.command_handlers.charging_profiles import limit_in_force
from simulator.connect_errors import describe_connect_failure
from simulator.errors import (
    CallErrorReceived,
    CallErrorReply,
    ConnectionFailed,
    ConnectionLost,
    ConnectionRefused,
    FrameError,
    ResponseTimeout,
    SimulatorError,
    SubprotocolMismatch,
)
from simulator.frames import (
    Call,
    CallError,
    CallResult,
    Frame,
    new_message_id,
    parse_frame,
)
from simulator.handlers import CommandHandlerTable, default_handlers
from simulator.job_faults import JobFaults
from simulator.meter import ConnectorMeter, is_dc
from simulator.meter import initial_register_wh as default_register_wh
from simulator.ocpp_link import Answer, CommandRefused, InvalidResponse, open_link
from simulator.offline_queue import DEFAULT_MAX_ATTEMPTS, OfflineQueue
from simulator.physics import Car
from simulator.protocols import (
    ChargerIdentity,
    ConnectorRef,
    profile_for,
)
from simulator.stats import Stats
from simulator.transaction_messages import TransactionMessages
from simulator.waiting import set_within

log = logging.getLogger("simulator.charger")

DEFAULT_RESPONSE_TIMEOUT_S = 30.0
# Used when the CSMS answers with interval 0, which leaves the choice to the charger.
FALLBACK_HEARTBEAT_INTERVAL_S = 300.0
FALLBACK_BOOT_RETRY_INTERVAL_S = 30.0
# Raw frames nobody asked for are kept for receive_raw(); bounded so long runs cannot grow.
MAX_UNCLAIMED_FRAMES = 1000
MAX_RECORDED_CSMS_CALLS = 100
DEFAULT_POWER_KW = 11.0


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: start at initial_s, double per failed attempt, cap at max_s, jittered."""

    initial_s: float = 1.0
    max_s: float = 30.0

    def delay(self, attempt: int) -> float:
        base: float = min(self.max_s, self.initial_s * 2.0 ** min(attempt, 30))
        # Jitter spreads a fleet that lost its connections at once (API Gateway redeploys).
        return base * random.uniform(0.5, 1.0)


# Work a command handler scheduled for after its answer went out (see after_answer).
_after_answer: ContextVar[list[Coroutine[Any, Any, Any]] | None] = ContextVar(
    "after_answer", default=None
)


@dataclass
class _PendingCall:
    action: str
    future: asyncio.Future[Frame]
    timeout_s: float
    started: float  # perf_counter() when the CALL was sent


def endpoint_for(url: str, charge_point_id: str, *, query_id: bool = False) -> str:
    """`{url}/{id}` (local gateway, CloudFront) or `{url}?chargePointId={id}` (raw API Gateway)."""
    if query_id:
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}chargePointId={quote(charge_point_id, safe='')}"
    return f"{url.rstrip('/')}/{quote(charge_point_id, safe='')}"


class SimulatedCharger:
    def __init__(
        self,
        url: str,
        charge_point_id: str,
        *,
        protocol: str = "ocpp1.6",
        password: str | None = None,
        query_id: bool = False,
        connectors: int = 1,
        heartbeat_interval_s: float | None = None,
        boot_retry_interval_s: float | None = None,
        response_timeout_s: float = DEFAULT_RESPONSE_TIMEOUT_S,
        identity: ChargerIdentity | None = None,
        handlers: CommandHandlerTable | None = None,
        stats: Stats | None = None,
        session: aiohttp.ClientSession | None = None,
        backoff: Backoff | None = None,
        power_kw: float = DEFAULT_POWER_KW,
        dc: bool | None = None,
        time_scale: float = 1.0,
        initial_register_wh: float | None = None,
        replay_duplicates: int = 0,
        transaction_message_attempts: int = DEFAULT_MAX_ATTEMPTS,
        ssl_context: ssl.SSLContext | None = None,
        job_faults: JobFaults | None = None,
        car: Car | None = None,
        car_start_soc: float = 0.2,
        limit_latency_s: float = 0.0,
    ) -> None:
        """heartbeat_interval_s / boot_retry_interval_s override what the CSMS hands out
        (accelerated runs); None honours the CSMS.

        Metering: every connector draws power_kw while charging (DC with SoC when dc is True;
        None means DC above 22 kW); time_scale accelerates the energy integration (60: one
        real second delivers a minute's energy). Registers start at initial_register_wh, or
        at a stable per-connector value when None.

        replay_duplicates: after every reconnect, send the last N acknowledged transaction
        messages again, as chargers do when a response got lost (idempotency tests).
        transaction_message_attempts: tries per transaction message that times out.
        ssl_context: how a wss:// server is verified (e.g. trusting a local CA); None: the
        system's trust store.
        job_faults: how firmware updates and uploads fail, and their timings
        (simulator/job_faults.py; also settable later as `device.faults`).
        car: the car model every AC session charges (simulator/physics.py), starting at
        car_start_soc: the connector then draws what the car takes within the limit its
        charging profiles set, obeyed limit_latency_s (charging time) after it was accepted,
        and its meter reports that. None: the full power_kw all along, as before.
        """
        self.profile = profile_for(protocol)
        self.protocol = protocol
        self.url = url
        self.charge_point_id = charge_point_id
        self.endpoint = endpoint_for(url, charge_point_id, query_id=query_id)
        self.password = password
        self.ssl_context = ssl_context
        self.connectors = connectors
        self.heartbeat_interval_override_s = heartbeat_interval_s
        self.boot_retry_interval_override_s = boot_retry_interval_s
        self.response_timeout_s = response_timeout_s
        self.identity = identity or ChargerIdentity(serial_number=charge_point_id)
        self.handlers = handlers or default_handlers()
        self.stats = stats or Stats()
        self.backoff = backoff or Backoff()
        # The heartbeat interval in force: set from the accepted boot (or the override).
        self.heartbeat_interval_s: float | None = None
        self.csms_calls: deque[Call] = deque(maxlen=MAX_RECORDED_CSMS_CALLS)
        self.power_kw = power_kw
        meters = {
            number: ConnectorMeter(
                default_register_wh(charge_point_id, number)
                if initial_register_wh is None
                else initial_register_wh,
                power_w=power_kw * 1000,
                dc=is_dc(power_kw, dc),
                time_scale=time_scale,
                car=car,
                start_soc=car_start_soc,
                limit=partial(self._limit_now, number),
                latency_s=limit_latency_s,
            )
            for number in range(1, connectors + 1)
        }
        self.replay_duplicates = replay_duplicates
        # What the CSMS can change or ask about with commands: configuration, local list,
        # reservations, charging profiles, availability (see simulator/command_handlers/).
        self.device = DeviceState.for_charger(
            connectors,
            heartbeat_interval_s=heartbeat_interval_s or FALLBACK_HEARTBEAT_INTERVAL_S,
            power_kw=power_kw,
        )
        if job_faults is not None:
            self.device.faults = job_faults
        self.offline_queue = OfflineQueue(
            self.call,
            is_online=lambda: self.is_online,
            stats=self.stats,
            charge_point_id=charge_point_id,
            max_attempts=transaction_message_attempts,
        )
        # Authorize, transaction messages, meter readings and connector statuses.
        self.charging = TransactionMessages(
            charge_point_id,
            self.profile,
            meters,
            self.offline_queue,
            self.stats,
            call=self.call,
            is_online=lambda: self.is_online,
            # A start names the reservation it fulfils (and uses it up).
            claim_reservation=self.device.claim_reservation,
        )
        self._offer_charging_api()
        # Set once the charger is online for the first time (session plans wait for it).
        self.ever_online = asyncio.Event()
        self._in_lifecycle = False
        # Whether normal traffic may go out on this connection (see is_online).
        self._ready = False
        self._offline_until = 0.0
        self._dropping = False

        self._shared_session = session
        self._own_session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self._closed.set()
        self._closing = False
        self._pending: dict[str, _PendingCall] = {}
        self._raw_ids: set[str] = set()
        # Calls this charger stopped waiting for (timed out, already counted, or cancelled
        # because it is stopping): a late answer to one is not another error.
        self._abandoned: set[str] = set()
        self._unclaimed: asyncio.Queue[str | None] = asyncio.Queue()
        # OCPP allows one charger-initiated CALL in flight at a time.
        self._call_lock = asyncio.Lock()
        # The normal traffic goes through the ocpp package (see simulator/ocpp_link.py).
        self._link = open_link(
            protocol,
            charge_point_id,
            send=self._send,
            await_answer=self._await_answer,
            resolve=self._command_handler,
            after_answer=self._answered,
        )
        # Work each CSMS command scheduled for after its answer, by message id.
        self._follow_ups: dict[str, list[Coroutine[Any, Any, Any]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        # Set when the CSMS changes the heartbeat interval, so the waiting heartbeat re-times.
        self._heartbeat_changed = asyncio.Event()
        # When the last CALL went out (event-loop time): the heartbeat waits for inactivity.
        self._last_call_at = 0.0

    def _offer_charging_api(self) -> None:
        """The charging API and state under the charger's own names, as tests, session plans
        and scripts use them: the collaborator's very objects, not copies."""
        charging = self.charging
        self.meters = charging.meters
        self.connector_status = charging.connector_status
        self.transactions = charging.transactions
        self.meter = charging.meter
        self.find_transaction = charging.find_transaction
        self.transaction_on = charging.transaction_on
        self.forget_transaction = charging.forget_transaction
        self.resolve_transaction_id = charging.resolve_transaction_id
        self.start_authorization = charging.start_authorization
        self.set_connector_status = charging.set_connector_status
        self.authorize = charging.authorize
        self.start_transaction = charging.start_transaction
        self.meter_values = charging.meter_values
        self.stop_transaction = charging.stop_transaction
        self.new_transaction_id = charging.new_transaction_id
        self.transaction_event = charging.transaction_event

    # ----- connection -------------------------------------------------------------------

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the server selected (None before connecting)."""
        return self._ws.protocol if self._ws is not None else None

    @property
    def is_connected(self) -> bool:
        return not self._closed.is_set()

    @property
    def is_online(self) -> bool:
        """Whether messages other than the boot go out now: transaction messages then skip the
        offline queue, Authorize and status changes are sent.

        Under run() only once the boot on this connection was accepted and the connectors
        reported; when driven step by step, whenever connected.
        """
        return self.is_connected and self._ready

    @property
    def is_quiet(self) -> bool:
        """Nothing in flight: no CALL of ours awaits its answer and no CSMS command is being
        answered or followed up (tests wait for this before closing)."""
        return not self._pending and all(task.done() for task in self._tasks)

    async def __aenter__(self) -> SimulatedCharger:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the WebSocket offering exactly our protocol.

        Raises ConnectionRefused(status) when the handshake gets an HTTP error,
        SubprotocolMismatch when the server selects no or another subprotocol,
        ConnectionFailed when the server cannot be reached in time.
        """
        if self.is_connected:
            raise SimulatorError("already connected")
        session = self._session()
        # Security profile 1/2: HTTP Basic with the charge point id as the user name.
        headers = (
            {"Authorization": aiohttp.encode_basic_auth(self.charge_point_id, self.password)}
            if self.password
            else None
        )
        try:
            ws = await asyncio.wait_for(
                session.ws_connect(
                    self.endpoint,
                    protocols=(self.protocol,),
                    headers=headers,
                    autoping=True,
                    ssl=self.ssl_context or True,
                ),
                timeout=self.response_timeout_s,
            )
        except aiohttp.WSServerHandshakeError as exc:
            raise ConnectionRefused(exc.status, exc.message) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise ConnectionFailed(
                describe_connect_failure(self.endpoint, exc, self.response_timeout_s)
            ) from exc
        if ws.protocol != self.protocol:
            await ws.close()
            raise SubprotocolMismatch(self.protocol, ws.protocol)

        self._ws = ws
        self._closing = False
        self._dropping = False
        self._ready = not self._in_lifecycle
        if self._ready:
            self.ever_online.set()
        self._closed.clear()
        self._pending.clear()
        self._raw_ids.clear()
        self._abandoned.clear()
        self._unclaimed = asyncio.Queue()
        self.stats.started.add(self.charge_point_id)
        self.stats.connection_opened()
        self._reader = asyncio.create_task(self._read_loop(ws), name=f"{self.charge_point_id}-rx")
        log.info("%s connected to %s (%s)", self.charge_point_id, self.endpoint, ws.protocol)

    async def close(self) -> None:
        """Close the WebSocket (normal closure) and stop background work."""
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        if not self._in_lifecycle:
            # The final close: also end what outlives reconnects (remote-started sessions).
            self.device.cancel_background()
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), timeout=5)
        if self._reader is not None:
            with contextlib.suppress(BaseException):
                await self._reader
            self._reader = None
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None

    def _session(self) -> aiohttp.ClientSession:
        if self._shared_session is not None:
            return self._shared_session
        if self._own_session is None:
            # No connection-pool limit: each WebSocket holds its connection for good.
            self._own_session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self._own_session

    # ----- sending and receiving --------------------------------------------------------

    async def call(
        self, action: str, payload: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any]:
        """Send a CALL through the ocpp package and return the CALLRESULT payload.

        The package builds the frame from its message class and checks both the request and
        the answer against the schemas (see simulator/ocpp_link.py). Raises CallErrorReceived
        on a CALLERROR, ResponseTimeout when no answer comes in time and ConnectionLost when
        the connection drops first; all three are counted as errors. An answer the package
        rejects is counted as invalid_response.<action> and returned all the same, as a
        lenient charger carries on. A payload the package refuses raises InvalidRequest
        before anything is sent: deliberate faults belong to call_raw().
        """
        link = self._link

        async def exchange(message_id: str) -> Frame:
            try:
                return await link.request(action, payload, message_id)
            except InvalidResponse as exc:
                self.stats.error(f"invalid_response.{action}", self.charge_point_id, exc)
                return CallResult(message_id, exc.payload)

        return await self._exchange(action, exchange, timeout_s)

    async def call_raw(
        self, action: str, payload: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any]:
        """Send a CALL exactly as given, past the ocpp package (unknown actions, payloads the
        schemas forbid): the deliberate faults a CSMS must survive. Answers and errors as
        call()."""

        async def exchange(message_id: str) -> Frame:
            await self._send(Call(message_id, action, payload).to_json())
            return await self._await_answer(message_id)

        return await self._exchange(action, exchange, timeout_s)

    def _timeout(self, timeout_s: float | None) -> float:
        return self.response_timeout_s if timeout_s is None else timeout_s

    async def _exchange(
        self,
        action: str,
        exchange: Callable[[str], Awaitable[Frame]],
        timeout_s: float | None,
    ) -> dict[str, Any]:
        """One CALL and its answer, with the pending-call table, timeout and error counts."""
        timeout = self._timeout(timeout_s)
        async with self._call_lock:
            message_id = new_message_id()
            future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
            self._pending[message_id] = _PendingCall(action, future, timeout, time.perf_counter())
            try:
                frame = await exchange(message_id)
            except ResponseTimeout:
                self.stats.error("timeout", self.charge_point_id, action)
                self._abandoned.add(message_id)
                raise
            except asyncio.CancelledError:
                self._abandoned.add(message_id)
                raise
            except ConnectionLost:
                # A drop we caused on purpose is not the CSMS's fault.
                if not self._dropping:
                    self.stats.error("connection_lost", self.charge_point_id, f"during {action}")
                raise
            finally:
                self._pending.pop(message_id, None)
        if isinstance(frame, CallError):
            self.stats.error(f"CallError.{frame.code}", self.charge_point_id, action)
            raise CallErrorReceived(frame.code, frame.description, frame.details)
        assert isinstance(frame, CallResult)
        return frame.payload

    async def _await_answer(self, message_id: str, _timeout_s: float | None = None) -> Frame:
        """The answer to a CALL just sent (the reader resolves it by message id), waited for
        as long as the call's own timeout (the ocpp package's default is not ours)."""
        pending = self._pending.get(message_id)
        if pending is None:
            raise ConnectionLost("connection closed before the answer")
        self._last_call_at = asyncio.get_running_loop().time()
        timeout = pending.timeout_s
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for drops a cancellation
            # that arrives with the answer, and a stopped charger went on heartbeating.
            async with asyncio.timeout(timeout):
                return await pending.future
        except TimeoutError:
            raise ResponseTimeout(pending.action, message_id, timeout) from None

    async def send_raw(self, text: str) -> None:
        """Send any text as it is; answers to it are delivered by receive_raw()."""
        with contextlib.suppress(FrameError):
            frame = parse_frame(text)
            if isinstance(frame, Call):
                self._raw_ids.add(frame.message_id)
        await self._send(text)

    async def receive_raw(self, timeout: float = DEFAULT_RESPONSE_TIMEOUT_S) -> str:
        """The next received frame the charger did not consume itself: answers to send_raw(),
        unparseable frames, responses matching no pending CALL.

        Raises TimeoutError when none arrives in time, ConnectionLost once closed.
        """
        async with asyncio.timeout(timeout):
            item = await self._unclaimed.get()
        if item is None:
            self._unclaimed.put_nowait(None)
            raise ConnectionLost("connection closed")
        return item

    async def _send(self, text: str) -> None:
        ws = self._ws
        if ws is None or ws.closed or self._closed.is_set():
            raise ConnectionLost("not connected")
        try:
            await ws.send_str(text)
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            raise ConnectionLost(f"send failed: {exc}") from exc
        self.stats.messages_sent += 1
        log.debug("%s -> %s", self.charge_point_id, text)

    async def _read_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    self._on_text(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    self.stats.messages_received += 1
                    self.stats.error("binary_frame", self.charge_point_id)
        finally:
            self._on_closed(ws)

    def _on_text(self, text: str) -> None:
        self.stats.messages_received += 1
        log.debug("%s <- %s", self.charge_point_id, text)
        try:
            frame = parse_frame(text)
        except FrameError as exc:
            self.stats.error("malformed_frame", self.charge_point_id, exc)
            self._unclaim(text)
            return
        if isinstance(frame, Call):
            self.csms_calls.append(frame)
            self.stats.csms_calls[frame.action] += 1
            self.spawn(self._answer(frame, text))
            return
        pending = self._pending.pop(frame.message_id, None)
        if pending is not None:
            if not pending.future.done():
                # Timed on arrival: a caller stopped before it resumes still had its answer.
                self.stats.round_trips_s.append(time.perf_counter() - pending.started)
                pending.future.set_result(frame)
            return
        if frame.message_id in self._raw_ids:
            self._raw_ids.discard(frame.message_id)
        elif frame.message_id in self._abandoned:
            self._abandoned.discard(frame.message_id)
            log.debug("%s: late answer to %s ignored", self.charge_point_id, frame.message_id)
            return
        else:
            self.stats.error("unexpected_response", self.charge_point_id, frame.message_id)
        self._unclaim(text)

    def _unclaim(self, text: str) -> None:
        if self._unclaimed.qsize() >= MAX_UNCLAIMED_FRAMES:
            self._unclaimed.get_nowait()
        self._unclaimed.put_nowait(text)

    def _on_closed(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self.stats.connection_closed()
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(ConnectionLost(f"closed during {pending.action}"))
        self._pending.clear()
        self._unclaimed.put_nowait(None)
        if self._dropping:
            log.info("%s connection dropped (simulated)", self.charge_point_id)
        elif not self._closing:
            log.info(
                "%s connection closed by server (code %s)", self.charge_point_id, ws.close_code
            )

    async def _answer(self, call: Call, text: str) -> None:
        """Answer a CSMS CALL through the ocpp package (schema checks, NotImplemented for
        actions without a handler); follow-ups run once a CALLRESULT went out."""
        follow_ups: list[Coroutine[Any, Any, Any]] = []
        self._follow_ups[call.message_id] = follow_ups
        # This runs in its own task, so the list is this call's alone.
        _after_answer.set(follow_ups)
        try:
            await self._link.answer(call, text)
        except ConnectionLost:
            pass
        finally:
            _after_answer.set(None)
            # Still listed: no CALLRESULT went out (refused, invalid or lost), nothing follows.
            for follow_up in self._follow_ups.pop(call.message_id, []):
                follow_up.close()
        log.info("%s answered CSMS %s", self.charge_point_id, call.action)

    def _command_handler(self, action: str) -> Answer | None:
        handler = self.handlers.resolve(self.protocol, action)
        if handler is None:
            return None

        async def answer(call: Call) -> dict[str, Any]:
            try:
                return await handler(self, call.payload)
            except CallErrorReply as exc:
                raise CommandRefused(exc.code, exc.description, exc.details) from exc

        return answer

    def _limit_now(self, connector: int) -> float | None:
        return limit_in_force(self.device, connector, datetime.now(UTC))

    def _answered(self, message_id: str) -> None:
        """The CALLRESULT went out: start what the command scheduled for afterwards."""
        # The handler is done; the follow-ups must not inherit its list.
        _after_answer.set(None)
        # A command may have changed the charging profiles: the cars see the new limit.
        for meter in self.meters.values():
            meter.observe_limit()
        for follow_up in self._follow_ups.pop(message_id, []):
            self.spawn(follow_up)

    def after_answer(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run `coro` once the answer to the CSMS call being handled has gone out (a reset
        reboots after saying Accepted); outside a handler, right away in the background."""
        follow_ups = _after_answer.get()
        if follow_ups is None:
            self.spawn(coro)
        else:
            follow_ups.append(coro)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run background work tied to this connection (cancelled when it closes)."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ----- OCPP messages ----------------------------------------------------------------

    async def boot(self) -> dict[str, Any]:
        """Send BootNotification; return the response payload (status, interval, currentTime)."""
        response = await self.call(
            "BootNotification", self.profile.boot_notification(self.identity)
        )
        self.stats.boot_responses[str(response.get("status"))] += 1
        return response

    async def heartbeat(self) -> dict[str, Any]:
        return await self.call("Heartbeat", {})

    def set_heartbeat_interval(self, seconds: float) -> None:
        """Heartbeat every `seconds` from now on (the CSMS changed the configuration).

        Before a boot was accepted there is no heartbeat yet: the accepted boot sets it.
        """
        if self.heartbeat_interval_s is None:
            return
        self.heartbeat_interval_s = seconds
        self._heartbeat_changed.set()

    async def status_notification(
        self,
        connector_id: int,
        status: str,
        evse_id: int | None = None,
        error_code: str = "NoError",
    ) -> dict[str, Any]:
        """Report one connector's status.

        1.6 sends connectorId/errorCode/status; 2.0.1 sends evseId (default 1), connectorId
        and connectorStatus (error_code has no 2.0.1 counterpart and is ignored).
        """
        connector = ConnectorRef(connector_id=connector_id, evse_id=evse_id)
        payload = self.profile.status_notification(connector, status, error_code)
        return await self.call("StatusNotification", payload)

    async def run_session(
        self,
        connector_id: int,
        id_tag: str,
        duration_s: float,
        meter_interval_s: float,
        *,
        authorize: bool = True,
        stop_reason: str = "Local",
        stop: asyncio.Event | None = None,
    ) -> sessions.SessionResult:
        """One whole charging session on a connector (see simulator.sessions.run_session)."""
        return await sessions.run_session(
            self.charging,
            connector_id,
            id_tag,
            duration_s,
            meter_interval_s,
            authorize=authorize,
            stop_reason=stop_reason,
            stop=stop,
        )

    async def flush_offline_queue(self) -> None:
        """Deliver the queued transaction messages now (run() does it after every boot)."""
        await self.offline_queue.flush()

    async def replay_acknowledged(self, count: int | None = 1) -> int:
        """Send the last `count` acknowledged transaction messages again (see OfflineQueue)."""
        return await self.offline_queue.replay_acknowledged(count)

    # ----- connection faults -----------------------------------------------------------

    async def drop_connection(self, offline_s: float = 0.0) -> None:
        """Cut the connection as a network failure would.

        Calls in flight fail with ConnectionLost (not counted as errors) and transaction
        messages queue up. Under run() the charger reconnects after offline_s at the earliest
        (plus the usual backoff); driven step by step, call connect() again when you like.
        """
        self._offline_until = time.monotonic() + offline_s
        ws = self._ws
        if ws is None or self._closed.is_set():
            return
        self._dropping = True
        self.stats.drops += 1
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"simulated drop"), 5
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), 5)

    async def reboot(self, offline_s: float = 0.0) -> None:
        """Restart as after a power cycle: drop the connection, then (after offline_s)
        reconnect and boot.

        Under run() the lifecycle reconnects, boots and reports the connectors; driven step
        by step, this does it.
        """
        await self.drop_connection(offline_s)
        if self._in_lifecycle:
            return
        if offline_s > 0:
            await asyncio.sleep(offline_s)
        await self.connect()
        await self.boot()
        await self._report_connector_statuses()

    # ----- lifecycle --------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run the charger until `stop` is set: connect, boot, report, heartbeat, reconnect."""
        attempt = 0
        self._in_lifecycle = True
        try:
            while not stop.is_set():
                try:
                    await self.connect()
                except SubprotocolMismatch as exc:
                    # A configuration problem: retrying cannot help.
                    self.stats.error("subprotocol_mismatch", self.charge_point_id, exc)
                    return
                except ConnectionRefused as exc:
                    self.stats.error(f"handshake_refused.{exc.status}", self.charge_point_id, exc)
                except ConnectionFailed as exc:
                    self.stats.error("connect_failed", self.charge_point_id, exc)
                else:
                    if await self._serve(stop):
                        attempt = 0
                    await self.close()
                    if stop.is_set():
                        return
                    self.stats.reconnects += 1
                delay = max(self.backoff.delay(attempt), self._offline_until - time.monotonic())
                attempt += 1
                log.info("%s reconnecting in %.1f s", self.charge_point_id, delay)
                if await set_within(stop, delay):
                    return
        finally:
            self._in_lifecycle = False
            await self.close()

    async def _serve(self, stop: asyncio.Event) -> bool:
        """Run the connected flow until stop or disconnect; True if the boot got accepted."""
        flow = asyncio.create_task(self._connected_flow(), name=f"{self.charge_point_id}-flow")
        stopped = asyncio.create_task(stop.wait())
        dropped = asyncio.create_task(self._closed.wait())
        self.heartbeat_interval_s = None
        try:
            await asyncio.wait({flow, stopped, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (flow, stopped, dropped):
                task.cancel()
            await asyncio.gather(flow, stopped, dropped, return_exceptions=True)
        if flow.done() and not flow.cancelled():
            error = flow.exception()
            if error is not None and not isinstance(error, ConnectionLost):
                raise error
        return self.heartbeat_interval_s is not None

    async def _connected_flow(self) -> None:
        self.heartbeat_interval_s = await self._boot_until_accepted()
        await self._report_connector_statuses()
        # From here on sessions send for themselves. Acquiring the queue's lock does not
        # yield, so duplicates and queued messages go out before anything new.
        self._ready = True
        self.ever_online.set()
        if self.replay_duplicates:
            await self.offline_queue.replay_acknowledged(self.replay_duplicates)
        await self.offline_queue.flush()
        while True:
            await self._heartbeat_due()
            with contextlib.suppress(ResponseTimeout, CallErrorReceived):
                response = await self.heartbeat()
                log.info(
                    "%s Heartbeat (server time %s)",
                    self.charge_point_id,
                    response.get("currentTime"),
                )
            # Transaction messages that timed out are tried again here at the latest.
            await self.offline_queue.flush()

    async def _heartbeat_due(self) -> None:
        """Wait until the charger sent nothing for one heartbeat interval: OCPP defines
        HeartbeatInterval as an interval of inactivity (1.6 and 2.0.1), so no Heartbeat goes
        out while other messages flow. A changed interval restarts the wait with the new one."""
        loop = asyncio.get_running_loop()
        while True:
            self._heartbeat_changed.clear()
            interval = self.heartbeat_interval_s or FALLBACK_HEARTBEAT_INTERVAL_S
            remaining = self._last_call_at + interval - loop.time()
            if remaining <= 0:
                return
            # Woken by a changed interval or by the time: look again at what was sent since.
            await set_within(self._heartbeat_changed, remaining)

    async def _report_connector_statuses(self) -> None:
        """Report every connector; after a reconnect one may be mid-session, so report what it
        is doing. Sessions only remember status changes until we are online: repeat until
        what was reported is current."""
        reported: dict[ConnectorRef, str] = {}
        while True:
            stale = [
                connector
                for connector in self.profile.startup_connectors(self.connectors)
                if reported.get(connector) != self._status_of(connector)
            ]
            if not stale:
                return
            for connector in stale:
                status = reported[connector] = self._status_of(connector)
                payload = self.profile.status_notification(connector, status, "NoError")
                with contextlib.suppress(ResponseTimeout, CallErrorReceived):
                    await self.call("StatusNotification", payload)
                    log.info(
                        "%s StatusNotification %s %s",
                        self.charge_point_id,
                        _describe(connector),
                        status,
                    )

    def _status_of(self, connector: ConnectorRef) -> str:
        number = connector.connector_id if connector.evse_id is None else connector.evse_id
        if self.protocol == "ocpp1.6" and number == 0:
            return "Available"
        return self.connector_status.get(number, "Available")

    async def _boot_until_accepted(self) -> float:
        while True:
            retry_s: float
            try:
                response = await self.boot()
            except (ResponseTimeout, CallErrorReceived) as exc:
                log.info("%s BootNotification failed: %s", self.charge_point_id, exc)
                retry_s = self.boot_retry_interval_override_s or FALLBACK_BOOT_RETRY_INTERVAL_S
            else:
                status, interval = response.get("status"), response.get("interval")
                if not isinstance(interval, int | float) or status not in (
                    "Accepted",
                    "Pending",
                    "Rejected",
                ):
                    self.stats.error("invalid_boot_response", self.charge_point_id, response)
                    interval = 0
                if status == "Accepted":
                    self.stats.accepted.add(self.charge_point_id)
                    chosen = self.heartbeat_interval_override_s or (
                        interval if interval > 0 else FALLBACK_HEARTBEAT_INTERVAL_S
                    )
                    log.info(
                        "%s BootNotification Accepted (heartbeat every %g s)",
                        self.charge_point_id,
                        chosen,
                    )
                    return float(chosen)
                retry_s = self.boot_retry_interval_override_s or (
                    interval if interval > 0 else FALLBACK_BOOT_RETRY_INTERVAL_S
                )
                log.info(
                    "%s BootNotification %s (retry in %g s)", self.charge_point_id, status, retry_s
                )
            await asyncio.sleep(retry_s)


def _describe(connector: ConnectorRef) -> str:
    if connector.evse_id is None:
        return f"connector {connector.connector_id}"
    return f"EVSE {connector.evse_id} connector {connector.connector_id}"
