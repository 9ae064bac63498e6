"""The whole platform in-process: moto, resources, environment, gateway; and `python -m local`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp
import boto3

from infra.catalog import TABLES
from local.gateway import RouteTable
from local.platform import LocalPlatform
from local.settings import LocalSettings

from .helpers import run

REPO = Path(__file__).resolve().parents[3]


def pushing_default(event, context):
    """A $default that reaches the client through @connections, as CSMS-initiated calls do."""
    connection_id = event["requestContext"]["connectionId"]
    # No endpoint_url: AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI must route it to the gateway.
    implicit = boto3.client("apigatewaymanagementapi")
    implicit.post_to_connection(ConnectionId=connection_id, Data=b"pushed-implicit")
    explicit = boto3.client(
        "apigatewaymanagementapi", endpoint_url=os.environ["WS_MANAGEMENT_ENDPOINT"]
    )
    explicit.post_to_connection(ConnectionId=connection_id, Data=b"pushed-explicit")
    return {"statusCode": 200, "body": "route-response"}


def test_platform_wires_moto_resources_environment_and_gateway():
    before_endpoint = os.environ.get("AWS_ENDPOINT_URL")
    routes = RouteTable.from_handlers({"$default": pushing_default})

    async def scenario():
        platform = LocalPlatform(LocalSettings(port=0, moto_port=0), routes=routes)
        async with platform:
            assert os.environ["AWS_ENDPOINT_URL"] == platform.moto_endpoint
            assert os.environ["WS_MANAGEMENT_ENDPOINT"] == platform.management_endpoint
            assert platform.management_endpoint != platform.moto_endpoint
            assert os.environ["UNKNOWN_CHARGERS"] == "accept"
            tables = await asyncio.to_thread(
                lambda: boto3.client("dynamodb").list_tables()["TableNames"]
            )
            async with aiohttp.ClientSession() as http:
                async with http.ws_connect(f"{platform.ws_url}/CP-1") as ws:
                    await ws.send_str("hello")
                    received = {await ws.receive_str(timeout=10) for _ in range(3)}
        return platform, tables, received

    platform, tables, received = run(scenario)
    assert {table.local_name for table in TABLES} <= set(tables)
    assert received == {"pushed-implicit", "pushed-explicit", "route-response"}
    # Stopped cleanly: environment restored, no worker or server thread left, port closed.
    assert os.environ.get("AWS_ENDPOINT_URL") == before_endpoint
    assert not [t for t in threading.enumerate() if t.name.startswith("lambda")]
    moto_port = int(platform.moto_endpoint.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", moto_port)) != 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_python_m_local_starts_and_stops_cleanly_on_sigint(tmp_path):
    port = _free_port()
    state_dir = tmp_path / "state"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local",
            "--port",
            str(port),
            "--moto-port",
            "0",
            "--no-demo",
            "--state-dir",
            str(state_dir),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = []
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        banner = "".join(output)
        assert f"ws://127.0.0.1:{port}/ocpp/{{chargePointId}}" in banner, banner
        assert "Bearer dev-operator-token" in banner
        assert f"python -m csms_cli --url http://127.0.0.1:{port}/api chargers list" in banner
        assert f"python -m simulator --url ws://127.0.0.1:{port}/ocpp" in banner
        assert f"kept data         : {state_dir}; --fresh starts empty" in banner
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        # Stopping kept the retained tables' items (none yet: one file per table).
        assert (state_dir / "dynamodb" / "csms-chargers.json").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
