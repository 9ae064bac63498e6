"""The banner of `python -m local`: where everything is and how to point the tools at it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from local.__main__ import banner, parse_args, settings_from_args
from local.settings import LocalSettings
from local.state import StateDir


def _platform(port: int, *, state: StateDir | None = None, fresh: bool = False) -> Any:
    base = f"http://127.0.0.1:{port}"
    return SimpleNamespace(
        settings=LocalSettings(port=port, fresh=fresh),
        ws_url=f"ws://127.0.0.1:{port}/ocpp",
        http_url=f"{base}/api",
        driver_url=f"{base}/driver",
        identity_url=f"{base}/local-idp",
        stripe=None,
        management_endpoint=f"{base}/local",
        moto_endpoint="http://127.0.0.1:4566",
        state=state,
        receipt_email=None,
        delivery=SimpleNamespace(describe=lambda: []),
        state_machines={},
    )


def test_with_another_port_the_banner_prints_commands_for_that_port():
    text = banner(_platform(9090))
    assert "python -m csms_cli --url http://127.0.0.1:9090/api chargers list" in text
    # The CLI's --url goes before its command (it is not an option of the subcommands).
    assert "python -m csms_cli --url http://127.0.0.1:9090/api drivers token" in text
    assert "python -m simulator --url ws://127.0.0.1:9090/ocpp" in text
    assert "CSMS_API_URL" in text
    assert "http://127.0.0.1:9090/api/docs" in text
    assert "http://127.0.0.1:9090/driver/docs" in text
    assert "8080" not in text


def test_on_the_default_port_the_commands_need_no_url():
    text = banner(_platform(8080))
    assert "python -m csms_cli chargers list" in text
    assert "python -m csms_cli drivers token" in text


def test_the_banner_says_where_the_data_is_kept_and_how_to_start_fresh(tmp_path):
    text = banner(_platform(8080, state=StateDir(tmp_path)))
    assert f"kept data         : {tmp_path}; --fresh starts empty" in text
    assert "(started fresh)" in banner(_platform(8080, state=StateDir(tmp_path), fresh=True))
    assert "nothing is kept" in banner(_platform(8080))


@pytest.mark.parametrize(
    ("argv", "kept"),
    [
        ([], True),
        (["--state-dir", "kept/elsewhere"], True),
        (["--store", "memory"], False),
    ],
)
def test_python_m_local_keeps_its_data_by_default_with_the_moto_store(argv, kept, monkeypatch):
    monkeypatch.delenv("LOCAL_STATE_DIR", raising=False)
    monkeypatch.delenv("LOCAL_STORE", raising=False)
    settings = settings_from_args(parse_args(argv))
    assert (settings.state_dir is not None) is kept
    if "--state-dir" in argv:
        assert settings.state_dir == "kept/elsewhere"
    elif kept:
        assert Path(str(settings.state_dir)).parts[-2:] == (".local", "state")
    assert not settings.fresh
    assert settings_from_args(parse_args([*argv, "--fresh"])).fresh


def test_the_banner_shows_the_console_and_how_to_sign_in(tmp_path):
    built = tmp_path / "dist"
    built.mkdir()
    (built / "index.html").write_text("<!DOCTYPE html>")
    platform = _platform(9090)
    platform.settings = LocalSettings(
        port=9090, console_dir=str(built), operator_email="ops@example.com"
    )
    text = banner(platform)
    assert "Operator console  : http://127.0.0.1:9090/console/\n" in text
    assert "ops@example.com / dev-operator" in text
    assert "Continue as the development operator" in text


def test_the_banner_says_when_the_console_is_not_built(tmp_path):
    platform = _platform(8080)
    platform.settings = LocalSettings(console_dir=str(tmp_path / "nowhere"))
    text = banner(platform)
    assert f"/console/ (not built in {tmp_path / 'nowhere'}: run `make console`)" in text


def test_the_console_folder_is_a_flag_and_an_environment_variable(monkeypatch):
    monkeypatch.setenv("LOCAL_CONSOLE_DIR", "from/env")
    assert settings_from_args(parse_args([])).console_dir == "from/env"
    assert settings_from_args(parse_args(["--console-dir", "flag"])).console_dir == "flag"
