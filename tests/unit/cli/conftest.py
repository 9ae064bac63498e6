"""The CLI against the real operator API (in-memory dependencies) served over HTTP on a free
port by wsgiref, through the payload-v2 WSGI shim."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from csms_cli.cli import main
from tests.unit.api.apiclient import DEV_TOKEN
from tests.unit.api.world import World, make_world
from tests.unit.api.wsgi_shim import WsgiShim


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Cli:
    world: World
    url: str

    def __call__(self, *argv: str, token: str = DEV_TOKEN) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--url", self.url, "--token", token, *argv], out=out, err=err)
        return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli() -> Iterator[Cli]:
    world = make_world()
    server = make_server("127.0.0.1", 0, WsgiShim(world.client.api), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Cli(world, f"http://127.0.0.1:{server.server_port}/api")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
