"""What the charger answered, as output and exit codes: 3 when it refused, 1 when it did not
answer, a configuration read as a table, and a validation error said once."""

from __future__ import annotations

import json

import pytest

from tests.unit.cli.conftest import Cli


@pytest.mark.parametrize(
    ("argv", "answer"),
    [
        (["reset", "CP-1"], {"status": "Rejected"}),
        (["trigger", "CP-1", "StatusNotification"], {"status": "NotImplemented"}),
        (["reset", "CP-1"], ("NotSupported", "no")),
    ],
    ids=["Rejected", "NotImplemented", "CALLERROR"],
)
def test_a_refused_command_exits_3(cli: Cli, argv: list[str], answer) -> None:
    cli.world.online_charger("CP-1")
    cli.world.reply(answer)
    code, out, _ = cli(*argv)
    assert code == 3, out
    cli.world.reply(answer)
    code, out, _ = cli("--json", *argv)
    assert code == 3 and json.loads(out)["chargePointId"] == "CP-1"


@pytest.mark.parametrize(
    ("argv", "answer"),
    [
        (["unlock", "CP-1", "--connector", "1"], {"status": "Unlocked"}),
        (["set-config", "CP-1", "HeartbeatInterval", "300"], {"status": "RebootRequired"}),
        (["reset", "CP-1"], {"status": "Accepted"}),
    ],
)
def test_a_done_command_exits_0(cli: Cli, argv: list[str], answer) -> None:
    cli.world.online_charger("CP-1")
    cli.world.reply(answer)
    assert cli(*argv)[0] == 0


def test_a_rejected_variable_of_set_variables_exits_3(cli: Cli) -> None:
    cli.world.online_charger("CS-1", protocol="ocpp2.0.1")
    cli.world.reply(
        {
            "setVariableResult": [
                {
                    "attributeStatus": "Rejected",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                }
            ]
        }
    )
    assert cli("set-config", "CS-1", "OCPPCommCtrlr.HeartbeatInterval", "5")[0] == 3


def test_an_unanswered_command_exits_1_and_an_unsent_one_0(cli: Cli) -> None:
    cli.world.online_charger("CP-1")
    code, _, err = cli("command", "CP-1", "ClearCache", "--timeout", "2")
    assert code == 1 and "(504 ChargerTimeout)" in err
    cli.world.online_charger("CP-2", connection_id="conn-2")
    assert cli("reset", "CP-2", "--no-wait")[0] == 0


def test_get_config_prints_a_table_and_the_unknown_keys(cli: Cli) -> None:
    cli.world.online_charger("CP-1")
    cli.world.reply(
        {
            "configurationKey": [
                {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
                {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
                {"key": "AuthorizationKey", "readonly": False},
            ],
            "unknownKey": ["Nope", "Other"],
        }
    )
    code, out, _ = cli("get-config", "CP-1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("GetConfiguration -> answered")
    assert [line.split() for line in lines[1:5]] == [
        ["KEY", "VALUE", "READONLY"],
        ["HeartbeatInterval", "300", "no"],
        ["NumberOfConnectors", "2", "yes"],
        ["AuthorizationKey", "-", "no"],
    ]
    assert "unknown: Nope, Other" in out
    assert "{" not in out  # no raw JSON


def test_get_config_of_a_201_charger_lists_unknown_variables(cli: Cli) -> None:
    cli.world.online_charger("CS-1", protocol="ocpp2.0.1")
    cli.world.reply(
        {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "attributeValue": "300",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
                {
                    "attributeStatus": "UnknownVariable",
                    "component": {"name": "OCPPCommCtrlr", "evse": {"id": 1}},
                    "variable": {"name": "Nope"},
                },
            ]
        }
    )
    code, out, _ = cli(
        "get-config",
        "CS-1",
        "--key",
        "OCPPCommCtrlr.HeartbeatInterval",
        "--key",
        "OCPPCommCtrlr.Nope",
    )
    assert code == 0
    assert out.splitlines()[2].split() == ["OCPPCommCtrlr.HeartbeatInterval", "300", "-"]
    assert "unknown: OCPPCommCtrlr.Nope (evse 1) (UnknownVariable)" in out


def test_a_validation_error_is_said_once(cli: Cli) -> None:
    cli.world.online_charger("CP-1")
    code, _, err = cli("command", "CP-1", "Reset", "--payload", '{"type": "Sideways"}')
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: body.type: ") and lines[0].endswith("(400 InvalidCommand)")
