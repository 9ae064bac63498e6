import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import build_parser, config_from_args, main
from tests.unit.simulator.scripted_csms import ScriptedCsms, TransactionResponder, async_test


def test_help_explains_the_flags(capsys):
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    for flag in (
        "--url",
        "--chargers",
        "--protocol",
        "--duration",
        "--heartbeat-interval",
        "--id-prefix",
        "--connectors",
        "--password",
        "--ramp-up",
        "--query-id",
        "--json",
        "--sessions",
        "--sessions-per-hour",
        "--session-duration",
        "--meter-interval",
        "--id-tag",
        "--id-tag-template",
        "--power-kw",
        "--drop-every",
        "--offline-for",
        "--replay-duplicates",
    ):
        assert flag in text


def test_arguments_map_onto_the_fleet_config():
    args = build_parser().parse_args(
        [
            "--chargers",
            "10",
            "--protocol",
            "ocpp2.0.1",
            "--duration",
            "0",
            "--heartbeat-interval",
            "auto",
            "--boot-retry-interval",
            "2.5",
            "--query-id",
            "--password",
            "pw",
        ]
    )
    config = config_from_args(args)
    assert config.chargers == 10
    assert config.protocol == "ocpp2.0.1"
    assert config.duration_s is None
    assert config.heartbeat_interval_s is None
    assert config.boot_retry_interval_s == 2.5
    assert config.query_id
    assert config.password == "pw"
    assert config.url == "ws://127.0.0.1:8080/ocpp"


@pytest.mark.parametrize(
    "argv",
    [
        ["--heartbeat-interval", "0"],
        ["--chargers", "0"],
        ["--protocol", "ocpp2.1"],
        ["--password", "a", "--password-template", "b"],
        ["--url", "http://x"],
    ],
)
def test_bad_arguments_exit_with_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


@async_test
async def test_json_summary_and_zero_exit_when_all_went_well(capsys):
    async with ScriptedCsms() as csms:
        argv = [
            "--url",
            csms.url,
            "-n",
            "2",
            "--duration",
            "0.4",
            "--heartbeat-interval",
            "0.1",
            "--quiet",
            "--json",
        ]
        code = await asyncio.to_thread(main, argv)
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["accepted"] == 2
    assert summary["errors"] == {}
    assert set(summary["round_trip"]) == {"count", "p50_ms", "p95_ms", "p99_ms", "max_ms"}


@async_test
async def test_text_summary_and_nonzero_exit_on_errors(capsys):
    async with ScriptedCsms(refuse_status=401) as csms:
        argv = ["--url", csms.url, "--duration", "0.3", "--quiet"]
        code = await asyncio.to_thread(main, argv)
    out = capsys.readouterr().out
    assert code == 1
    assert "handshake_refused.401" in out
    assert "round trip" in out


def test_the_simulator_never_imports_aws_libraries():
    # It runs on laptops and CI runners against any CSMS; boto3/moto are not its business.
    check = (
        "import sys, simulator, simulator.cli; "
        "assert not {'boto3', 'botocore', 'moto'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", check], check=True, cwd=Path(__file__).parents[3])


def test_session_and_offline_flags_map_onto_the_fleet_config():
    args = build_parser().parse_args(
        [
            "--sessions",
            "3",
            "--session-duration",
            "20",
            "--meter-interval",
            "5",
            "--id-tag",
            "A",
            "--id-tag",
            "B",
            "--authorize-share",
            "0.5",
            "--power-kw",
            "150",
            "--time-scale",
            "60",
            "--drop-every",
            "30",
            "--offline-for",
            "4",
            "--replay-duplicates",
        ]
    )
    config = config_from_args(args)
    plan = config.session_plan
    assert plan is not None
    assert (plan.sessions, plan.sessions_per_hour, plan.duration_s, plan.meter_interval_s) == (
        3,
        None,
        20,
        5,
    )
    assert (plan.id_tags, plan.authorize_share) == (("A", "B"), 0.5)
    assert (config.power_kw, config.time_scale) == (150, 60)
    assert (config.drop_every_s, config.offline_s, config.replay_duplicates) == (30, 4, 1)
    no_sessions = config_from_args(build_parser().parse_args([]))
    assert no_sessions.session_plan is None
    assert no_sessions.replay_duplicates == 0
    template = config_from_args(
        build_parser().parse_args(["--sessions-per-hour", "2", "--id-tag-template", "T{index}"])
    )
    assert template.session_plan is not None
    assert template.session_plan.id_tag_template == "T{index}"
    assert template.session_plan.sessions is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--sessions", "0"],
        ["--authorize-share", "1.5"],
        ["--replay-duplicates", "-1"],
        ["--id-tag", "A", "--id-tag-template", "B"],
        ["--sessions", "1", "--id-tag-template", "{unknown}"],
    ],
)
def test_bad_session_arguments_exit_with_usage_error(argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


@async_test
async def test_a_run_with_sessions_reports_them(capsys):
    async with ScriptedCsms(responder=TransactionResponder()) as csms:
        base = ["--url", csms.url, "--quiet", "--sessions", "1", "--session-duration", "0.1"]
        base += ["--meter-interval", "0.05", "--duration", "5"]
        text_code = await asyncio.to_thread(main, base)
        text = capsys.readouterr().out
        json_code = await asyncio.to_thread(main, [*base, "--json"])
        summary = json.loads(capsys.readouterr().out)
    assert text_code == json_code == 0
    assert "sessions     started 1, completed 1, failed 0" in text
    assert "transactions started 1, stopped 1 (acknowledged)" in text
    assert summary["sessions"]["sessions_completed"] == 1
    assert summary["sessions"]["transactions_stopped"] == 1


@async_test
async def test_a_run_whose_every_session_is_refused_fails_and_says_why(capsys):
    responder = TransactionResponder(invalid_tags={"NOBODY"})
    async with ScriptedCsms(responder=responder) as csms:
        base = ["--url", csms.url, "--quiet", "--sessions", "2", "--session-duration", "0.1"]
        base += ["--meter-interval", "0.05", "--duration", "5", "--id-tag", "NOBODY"]
        text_code = await asyncio.to_thread(main, base)
        text = capsys.readouterr().out
        json_code = await asyncio.to_thread(main, [*base, "--json"])
        summary = json.loads(capsys.readouterr().out)
    assert text_code == json_code == 1
    assert "errors       none" in text
    assert "refused      sessions by status: Invalid 2" in text
    assert "  result       FAILED" in text
    assert (
        "  - 2 sessions refused with status Invalid: id tag unknown"
        " — create it with `python -m csms_cli id-tags put TAG`"
    ) in text
    assert summary["sessions"]["refused"] == {"Invalid": 2}


@async_test
async def test_some_refused_sessions_beside_completed_ones_still_pass(capsys):
    responder = TransactionResponder(invalid_tags={"NOBODY"})
    async with ScriptedCsms(responder=responder) as csms:
        argv = ["--url", csms.url, "--quiet", "--sessions", "2", "--session-duration", "0.1"]
        argv += ["--meter-interval", "0.05", "--duration", "5", "--json"]
        argv += ["--id-tag", "NOBODY", "--id-tag", "GOOD"]
        code = await asyncio.to_thread(main, argv)
    summary = json.loads(capsys.readouterr().out)
    assert summary["sessions"]["refused"] == {"Invalid": 1}
    assert summary["sessions"]["sessions_completed"] == 1
    assert code == 0


def test_a_run_against_nothing_names_the_endpoint_and_the_fix(capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more: every connect is refused.
    code = main(["--url", f"ws://127.0.0.1:{port}/ocpp", "--duration", "0.3", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert "ssl:default" not in out
    assert (
        f"  - connect_failed 1: cannot connect to ws://127.0.0.1:{port}/ocpp/SIM-00001:"
        " connection refused — is the platform running? (`make run`)"
    ) in out
