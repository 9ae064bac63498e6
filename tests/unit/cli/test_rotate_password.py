"""`chargers rotate-password`: the outcome said, the password never printed."""

from __future__ import annotations

import json
from dataclasses import replace

from shared.access.passwords import hash_password
from tests.unit.cli.conftest import Cli

ACCEPTED = {
    "setVariableResult": [
        {
            "attributeStatus": "Accepted",
            "component": {"name": "SecurityCtrlr"},
            "variable": {"name": "BasicAuthPassword"},
        }
    ]
}


def with_password(cli: Cli, protocol: str = "ocpp2.0.1") -> None:
    record = cli.world.online_charger("CS-1", protocol=protocol)
    cli.world.deps.chargers.records["CS-1"] = replace(
        record, password_hash=hash_password("o" * 8 + "ld-Pass-123")
    )


def test_rotate_password_accepted(cli: Cli) -> None:
    with_password(cli)
    cli.world.reply(ACCEPTED)
    code, out, _ = cli("chargers", "rotate-password", "CS-1")
    assert code == 0, out
    assert "SetVariables -> answered" in out and "password changed" in out
    password = cli.world.sent_calls()[-1][3]["setVariableData"][0]["attributeValue"]
    assert password not in out


def test_rotate_password_refused_and_json(cli: Cli) -> None:
    with_password(cli, "ocpp1.6")
    cli.world.reply({"status": "Rejected"})
    code, out, _ = cli("--json", "chargers", "rotate-password", "CS-1")
    assert code == 3
    body = json.loads(out)
    assert body["passwordChanged"] is False
    assert body["command"]["request"]["value"] == "[redacted]"


def test_rotate_password_without_a_password_is_an_api_error(cli: Cli) -> None:
    cli.world.online_charger("CS-2")
    code, _, err = cli("chargers", "rotate-password", "CS-2")
    assert code != 0 and "(409 NoPassword)" in err
