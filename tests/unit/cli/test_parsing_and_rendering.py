"""Argument parsing, payload building per protocol, and table rendering (no HTTP)."""

from __future__ import annotations

import io

import pytest

from csms_cli import ocpp
from csms_cli.cli import build_parser, main
from csms_cli.client import DEFAULT_URL, LOCAL_DEV_TOKEN
from csms_cli.tables import fields, table


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_defaults_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("CSMS_API_URL", raising=False)
    monkeypatch.delenv("CSMS_TOKEN", raising=False)
    args = build_parser().parse_args(["chargers", "list"])
    assert (args.url, args.token) == (DEFAULT_URL, LOCAL_DEV_TOKEN)
    monkeypatch.setenv("CSMS_API_URL", "https://ops.example.com/api")
    monkeypatch.setenv("CSMS_TOKEN", "jwt")
    args = build_parser().parse_args(["chargers", "list"])
    assert (args.url, args.token) == ("https://ops.example.com/api", "jwt")
    args = build_parser().parse_args(["--url", "http://x/api", "--token", "t", "chargers", "list"])
    assert (args.url, args.token) == ("http://x/api", "t")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["chargers"],
        ["chargers", "explode"],
        ["local-list", "CP"],  # --full or --ids required
        ["local-list", "CP", "--full", "--ids", "A"],
        ["chargers", "update", "CP", "--password", "x" * 16, "--clear-password"],
        ["reserve", "CP", "--connector", "1", "--id-tag", "T"],  # --minutes missing
        ["unlock", "CP", "--connector", "-1"],
        ["cancel-reservation", "CP", "not-a-number"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys) -> None:
    assert main(argv) == 2


def test_help_exits_0(capsys) -> None:
    assert main(["--help"]) == 0
    assert "remote-start" in capsys.readouterr().out


def test_a_payload_that_is_not_a_json_object_is_a_usage_error() -> None:
    code, _, err = run_main("command", "CP", "Reset", "--payload", "{type: Soft}")
    assert code == 2 and "--payload is not JSON" in err
    code, _, err = run_main("command", "CP", "Reset", "--payload", "[1]")
    assert code == 2 and "JSON object" in err


def test_remote_start_and_stop_per_protocol() -> None:
    assert ocpp.remote_start("ocpp1.6", "TAG", 2) == (
        "RemoteStartTransaction",
        {"idTag": "TAG", "connectorId": 2},
    )
    action, payload = ocpp.remote_start("ocpp2.0.1", "TAG", 2)
    assert action == "RequestStartTransaction"
    assert payload["idToken"] == {"idToken": "TAG", "type": "ISO14443"}
    assert payload["evseId"] == 2
    assert 1 <= payload["remoteStartId"] < 2**31
    assert "evseId" not in ocpp.remote_start("ocpp2.0.1", "TAG", None)[1]
    assert ocpp.remote_stop("ocpp1.6", "42") == ("RemoteStopTransaction", {"transactionId": 42})
    assert ocpp.remote_stop("ocpp2.0.1", "tx-1") == (
        "RequestStopTransaction",
        {"transactionId": "tx-1"},
    )
    with pytest.raises(ocpp.UsageError):
        ocpp.remote_stop("ocpp1.6", "tx-1")


def test_reset_unlock_and_trigger_per_protocol() -> None:
    assert ocpp.reset("ocpp1.6", hard=True) == ("Reset", {"type": "Hard"})
    assert ocpp.reset("ocpp1.6", hard=False) == ("Reset", {"type": "Soft"})
    assert ocpp.reset("ocpp2.0.1", hard=True) == ("Reset", {"type": "Immediate"})
    assert ocpp.reset("ocpp2.0.1", hard=False) == ("Reset", {"type": "OnIdle"})
    assert ocpp.unlock("ocpp1.6", 2, None) == ("UnlockConnector", {"connectorId": 2})
    assert ocpp.unlock("ocpp2.0.1", 2, None) == ("UnlockConnector", {"evseId": 2, "connectorId": 1})
    assert ocpp.unlock("ocpp2.0.1", 2, 3) == ("UnlockConnector", {"evseId": 3, "connectorId": 2})
    assert ocpp.trigger("ocpp1.6", "StatusNotification", 1) == (
        "TriggerMessage",
        {"requestedMessage": "StatusNotification", "connectorId": 1},
    )
    assert ocpp.trigger("ocpp2.0.1", "StatusNotification", 1) == (
        "TriggerMessage",
        {"requestedMessage": "StatusNotification", "evse": {"id": 1}},
    )


def test_configuration_per_protocol() -> None:
    assert ocpp.get_config("ocpp1.6", []) == ("GetConfiguration", {})
    assert ocpp.get_config("ocpp1.6", ["A", "B"]) == ("GetConfiguration", {"key": ["A", "B"]})
    assert ocpp.get_config("ocpp2.0.1", ["OCPPCommCtrlr.HeartbeatInterval"]) == (
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
            ]
        },
    )
    assert ocpp.set_config("ocpp1.6", "HeartbeatInterval", "300") == (
        "ChangeConfiguration",
        {"key": "HeartbeatInterval", "value": "300"},
    )
    assert ocpp.set_config("ocpp2.0.1", "OCPPCommCtrlr.HeartbeatInterval", "300")[1] == {
        "setVariableData": [
            {
                "attributeValue": "300",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            }
        ]
    }
    for bad in (
        lambda: ocpp.get_config("ocpp2.0.1", []),
        lambda: ocpp.set_config("ocpp2.0.1", "NoDot", "1"),
    ):
        with pytest.raises(ocpp.UsageError):
            bad()
    with pytest.raises(ocpp.UsageError, match="protocol is unknown"):
        ocpp.reset(None, hard=False)


def test_tables_align_columns_and_show_missing_values() -> None:
    rendered = table(
        [
            {"id": "CP-1", "online": True, "vendor": None},
            {"id": "CHARGER-LONG", "online": False, "vendor": "Acme"},
        ],
        [("ID", "id"), ("ONLINE", "online"), ("VENDOR", "vendor")],
    )
    assert rendered.splitlines() == [
        "ID            ONLINE  VENDOR",
        "CP-1          yes     -",
        "CHARGER-LONG  no      Acme",
    ]
    assert fields({"a": 1, "bb": None}, [("A", "a"), ("Long label", "bb")]).splitlines() == [
        "A:           1",
        "Long label:  -",
    ]
