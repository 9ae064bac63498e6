"""The CLI end to end against the operator API over HTTP: output, errors, exit codes."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

from tests.unit.cli.conftest import Cli


def test_register_list_get_update_delete(cli: Cli) -> None:
    code, out, _ = cli("chargers", "register", "CP-A", "--generate-password")
    assert code == 0
    assert "Password (shown once, store it now):" in out
    cli.world.online_charger("CP-B")
    code, out, _ = cli("chargers", "list")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == [
        "CHARGER",
        "REGISTRATION",
        "ONLINE",
        "PROTOCOL",
        "VENDOR",
        "MODEL",
        "FIRMWARE",
        "LAST",
        "BOOT",
    ]
    assert lines[1].split()[:3] == ["CP-A", "Accepted", "no"]
    assert lines[2].split()[:5] == ["CP-B", "Accepted", "yes", "ocpp1.6", "Acme"]
    assert lines[0].index("ONLINE") == lines[1].index("no") == lines[2].index("yes")
    code, out, _ = cli("chargers", "list", "--limit", "1")
    assert "more: --cursor " in out
    cursor = out.split("more: --cursor ")[1].strip()
    assert "CP-B" in cli("chargers", "list", "--limit", "1", "--cursor", cursor)[1]
    code, out, _ = cli("chargers", "list", "--online")
    assert "CP-B" in out and "CP-A" not in out
    code, out, _ = cli("chargers", "get", "CP-B")
    assert code == 0
    assert "Last active:" in out and "2030-01-01T11:59:00.000Z" in out
    code, out, _ = cli("chargers", "update", "CP-A", "--status", "Rejected", "--clear-password")
    assert code == 0 and "Rejected" in out
    assert cli.world.deps.chargers.get("CP-A").password_hash is None
    assert cli("chargers", "update", "CP-A")[0] == 2  # nothing to change
    assert cli("chargers", "delete", "CP-A")[0] == 0
    assert cli.world.deps.chargers.get("CP-A") is None


def test_json_output_is_the_api_body(cli: Cli) -> None:
    cli("chargers", "register", "CP-J")
    code, out, _ = cli("--json", "chargers", "get", "CP-J")
    assert code == 0
    assert json.loads(out)["chargePointId"] == "CP-J"


def test_api_errors_are_explained_and_exit_1(cli: Cli) -> None:
    code, _, err = cli("chargers", "get", "NOPE")
    assert code == 1
    assert err.strip() == "error: charger 'NOPE' is not registered (404 NotFound)"
    code, _, err = cli("chargers", "register", "CP-X", "--password", "short")
    assert code == 1
    assert "(400 ValidationError)" in err
    assert "body.password: Value error, a charger password has 16 to 40 characters" in err
    code, _, err = cli("chargers", "list", token="wrong")
    assert code == 1 and "(401 Unauthorized)" in err
    code, out, _ = cli("--json", "chargers", "get", "NOPE")
    assert code == 1 and json.loads(out)["error"]["code"] == "NotFound"


def test_an_unreachable_api_exits_1(cli: Cli) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    code, _, err = Cli(cli.world, f"http://127.0.0.1:{port}/api")("chargers", "list")
    assert code == 1 and "cannot reach" in err


def test_id_tags_commands(cli: Cli) -> None:
    code, out, _ = cli(
        "id-tags", "put", "TAG-1", "--status", "Blocked", "--expiry", "2031-01-01T00:00:00Z"
    )
    assert code == 0 and "Blocked" in out
    assert "TAG-1" in cli("id-tags", "list")[1]
    assert "2031-01-01T00:00:00.000Z" in cli("id-tags", "get", "TAG-1")[1]
    assert cli("id-tags", "delete", "TAG-1")[0] == 0
    assert cli("id-tags", "get", "TAG-1")[0] == 1


def test_sessions_and_energy(cli: Cli) -> None:
    code, out, _ = cli("sessions", "list", "--charger", "CP-1")
    assert (code, out.strip()) == (0, "(none)")
    cli("chargers", "register", "CP-E")
    cli.world.ledger.totals[("CP-E", "2030-01-01")] = (1234, 2)
    code, out, _ = cli("energy", "CP-E", "--from", "2029-12-25", "--to", "2030-01-01")
    assert code == 0
    assert "2030-01-01  1234       2" in out
    assert "total: 1234 Wh in 2 session(s)" in out


def test_shortcuts_use_the_charger_protocol(cli: Cli) -> None:
    cli.world.online_charger("CP-16")
    cli.world.reply({"status": "Accepted"})
    code, out, _ = cli("reset", "CP-16", "--hard")
    assert code == 0
    assert out.startswith("Reset -> answered")
    assert cli.world.sent_calls()[-1][2:] == ["Reset", {"type": "Hard"}]

    cli.world.online_charger("CP-201", protocol="ocpp2.0.1", connection_id="conn-2")
    cli.world.reply({"status": "Accepted"})
    assert cli("remote-start", "CP-201", "--id-tag", "TAG", "--connector", "1")[0] == 0
    action, payload = cli.world.sent_calls()[-1][2:]
    assert action == "RequestStartTransaction"
    assert payload["idToken"] == {"idToken": "TAG", "type": "ISO14443"}
    assert payload["evseId"] == 1

    code, out, _ = cli(
        "get-config", "CP-201", "--key", "OCPPCommCtrlr.HeartbeatInterval", "--no-wait"
    )
    assert code == 0 and "GetVariables -> pending" in out


def test_a_refused_command_exits_3_an_unanswered_one_1(cli: Cli) -> None:
    cli.world.online_charger("CP-1")
    cli.world.reply(("NotSupported", "no"))
    code, out, _ = cli("command", "CP-1", "ClearCache")
    assert code == 3 and "ClearCache -> error" in out and "NotSupported: no" in out
    code, _, err = cli("command", "CP-1", "ClearCache", "--timeout", "2")
    assert code == 1
    assert "(504 ChargerTimeout)" in err
    assert "chargers command-status CP-1" in err
    code, _, err = cli("command", "CP-1", "Reset", "--payload", '{"type": "Sideways"}')
    assert code == 1 and "body.type:" in err


def test_local_list_and_reservations(cli: Cli) -> None:
    cli.world.online_charger("CP-1")
    cli("id-tags", "put", "A")
    cli.world.reply({"status": "Accepted"})
    code, out, _ = cli("local-list", "CP-1", "--ids", "A, B")
    assert code == 0 and "SendLocalList -> answered" in out
    assert cli.world.sent_calls()[-1][3]["updateType"] == "Differential"
    cli.world.clock.now = datetime.now(UTC)  # the CLI computes the expiry from the real time
    cli.world.reply({"status": "Accepted"})
    code, out, _ = cli("reserve", "CP-1", "--connector", "1", "--id-tag", "A", "--minutes", "30")
    assert code == 0, out
    assert "Status:" in out and "accepted" in out
    reservation_id = next(iter(cli.world.deps.reservations.records))[1]
    cli.world.reply({"status": "Accepted"})
    code, out, _ = cli("cancel-reservation", "CP-1", str(reservation_id))
    assert code == 0 and "cancelled" in out


def test_cost_profiles_list_and_apply(cli: Cli) -> None:
    code, out, _ = cli("cost-profiles", "list")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split()[:3] == ["PROFILE", "METER", "VALUES"]
    lean = next(line for line in lines if line.startswith("lean"))
    assert lean.split() == ["lean", "120", "s", "Energy.Active.Import.Register", "off", "570", "s"]
    code, out, _ = cli("cost-profiles", "list", "-v")
    assert "1.6   ChangeConfiguration MeterValueSampleInterval = 120" in out
    assert "2.0.1 SetVariables SampledDataCtrlr.TxUpdatedInterval = 120" in out

    cli.world.online_charger("CP-1")
    cli.world.online_charger("CS-2", protocol="ocpp2.0.1", connection_id="conn-2")
    code, out, _ = cli("cost-profiles", "apply", "lean", "--chargers", "CP-1,CS-2")
    assert code == 0
    assert "lean: sent to 2, refused by 0" in out
    assert [call[2] for call in cli.world.sent_calls()] == ["ChangeConfiguration", "SetVariables"]


def test_cost_profiles_apply_exits_1_when_a_charger_refused(cli: Cli) -> None:
    cli.world.online_charger("CP-1")
    code, out, _ = cli("cost-profiles", "apply", "standard", "--chargers", "CP-1,NOPE")
    assert code == 1
    assert "sent to 1, refused by 1" in out
    assert "NotFound: charger 'NOPE' is not registered" in out
    code, out, _ = cli("--json", "cost-profiles", "apply", "lean", "--online")
    assert code == 1  # CP-1 is still answering the first profile
    assert json.loads(out)["chargers"][0]["refusal"]["code"] == "CommandInFlight"
    code, _, err = cli("cost-profiles", "apply", "cheap", "--chargers", "CP-1")
    assert code == 1 and "(404 NotFound)" in err
    code, _, err = cli("cost-profiles", "apply", "lean", "--status", "Pending")
    assert code == 1 and "(422 EmptyGroup)" in err
    assert cli("cost-profiles", "apply", "lean")[0] == 2
    assert cli("cost-profiles", "apply", "lean", "--chargers", "A", "--status", "Pending")[0] == 2


def test_charger_details_show_the_applied_cost_profile(cli: Cli) -> None:
    cli.world.online_charger("CP-1")
    cli.world.deps.chargers.record_cost_profile("CP-1", "lean", "2030-01-01T12:00:00.000Z")
    code, out, _ = cli("chargers", "get", "CP-1")
    assert code == 0
    assert "lean" in out and "2030-01-01T12:00:00.000Z" in out


def test_charger_details_show_firmware_and_diagnostics_status(cli: Cli) -> None:
    cli.world.online_charger("CP-1")
    chargers = cli.world.deps.chargers
    chargers.record_status_report("CP-1", "firmware", "Installing", "2030-01-01T12:01:00.000Z")
    chargers.record_status_report("CP-1", "diagnostics", "Uploaded", "2030-01-01T12:02:00.000Z")
    code, out, _ = cli("chargers", "get", "CP-1")
    assert code == 0
    shown = dict(line.split(":", 1) for line in out.splitlines() if ":  " in line)
    assert shown["Firmware status"].strip() == "Installing"
    assert shown["Firmware status at"].strip() == "2030-01-01T12:01:00.000Z"
    assert shown["Diagnostics status"].strip() == "Uploaded"
    assert shown["Diagnostics at"].strip() == "2030-01-01T12:02:00.000Z"
