"""An embedded moto server (DynamoDB, EventBridge, ...) in this process, on its own thread."""

from __future__ import annotations

import json
import logging
import socket
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

from local.ports import bind_error

logger = logging.getLogger("local.moto")

# An answer given instead of moto's: status, headers, body.
WsgiAnswer = tuple[int, list[tuple[str, str]], bytes]
# Looks at a request first: answers it (WsgiAnswer), or lets moto answer (None); it may
# rewrite the request's environ (its body included) before moto sees it.
Interceptor = Callable[[dict[str, Any]], WsgiAnswer | None]

_REASONS = {200: "OK", 202: "Accepted", 204: "No Content", 400: "Bad Request", 404: "Not Found"}

DEFAULT_MOTO_PORT = 4566


class _SerializedApp:
    """Runs one DynamoDB request at a time through moto.

    moto's DynamoDB backend is not thread-safe: concurrent handler threads corrupted its state
    ("dictionary changed size during iteration" in TransactWriteItems) and could interleave
    inside a conditional write. DynamoDB applies each request atomically; so does this. Other
    services stay concurrent (an SQS long poll must not block the rest).
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()
        # What the local platform serves itself on moto's endpoint (local/lambda_service.py,
        # local/step_functions.py): the same for the socket and the in-process transport.
        self.interceptors: list[Interceptor] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        for interceptor in tuple(self.interceptors):
            answer = interceptor(environ)
            if answer is not None:
                status, headers, body = answer
                headers = [*headers, ("Content-Length", str(len(body)))]
                start_response(f"{status} {_REASONS.get(status, 'Unknown')}", headers)
                return [body]
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
            return list(self._app(environ, start_response))
        with self._lock:
            return list(self._app(environ, start_response))


def _serialized_app() -> _SerializedApp:
    from moto.moto_server.werkzeug_app import (  # ~1 s of imports: only when started
        DomainDispatcherApplication,
        create_backend_app,
    )

    class CachingDispatcher(DomainDispatcherApplication):
        """moto's dispatcher, remembering which service answers a host.

        To find the service, moto lists its own package directory (one stat() per service
        module, ~180) on every request, under a process-wide lock. Each of those system
        calls gives up the interpreter lock, and under load getting it back waits for the
        busy threads: PutEvents took up to a second with a few hundred chargers connected.
        The answer for a host never changes.
        """

        def __init__(self, create_app: Any) -> None:
            super().__init__(create_app)
            self._backend_by_host: dict[str | None, Any] = {}

        def get_backend_for_host(self, host: str | None) -> Any:
            try:
                return self._backend_by_host[host]
            except KeyError:
                backend = super().get_backend_for_host(host)
                self._backend_by_host[host] = backend
                return backend

    return _SerializedApp(CachingDispatcher(create_backend_app))


def _listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound here so that a taken port fails in the caller's thread.

    Bound inside moto's thread, werkzeug prints the error and exits that thread only, and
    ThreadedMotoServer.start() then waits forever for a server that never comes up.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise bind_error("moto port", host, port, exc, "--moto-port") from exc
    return sock


def _serialized_server(sock: socket.socket, app: _SerializedApp) -> Any:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    class SerializedMotoServer(ThreadedMotoServer):
        # ThreadedMotoServer's own entry point, serving the given (wrapped) application.
        def _server_entry(self) -> None:
            self._server = make_server(
                self._ip_address,
                self._port,
                app,
                True,
                request_handler=MotoRequestHandler,
                fd=sock.fileno(),
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    host, port = sock.getsockname()[:2]
    return SerializedMotoServer(ip_address=host, port=port, verbose=False)


class MotoServer:
    """moto's ThreadedMotoServer with a known endpoint and a clean stop.

    `port=0` binds a free port (tests). moto's backends are process-global, so every
    client in this process, in-process `mock_aws` included, shares the same state;
    `reset()` empties it.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_MOTO_PORT) -> None:
        self._host = host
        self._requested_port = port
        self._server: Any = None
        self._port: int | None = None
        self.app: _SerializedApp | None = None

    def start(self) -> None:
        # Per-request logs from werkzeug would drown everything else.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        sock = _listening_socket(self._host, self._requested_port)
        try:
            self.app = _serialized_app()
            server = _serialized_server(sock, self.app)
            server.start()
        finally:
            sock.close()  # werkzeug serves a duplicate of it
        self._server = server
        self._port = int(server.get_host_and_port()[1])
        logger.info("moto listening on %s", self.endpoint)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        # ThreadedMotoServer.stop() leaves the listening socket open; close it too.
        wsgi_server = getattr(server, "_server", None)
        if wsgi_server is not None:
            wsgi_server.server_close()

    def reset(self) -> None:
        """Forget every resource moto holds (all services, all accounts)."""
        self._post("/moto-api/reset", b"")

    def configure(self, config: dict[str, Any]) -> None:
        """POST /moto-api/config, e.g. {"stepfunctions": {"execute_state_machine": True}}."""
        self._post("/moto-api/config", json.dumps(config).encode("utf-8"))

    def _post(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(  # noqa: S310  (fixed http:// URL on loopback)
            self.endpoint + path, data=body, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("moto server not started")
        return self._port

    @property
    def endpoint(self) -> str:
        return f"http://{self._host}:{self.port}"

    def __enter__(self) -> MotoServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
