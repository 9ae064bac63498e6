"""A local stand-in for API Gateway: WebSocket API, @connections API and HTTP API.

One aiohttp application serves
- charger WebSockets at `/ocpp/{chargePointId}` (what CloudFront rewrites to
  `?chargePointId=`), `/?chargePointId=` and `/{stage}?chargePointId=`;
- the management API at `/@connections/{id}` and `/{stage}/@connections/{id}`, close enough
  to the real one that `boto3.client("apigatewaymanagementapi", endpoint_url=...)` works;
- HTTP API routes (payload format 2.0) under the prefixes of `RouteTable.http`;
- a start page for a browser's plain `GET /` that says where all this is (local/start_page.py);
- the operator console at `/console/` (local/console.py) and the development identity
  provider it signs in with at `/local-idp` (local/identity/).

It calls the same Lambda handlers as AWS, through `local.invoke`, with API Gateway's event
shapes (`local.apigw_wire`) and behaviour: REQUEST authorizer on `$connect`, handshake refused
on a non-2xx `$connect`, subprotocol taken from the `$connect` answer, route responses,
`{"message": "Internal server error", ...}` frames when a route fails, 1009 on frames over
32 KB or messages over 128 KB, 1001 after the idle timeout and the maximum connection
duration, `$disconnect` exactly once.

Ordering: every frame is its own invocation, run concurrently with the others of the same
connection as on AWS; a route response is sent when its invocation completes, so responses
leave in completion order. `GatewayConfig.serialize_frames=True` handles a connection's
frames one at a time, in arrival order, for deterministic debugging.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.http_websocket import WebSocketError

from infra.catalog import FILE_ROUTE, HttpRouteDef
from local.apigw_wire import (
    ApiIdentity,
    ConnectionFacts,
    HandshakeRequest,
    MalformedResponse,
    authorizer_decision,
    authorizer_event,
    connect_event,
    connect_outcome,
    disconnect_event,
    epoch_ms,
    gateway_error_body,
    http_api_event,
    http_api_response,
    iso_timestamp,
    message_event,
    new_aws_id,
    route_response,
    websocket_error_frame,
)
from local.console import DEFAULT_CONSOLE_DIR, ConsoleSite
from local.identity import routes as identity_routes
from local.identity.authorizer import JwtAuthorizer, Unauthorized
from local.identity.oauth import CodeFlow
from local.identity.provider import ACCESS_TOKEN_TTL_S, CLIENT_GROUPS, DevIdentityProvider
from local.invoke import Handler, InvocationError, Invoker, LambdaFunction
from local.ports import bind_error
from local.start_page import start_page_html, start_page_links, start_page_text

logger = logging.getLogger("local.gateway")

CONNECT, DEFAULT, DISCONNECT = "$connect", "$default", "$disconnect"
FRAME_LIMIT_BYTES = 32 * 1024
MESSAGE_LIMIT_BYTES = 128 * 1024
CLOSE_GOING_AWAY = 1001
CLOSE_MESSAGE_TOO_BIG = 1009
CLOSE_NORMAL = 1000
_LOOPBACK_OR_ANY = frozenset({"127.0.0.1", "localhost", "0.0.0.0", "::", ""})  # noqa: S104


@dataclass(frozen=True)
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 8080  # 0 picks a free port
    stage: str = "local"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    websocket_api_id: str = "localwsapi"
    http_api_id: str = "localhttp1"
    idle_timeout_s: float = 600.0
    max_connection_s: float = 7200.0
    frame_limit_bytes: int = FRAME_LIMIT_BYTES
    message_limit_bytes: int = MESSAGE_LIMIT_BYTES
    integration_timeout_s: float = 29.0
    max_workers: int = 32
    # None: a function's invocations run in parallel threads; 1: one at a time (see Invoker).
    max_concurrency_per_function: int | None = None
    serialize_frames: bool = False
    # The built operator console served at /console/ (None: console/dist of this checkout).
    console_dir: str | None = None
    # Lifetime of the development identity provider's access and ID tokens.
    access_token_ttl_s: int = ACCESS_TOKEN_TTL_S
    # wss:// on its own port with this server context (local/tls.py); None: plain ws:// only.
    tls_port: int = 8443  # 0 picks a free port
    ssl_context: ssl.SSLContext | None = None

    @property
    def websocket_api(self) -> ApiIdentity:
        return ApiIdentity(self.websocket_api_id, self.stage, self.region, self.account_id)

    @property
    def http_api(self) -> ApiIdentity:
        return ApiIdentity(self.http_api_id, "$default", self.region, self.account_id)


@dataclass(frozen=True)
class HttpAuth:
    """The JWT authorizer of an HTTP route prefix: tokens for `audience` (an app client of the
    development identity provider), except on `public_paths`. `dev_token_passes`: a bearer
    value that is not a JWT reaches the function unverified (the operator API's local
    development token; on AWS the authorizer refuses it)."""

    audience: str
    public_paths: frozenset[str] = frozenset()
    dev_token_passes: bool = False


@dataclass(frozen=True)
class RouteTable:
    """Which function serves which route.

    `websocket` maps route keys ("$connect", "$default", "$disconnect") to functions,
    `authorizer` guards `$connect` and is only called when the query parameter
    `identity_query_parameter` is present, `http` maps path prefixes ("/api") to functions.
    """

    websocket: Mapping[str, LambdaFunction] = field(default_factory=dict)
    authorizer: LambdaFunction | None = None
    http: Mapping[str, LambdaFunction] = field(default_factory=dict)
    identity_query_parameter: str = "chargePointId"
    # Prefix -> its JWT authorizer (none: every request reaches the function).
    http_auth: Mapping[str, HttpAuth] = field(default_factory=dict)
    # Exact path -> function of a provider's webhook (`POST` only, no authorizer).
    webhooks: Mapping[str, LambdaFunction] = field(default_factory=dict)

    @classmethod
    def from_handlers(
        cls,
        websocket: Mapping[str, Handler | LambdaFunction] | None = None,
        *,
        authorizer: Handler | LambdaFunction | None = None,
        http: Mapping[str, Handler | LambdaFunction] | None = None,
        timeout_s: float = 10.0,
    ) -> RouteTable:
        """Build a table from plain callables (test fakes) or LambdaFunctions."""

        def wrap(name: str, target: Handler | LambdaFunction) -> LambdaFunction:
            if isinstance(target, LambdaFunction):
                return target
            return LambdaFunction(name=name, handler=target, timeout_s=timeout_s)

        return cls(
            websocket={k: wrap(k, v) for k, v in (websocket or {}).items()},
            authorizer=None if authorizer is None else wrap("authorizer", authorizer),
            http={k: wrap(k, v) for k, v in (http or {}).items()},
        )

    @classmethod
    def from_catalog(cls) -> RouteTable:
        """The real handlers from `infra.catalog` (imports them: set the environment first)."""
        from infra import catalog

        def function(name: str) -> LambdaFunction:
            return LambdaFunction.from_definition(catalog.FUNCTIONS_BY_NAME[name])

        authorizer = catalog.WEBSOCKET_AUTHORIZER
        return cls(
            websocket={route: function(name) for route, name in catalog.WEBSOCKET_ROUTES.items()},
            authorizer=function(authorizer) if authorizer else None,
            http={
                **{prefix: function(name) for prefix, name in catalog.HTTP_ROUTES.items()},
                # No authorizer: the path's token is the credential (docs/adr/0045).
                catalog.FILE_ROUTE.prefix: function(catalog.FILE_ROUTE.function),
            },
            identity_query_parameter=catalog.WEBSOCKET_IDENTITY_SOURCE.rsplit(".", 1)[-1],
            http_auth={route.prefix: _http_auth(route) for route in catalog.HTTP_API_ROUTES},
            webhooks={hook.path: function(hook.function) for hook in catalog.HTTP_WEBHOOKS},
        )


def _wants_upgrade(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def _http_auth(route: HttpRouteDef) -> HttpAuth:
    (client,) = (c for c, group in CLIENT_GROUPS.items() if group == route.audience)
    return HttpAuth(
        audience=client,
        public_paths=route.public(),
        dev_token_passes=route.audience == "operators",
    )


@dataclass(eq=False)
class Connection:
    """A live WebSocket connection as the gateway tracks it."""

    facts: ConnectionFacts
    ws: web.WebSocketResponse
    charge_point_id: str | None
    user_agent: str
    connected_mono: float
    last_active_at: int
    last_active_mono: float
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    close_code: int | None = None
    close_reason: str = ""
    closing_task: asyncio.Task[None] | None = None

    @property
    def connection_id(self) -> str:
        return self.facts.connection_id

    @property
    def open(self) -> bool:
        return self.close_code is None and not self.ws.closed

    def touch(self) -> None:
        self.last_active_at = epoch_ms()
        self.last_active_mono = time.monotonic()


class LocalGateway:
    """The aiohttp application plus its runner; `start()`/`stop()` or `async with`."""

    def __init__(
        self,
        routes: RouteTable | None = None,
        config: GatewayConfig | None = None,
        *,
        invoker: Invoker | None = None,
    ) -> None:
        self.config = config or GatewayConfig()
        # None until set: the platform binds the port before it may import the handlers.
        self.routes = routes
        self._owns_invoker = invoker is None
        self.invoker = invoker or Invoker(
            region=self.config.region,
            account_id=self.config.account_id,
            max_workers=self.config.max_workers,
            integration_timeout_s=self.config.integration_timeout_s,
            max_concurrency_per_function=self.config.max_concurrency_per_function,
        )
        # Cognito's stand-in: issues the tokens the HTTP routes' JWT authorizers check.
        self.identity = DevIdentityProvider(access_token_ttl_s=self.config.access_token_ttl_s)
        # The browser sign-in (authorization code + PKCE) of the operator console.
        self.sign_in = CodeFlow(self.identity)
        self.console = ConsoleSite(
            Path(self.config.console_dir) if self.config.console_dir else DEFAULT_CONSOLE_DIR,
            self._origin_of,
        )
        self.connections: dict[str, Connection] = {}
        self._handlers: set[asyncio.Task[Any]] = set()
        self._route_tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._tls_port: int | None = None
        self.app = self._build_app()

    # --- lifecycle ----------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        # HTTP APIs accept payloads up to 10 MB.
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("GET", "/ocpp/{charge_point_id}", self._handle_websocket)
        for method in ("POST", "GET", "DELETE"):
            app.router.add_route(method, "/@connections/{connection_id}", self._handle_management)
            app.router.add_route(
                method, "/{stage}/@connections/{connection_id}", self._handle_management
            )
        identity_routes.add_routes(app, self.identity, self.sign_in)
        self.console.add_routes(app)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise bind_error(
                "gateway port", self.config.host, self.config.port, exc, "--port"
            ) from exc
        self._port = int(self._runner.addresses[0][1])  # the real port when 0 was asked
        if self.config.ssl_context is not None:
            await self._start_tls_site(self._runner)
        self.identity.issuer = self.base_url + identity_routes.PREFIX
        self.sign_in.allow_console_origins(self.origins)
        logger.info("gateway listening on %s", self.base_url)

    async def _start_tls_site(self, runner: web.AppRunner) -> None:
        """The same application over TLS: chargers connect with wss:// (security profile 2)."""
        known = {tuple(address[:2]) for address in runner.addresses}
        site = web.TCPSite(
            runner, self.config.host, self.config.tls_port, ssl_context=self.config.ssl_context
        )
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            self._runner = None
            raise bind_error(
                "TLS port", self.config.host, self.config.tls_port, exc, "--tls-port"
            ) from exc
        added = [a for a in runner.addresses if tuple(a[:2]) not in known]
        self._tls_port = int(added[0][1]) if added else self.config.tls_port
        logger.info("gateway listening for chargers on %s", self.wss_url)

    async def stop(self) -> None:
        """Close every WebSocket with 1001 (running `$disconnect`), then the server."""
        for connection in list(self.connections.values()):
            self._request_close(connection, CLOSE_GOING_AWAY, "Going away")
        if self._handlers:
            await asyncio.wait(set(self._handlers), timeout=10.0)
        if self._route_tasks:
            # In-flight $default invocations: their answers have nowhere to go any more.
            await asyncio.wait(set(self._route_tasks), timeout=5.0)
            for task in self._route_tasks:
                task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._owns_invoker:
            await asyncio.to_thread(self.invoker.close)

    async def __aenter__(self) -> LocalGateway:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("gateway not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def origins(self) -> tuple[str, ...]:
        """The origins a browser reaches the gateway at: its own, and on a loopback or
        wildcard address both names of the loopback (127.0.0.1 and localhost)."""
        if self.config.host in _LOOPBACK_OR_ANY:
            aliases = (f"http://127.0.0.1:{self.port}", f"http://localhost:{self.port}")
            return tuple(dict.fromkeys((self.base_url, *aliases)))
        return (self.base_url,)

    @property
    def console_url(self) -> str:
        return f"{self.base_url}/console/"

    def _origin_of(self, request: web.Request) -> str:
        """The origin `request` came to, if it is one of the gateway's; else its own."""
        origin = f"http://{request.host}"
        return origin if origin in self.origins else self.base_url

    @property
    def ws_url(self) -> str:
        """Charger URL prefix: append "/{chargePointId}"."""
        return f"ws://{self.config.host}:{self.port}/ocpp"

    @property
    def wss_url(self) -> str:
        """Charger URL prefix over TLS (when the gateway serves it): append "/{chargePointId}".
        Named localhost on a loopback or wildcard address, as the certificate names it."""
        if self._tls_port is None:
            raise RuntimeError("the gateway serves no TLS port")
        host = "localhost" if self.config.host in _LOOPBACK_OR_ANY else self.config.host
        return f"wss://{host}:{self._tls_port}/ocpp"

    @property
    def management_endpoint(self) -> str:
        """`endpoint_url` for boto3's apigatewaymanagementapi client (stage included, as on AWS)."""
        return f"{self.base_url}/{self.config.stage}"

    # --- dispatch -------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        """Everything not matched by a fixed route: HTTP API prefixes, then `/`, `/{stage}`."""
        path = request.path
        routes = self.routes
        if routes is not None and path in routes.webhooks:
            if request.method != "POST":
                return _error_response(404, "Not Found")
            return await self._handle_http(request, path, routes.webhooks[path])
        if routes is not None:
            for prefix in sorted(routes.http, key=len, reverse=True):
                if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                    return await self._handle_http(request, prefix, routes.http[prefix])
        segments = [s for s in path.split("/") if s]
        if request.method == "GET" and not segments and not _wants_upgrade(request):
            return self._start_page(request)
        if request.method == "GET" and len(segments) <= 1:
            return await self._handle_websocket(request)
        return _error_response(404, "Not Found")

    def _start_page(self, request: web.Request) -> web.Response:
        """Where things are (local/start_page.py): HTML for browsers, text for curl."""
        # The chargers' files route has no documentation page (docs/firmware.md).
        routes = self.routes.http if self.routes is not None else {}
        prefixes = [prefix for prefix in routes if prefix != FILE_ROUTE.prefix]
        links = start_page_links(self.base_url, self.ws_url, prefixes)
        if "text/html" in request.headers.get("Accept", ""):
            page = start_page_html(links, self.identity.development_operator)
            return web.Response(text=page, content_type="text/html")
        return web.Response(text=start_page_text(links), content_type="text/plain")

    # --- WebSocket API --------------------------------------------------------------------

    async def _handle_websocket(self, request: web.Request) -> web.StreamResponse:
        stage = request.match_info.get("tail", "").strip("/") or None
        if stage is not None and stage != self.config.stage:
            return _error_response(403, "Forbidden")
        if not _wants_upgrade(request):
            return _error_response(426, "Upgrade Required")
        routes = self.routes
        if routes is None:
            return _error_response(503, "Service Unavailable")
        query = list(request.query.items())
        path_id = request.match_info.get("charge_point_id")
        if path_id is not None:
            # The CloudFront function turns /ocpp/{id} into ?chargePointId={id}.
            query = [("chargePointId", path_id)] + [kv for kv in query if kv[0] != "chargePointId"]
        source_ip = request.remote or "127.0.0.1"
        handshake = HandshakeRequest(
            headers=_request_headers(request, source_ip),
            query=query,
            source_ip=source_ip,
            domain_name=request.host,
        )
        accepted = await self._run_connect_routes(routes, handshake)
        if isinstance(accepted, web.Response):
            return accepted
        facts, subprotocol = accepted
        return await self._serve(request, handshake, facts, subprotocol)

    async def _run_connect_routes(
        self, routes: RouteTable, handshake: HandshakeRequest
    ) -> web.Response | tuple[ConnectionFacts, str | None]:
        """Authorizer then `$connect`: a refusal, or the connection facts and subprotocol."""
        api = self.config.websocket_api
        connection_id = self._new_connection_id()
        connected_at = epoch_ms()
        authorizer_context: dict[str, Any] | None = None
        if routes.authorizer is not None:
            refusal, authorizer_context = await self._authorize(
                routes, handshake, api, connection_id, connected_at
            )
            if refusal is not None:
                return refusal
        facts = ConnectionFacts(
            connection_id=connection_id,
            connected_at=connected_at,
            source_ip=handshake.source_ip,
            domain_name=handshake.domain_name,
            api=api,
            authorizer=authorizer_context,
        )
        connect_function = routes.websocket.get(CONNECT)
        if connect_function is None:
            return facts, None
        event = connect_event(handshake, facts, request_id=new_aws_id(), now_ms=epoch_ms())
        try:
            outcome = connect_outcome(await self.invoker.invoke(connect_function, event))
        except InvocationError:
            return _error_response(500, "Internal server error")
        except MalformedResponse as exc:
            logger.error("$connect %s: unusable answer: %s", connection_id, exc)
            return _error_response(500, "Internal server error")
        if not 200 <= outcome.status < 300:
            # The function logs why (with the charger and the reason): one line per refusal.
            logger.debug("$connect %s refused with %d", connection_id, outcome.status)
            return web.Response(status=outcome.status, text=outcome.body)
        return facts, outcome.subprotocol

    async def _serve(
        self,
        request: web.Request,
        handshake: HandshakeRequest,
        facts: ConnectionFacts,
        subprotocol: str | None,
    ) -> web.StreamResponse:
        """Complete the upgrade and serve the connection until it closes."""
        ws = web.WebSocketResponse(
            protocols=(subprotocol,) if subprotocol else (),
            autoping=True,
            compress=False,
            # Backstop only: the frame guard enforces the limits with API Gateway's reason.
            max_msg_size=self.config.message_limit_bytes + 1,
        )
        if subprotocol:
            # API Gateway echoes whatever $connect chose, offered by the client or not.
            ws.headers["Sec-WebSocket-Protocol"] = subprotocol
        try:
            await ws.prepare(request)
        except ConnectionError:
            logger.info("client went away during the handshake of %s", facts.connection_id)
            return ws
        now_mono = time.monotonic()
        connection = Connection(
            facts=facts,
            ws=ws,
            charge_point_id=dict(handshake.query).get("chargePointId"),
            user_agent=request.headers.get("User-Agent", ""),
            connected_mono=now_mono,
            last_active_at=facts.connected_at,
            last_active_mono=now_mono,
        )
        self.connections[facts.connection_id] = connection
        self._install_frame_guard(request, connection)
        handler_task = asyncio.current_task()
        if handler_task is not None:
            self._handlers.add(handler_task)
        logger.info(
            "charger %s connected (%s, connection %s)",
            connection.charge_point_id,
            subprotocol or "no subprotocol",
            facts.connection_id,
        )
        watchdog = asyncio.create_task(self._watchdog(connection))
        try:
            await self._read_frames(connection)
        finally:
            watchdog.cancel()
            await self._finish(connection)
            if handler_task is not None:
                self._handlers.discard(handler_task)
        return ws

    async def _authorize(
        self,
        routes: RouteTable,
        handshake: HandshakeRequest,
        api: ApiIdentity,
        connection_id: str,
        connected_at: int,
    ) -> tuple[web.Response | None, dict[str, Any] | None]:
        """Run the REQUEST authorizer: (refusal response, None) or (None, route context)."""
        assert routes.authorizer is not None
        identity = dict(handshake.query).get(routes.identity_query_parameter)
        if not identity:
            # API Gateway does not even call the authorizer without its identity source.
            return _error_response(401, "Unauthorized", "UnauthorizedException"), None
        event = authorizer_event(
            handshake,
            api,
            connection_id=connection_id,
            connected_at=connected_at,
            request_id=new_aws_id(),
            now_ms=epoch_ms(),
        )
        started = time.monotonic()
        try:
            result = await self.invoker.invoke(routes.authorizer, event, log_errors=False)
        except InvocationError as exc:
            # API Gateway reads only the error message, whatever the exception type.
            if exc.cause is not None and str(exc.cause) == "Unauthorized":
                logger.debug("authorizer: Unauthorized (%s)", identity)  # the function says why
                return _error_response(401, "Unauthorized", "UnauthorizedException"), None
            logger.error("authorizer failed for %s: %s", identity, exc, exc_info=exc.cause)
            return _error_response(500, None, "AuthorizerConfigurationException"), None
        latency_ms = int((time.monotonic() - started) * 1000)
        decision = authorizer_decision(result, event["methodArn"], latency_ms)
        if decision.status == 403:
            logger.debug("authorizer: Deny (%s)", identity)  # the function says why
            return _error_response(403, "Forbidden", "AccessDeniedException"), None
        if decision.status != 200:
            logger.error("authorizer returned an unusable answer for %s: %r", identity, result)
            return _error_response(500, None, "AuthorizerConfigurationException"), None
        return None, decision.context

    async def _read_frames(self, connection: Connection) -> None:
        ws = connection.ws
        while True:
            msg = await ws.receive()
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                connection.touch()
                if self.config.serialize_frames:
                    await self._route_message(connection, msg.data)
                else:
                    task = asyncio.create_task(self._route_message(connection, msg.data))
                    self._route_tasks.add(task)
                    task.add_done_callback(self._route_tasks.discard)
                continue
            if connection.close_code is None:
                connection.close_code, connection.close_reason = _client_close(msg)
            return

    async def _route_message(self, connection: Connection, data: str | bytes) -> None:
        routes = self.routes
        function = routes.websocket.get(DEFAULT) if routes is not None else None
        request_id = new_aws_id()
        if function is None:
            await self._send(
                connection, websocket_error_frame("Forbidden", connection.connection_id, request_id)
            )
            return
        event = message_event(
            connection.facts,
            data,
            message_id=new_aws_id(),
            request_id=request_id,
            now_ms=epoch_ms(),
        )
        try:
            frame = route_response(await self.invoker.invoke(function, event))
        except (InvocationError, MalformedResponse) as exc:
            if isinstance(exc, MalformedResponse):
                logger.error("$default %s: unusable answer: %s", connection.connection_id, exc)
            frame = websocket_error_frame(
                "Internal server error", connection.connection_id, request_id
            )
        if frame is not None:
            await self._send(connection, frame)

    async def _send(self, connection: Connection, data: str | bytes) -> bool:
        """Send one message; False when the connection is gone (the message is dropped)."""
        if not connection.open:
            return False
        async with connection.send_lock:
            try:
                if isinstance(data, bytes):
                    await connection.ws.send_bytes(data)
                else:
                    await connection.ws.send_str(data)
            except (ConnectionError, RuntimeError):
                return False
        connection.touch()
        return True

    async def _watchdog(self, connection: Connection) -> None:
        """API Gateway's idle timeout and maximum connection duration, both closing with 1001."""
        while True:
            deadline = min(
                connection.last_active_mono + self.config.idle_timeout_s,
                connection.connected_mono + self.config.max_connection_s,
            )
            delay = deadline - time.monotonic()
            if delay <= 0:
                break
            await asyncio.sleep(delay)
        logger.info("closing %s: idle or too old", connection.connection_id)
        self._request_close(connection, CLOSE_GOING_AWAY, "Going away")

    def _request_close(self, connection: Connection, code: int, reason: str) -> None:
        """Close from the gateway's side (idle, limits, DELETE, shutdown); idempotent."""
        if connection.close_code is None:
            connection.close_code, connection.close_reason = code, reason
        if connection.closing_task is None and not connection.ws.closed:
            connection.closing_task = asyncio.create_task(
                _close_quietly(connection.ws, code, reason)
            )

    async def _finish(self, connection: Connection) -> None:
        """The connection is over: forget it, then `$disconnect` (exactly once)."""
        self.connections.pop(connection.connection_id, None)
        if connection.closing_task is not None:
            await asyncio.wait({connection.closing_task}, timeout=5.0)
        code = connection.close_code or 1006
        reason = connection.close_reason
        logger.info(
            "charger %s disconnected (%d%s, connection %s)",
            connection.charge_point_id,
            code,
            f" {reason}" if reason else "",
            connection.connection_id,
        )
        routes = self.routes
        function = routes.websocket.get(DISCONNECT) if routes is not None else None
        if function is None:
            return
        event = disconnect_event(
            connection.facts,
            status_code=code,
            reason=reason,
            request_id=new_aws_id(),
            now_ms=epoch_ms(),
        )
        with contextlib.suppress(InvocationError):  # logged by the invoker; nobody to tell
            await self.invoker.invoke(function, event)

    def _install_frame_guard(self, request: web.Request, connection: Connection) -> None:
        protocol = request.protocol
        inner = getattr(protocol, "_payload_parser", None)
        if inner is None:
            logger.warning("cannot enforce the 32 KB frame limit with this aiohttp version")
            return
        protocol._payload_parser = FrameLimitGuard(
            inner,
            frame_limit=self.config.frame_limit_bytes,
            message_limit=self.config.message_limit_bytes,
            on_violation=lambda: self._request_close(
                connection, CLOSE_MESSAGE_TOO_BIG, "Message too big"
            ),
        )

    def _new_connection_id(self) -> str:
        while True:
            candidate = new_aws_id()
            if candidate not in self.connections:
                return candidate

    # --- @connections management API ------------------------------------------------------

    async def _handle_management(self, request: web.Request) -> web.StreamResponse:
        stage = request.match_info.get("stage")
        if stage is not None and stage != self.config.stage:
            return _error_response(403, "Forbidden", "ForbiddenException")
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None or not connection.open:
            return _error_response(410, "Gone", "GoneException")
        if request.method == "POST":
            data = await request.read()
            if len(data) > self.config.message_limit_bytes:
                return _error_response(413, "Message too long", "PayloadTooLargeException")
            try:
                frame: str | bytes = data.decode("utf-8")
            except UnicodeDecodeError:
                frame = data
            if not await self._send(connection, frame):
                return _error_response(410, "Gone", "GoneException")
            return web.Response(status=200, content_type="application/json")
        if request.method == "GET":
            return web.json_response(
                {
                    "connectedAt": iso_timestamp(connection.facts.connected_at),
                    "identity": {
                        "sourceIp": connection.facts.source_ip,
                        "userAgent": connection.user_agent,
                    },
                    "lastActiveAt": iso_timestamp(connection.last_active_at),
                }
            )
        self._request_close(connection, CLOSE_NORMAL, "")
        return web.Response(status=204)

    # --- HTTP API (payload format 2.0) ----------------------------------------------------

    def _authorizer(self, auth: HttpAuth) -> JwtAuthorizer:
        identity = self.identity
        return JwtAuthorizer(
            issuer=lambda: identity.issuer,
            audiences=frozenset({auth.audience}),
            jwks=identity.jwks,
        )

    async def _handle_http(
        self, request: web.Request, prefix: str, function: LambdaFunction
    ) -> web.StreamResponse:
        base = prefix.rstrip("/")
        proxy = request.path[len(base) + 1 :] if request.path.startswith(base + "/") else ""
        request_id = new_aws_id()
        exact = self.routes is not None and request.path in self.routes.webhooks
        if not proxy and not exact:
            # "ANY /api/{proxy+}" needs at least one segment after the prefix.
            return _error_response(404, "Not Found", request_id=request_id)
        auth = self.routes.http_auth.get(prefix) if self.routes is not None else None
        claims: dict[str, str] | None = None
        if auth is not None and request.path not in auth.public_paths:
            authorization = request.headers.get("Authorization")
            if not (auth.dev_token_passes and _not_a_jwt(authorization)):
                try:
                    claims = self._authorizer(auth).claims(authorization)
                except Unauthorized as exc:
                    logger.info("%s %s: JWT refused (%s)", request.method, request.path, exc)
                    return _unauthorized(request_id)
        body = await request.read()
        source_ip = request.remote or "127.0.0.1"
        raw_path = request.rel_url.raw_path
        event = http_api_event(
            method=request.method,
            raw_path=raw_path,
            raw_query=request.rel_url.raw_query_string,
            query=list(request.query.items()),
            headers=_request_headers(request, source_ip),
            body=body,
            source_ip=source_ip,
            domain_name=request.host,
            api=self.config.http_api,
            route_key=f"POST {base}" if exact else f"ANY {base}/{{proxy+}}",
            path_parameters=None if exact else {"proxy": proxy},
            request_id=request_id,
            now_ms=epoch_ms(),
            protocol=f"HTTP/{request.version.major}.{request.version.minor}",
        )
        if claims is not None:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        try:
            result = http_api_response(await self.invoker.invoke(function, event))
        except InvocationError as exc:
            if exc.integration_timeout:
                return _error_response(503, "Service Unavailable", request_id=request_id)
            return _error_response(500, "Internal Server Error", request_id=request_id)
        except MalformedResponse as exc:
            logger.error("%s: unusable answer: %s", function.name, exc)
            return _error_response(500, "Internal Server Error", request_id=request_id)
        response = web.Response(status=result.status, body=result.body)
        for name, value in result.headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                response.headers.add(name, value)
        response.headers["apigw-requestid"] = request_id
        return response


def _not_a_jwt(authorization: str | None) -> bool:
    token = (authorization or "").strip().split(" ")[-1]
    return token.count(".") != 2


def _unauthorized(request_id: str) -> web.Response:
    """API Gateway's answer when its JWT authorizer refuses a request."""
    return web.json_response(
        {"message": "Unauthorized"},
        status=401,
        headers={"www-authenticate": 'Bearer error="invalid_token"', "apigw-requestid": request_id},
    )


class FrameLimitGuard:
    """Wraps aiohttp's WebSocket parser to apply API Gateway's limits per frame.

    aiohttp only limits whole messages; API Gateway also closes the connection (1009
    "Message too big") on any single frame over 32 KB. The guard follows the frame headers
    in the raw byte stream, drops an offending frame (and every data frame after it) and
    reports the violation; control frames still pass, so the closing handshake completes.
    """

    def __init__(
        self,
        inner: Any,
        *,
        frame_limit: int,
        message_limit: int,
        on_violation: Callable[[], None],
    ) -> None:
        self._inner = inner
        self._frame_limit = frame_limit
        self._message_limit = message_limit
        self._on_violation = on_violation
        self._header = bytearray()
        self._remaining = 0
        self._forward = True
        self._message_size = 0
        self._violated = False

    def feed_eof(self) -> None:
        self._inner.feed_eof()

    def feed_data(self, data: bytes) -> Any:
        out = bytearray()
        dropped = False
        position, size = 0, len(data)
        while position < size:
            if self._remaining:
                take = min(self._remaining, size - position)
                if self._forward:
                    out += data[position : position + take]
                else:
                    dropped = True
                self._remaining -= take
                position += take
                continue
            self._header.append(data[position])
            position += 1
            header_size = _frame_header_size(self._header)
            if header_size is None or len(self._header) < header_size:
                continue
            fin, opcode, length = _parse_frame_header(self._header)
            self._forward = self._admit(fin, opcode, length)
            if self._forward:
                out += self._header
            else:
                dropped = True
            self._header.clear()
            self._remaining = length
        if not dropped:
            return self._inner.feed_data(data)
        if out:
            return self._inner.feed_data(bytes(out))
        return False, b""

    def _admit(self, fin: bool, opcode: int, length: int) -> bool:
        if opcode >= 0x8:  # close, ping, pong
            return True
        if self._violated:
            return False
        if opcode in (0x1, 0x2):  # first frame of a text/binary message
            self._message_size = 0
        self._message_size += length
        if length > self._frame_limit or self._message_size > self._message_limit:
            self._violated = True
            self._on_violation()
            return False
        if fin:
            self._message_size = 0
        return True


def _frame_header_size(header: bytearray) -> int | None:
    if len(header) < 2:
        return None
    length_flag = header[1] & 0x7F
    extended = 2 if length_flag == 126 else 8 if length_flag == 127 else 0
    return 2 + extended + (4 if header[1] & 0x80 else 0)


def _parse_frame_header(header: bytearray) -> tuple[bool, int, int]:
    fin = bool(header[0] & 0x80)
    opcode = header[0] & 0x0F
    length = header[1] & 0x7F
    if length == 126:
        length = int.from_bytes(header[2:4], "big")
    elif length == 127:
        length = int.from_bytes(header[2:10], "big")
    return fin, opcode, length


def _client_close(msg: Any) -> tuple[int, str]:
    """Close code and reason for `$disconnect` when the gateway did not initiate the close."""
    if msg.type is WSMsgType.CLOSE:
        code = int(msg.data or 0)
        if code == 0:
            return 1005, "Client-side close frame status not set"
        return code, str(msg.extra or "")
    if msg.type is WSMsgType.ERROR and isinstance(msg.data, WebSocketError):
        return int(msg.data.code), str(msg.data)
    return 1006, "Connection closed abnormally"


async def _close_quietly(ws: web.WebSocketResponse, code: int, reason: str) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
        await ws.close(code=code, message=reason.encode("utf-8"))


def _request_headers(request: web.Request, source_ip: str) -> list[tuple[str, str]]:
    """Request headers in arrival order and original case, plus what API Gateway adds."""
    headers = [
        (name.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
        for name, value in request.raw_headers
    ]
    trace = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    host_port = request.host.rsplit(":", 1)[-1] if ":" in request.host else "80"
    headers += [
        ("X-Amzn-Trace-Id", trace),
        ("X-Forwarded-For", source_ip),
        ("X-Forwarded-Port", host_port),
        ("X-Forwarded-Proto", request.scheme),
    ]
    return headers


def _error_response(
    status: int,
    message: str | None,
    error_type: str | None = None,
    *,
    request_id: str | None = None,
) -> web.Response:
    """API Gateway's own error answers: JSON {"message": ...}, typed for the AWS SDKs."""
    response = web.Response(
        status=status,
        body=gateway_error_body(message) if message is not None else b'{"message":null}',
        content_type="application/json",
    )
    if error_type is not None:
        response.headers["x-amzn-ErrorType"] = error_type
    if request_id is not None:
        response.headers["apigw-requestid"] = request_id
    return response
