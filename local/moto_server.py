"""An embedded moto server (DynamoDB, EventBridge, ...) in this process, on its own thread."""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

logger = logging.getLogger("local.moto")

DEFAULT_MOTO_PORT = 4566


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

    def start(self) -> None:
        from moto.server import ThreadedMotoServer  # ~1 s of imports: only when started

        # Per-request logs from werkzeug would drown everything else.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address=self._host, port=self._requested_port, verbose=False)
        server.start()
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
