"""The operator API and its command-line client against the local platform: real HTTP through
the gateway, real WebSockets, the DynamoDB adapters on moto and the management API."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

import pytest

from csms_cli.cli import main as cli
from csms_cli.client import ApiError, Client
from simulator import SimulatedCharger
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e


def new_id() -> str:
    return f"OPS-{uuid.uuid4().hex[:10]}"


def api(platform) -> Client:
    return Client(platform.http_url, "dev-operator-token", timeout_s=30)


def cli_run(platform, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli(["--url", platform.http_url, *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_openapi_is_public_and_the_rest_needs_a_token(platform) -> None:
    document = Client(platform.http_url, None).get("/openapi.json")
    assert "/api/sessions" in document["paths"]
    with pytest.raises(ApiError) as denied:
        Client(platform.http_url, None).get("/chargers")
    assert denied.value.status == 401


def test_register_connect_inspect_and_command_a_charger(platform) -> None:
    cp_id = new_id()
    client = api(platform)
    created = client.request(
        "POST", "/chargers", body={"chargePointId": cp_id, "generatePassword": True}
    )
    password = created["password"]

    async def scenario() -> dict[str, Any]:
        async with SimulatedCharger(platform.ws_url, cp_id, password=password) as cp:
            await cp.boot()

            async def accept_reset(charger: Any, payload: dict[str, Any]) -> dict[str, Any]:
                return {"status": "Accepted"}

            cp.handlers.register("Reset", accept_reset)
            shown = await asyncio.to_thread(client.get, f"/chargers/{cp_id}")
            command = await asyncio.to_thread(
                client.request, "POST", f"/chargers/{cp_id}/commands/Reset", None, {"type": "Soft"}
            )
            code, out, err = await asyncio.to_thread(cli_run, platform, "reset", cp_id, "--hard")
            return {"shown": shown, "command": command, "cli": (code, out, err)}

    result = run(scenario(), timeout=60)
    shown = result["shown"]
    assert shown["online"] is True
    assert shown["protocol"] == "ocpp1.6"
    assert shown["connection"]["state"] == "live"
    assert shown["connection"]["lastActiveAt"]
    assert result["command"]["status"] == "answered"
    assert result["command"]["result"] == {"status": "Accepted"}
    code, out, err = result["cli"]
    assert code == 0, err
    assert "Reset -> answered" in out


def test_cli_manages_id_tags_and_reads_sessions_and_energy(platform) -> None:
    cp_id, tag = new_id(), new_id()
    assert cli_run(platform, "chargers", "register", cp_id)[0] == 0
    assert cli_run(platform, "id-tags", "put", tag, "--status", "Blocked")[0] == 0
    code, out, _ = cli_run(platform, "id-tags", "get", tag)
    assert code == 0 and "Blocked" in out
    code, out, _ = cli_run(platform, "sessions", "list", "--id-tag", tag)
    assert (code, out.strip()) == (0, "(none)")
    # The network's newest sessions: the local tables carry the ByStartDay index too.
    code, _, err = cli_run(platform, "sessions", "list", "--limit", "5")
    assert code == 0, err
    code, out, _ = cli_run(platform, "energy", cp_id)
    assert code == 0 and "total: 0 Wh" in out
    code, _, err = cli_run(platform, "remote-start", cp_id, "--id-tag", tag)
    assert code == 2 and "protocol is unknown" in err  # never connected: protocol unknown
    assert cli_run(platform, "chargers", "delete", cp_id)[0] == 0
    code, _, err = cli_run(platform, "chargers", "get", cp_id)
    assert code == 1 and "404 NotFound" in err
