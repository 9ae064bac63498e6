import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import build_parser, config_from_args, main
from tests.unit.simulator.scripted_csms import ScriptedCsms, async_test


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
