"""`make synth` (python app.py) ends a settings or packaging mistake with one line, not a trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app import failure_line
from infra.console_hosting import ConsoleNotBuilt, console_dist
from infra.layer_cache import LayerBuildError
from infra.stack_settings import PROJECT_ROOT, SettingsError, cdk_json_context

pytestmark = pytest.mark.infrastructure


def test_a_bad_setting_is_one_line_naming_the_key():
    line = failure_line(SettingsError("logRetentionDays must be an integer, got 'x'"))
    assert line == (
        "invalid setting (cdk.json context or `-c key=value`): "
        "logRetentionDays must be an integer, got 'x'"
    )


def test_a_layer_build_failure_relayed_by_jsii_is_one_line():
    error = RuntimeError(f"Error: Failed to bundle asset: {LayerBuildError('offline')}\n  at z")
    assert failure_line(error) == "Lambda dependencies layer: offline"


def test_a_missing_console_build_is_one_line_saying_what_to_run(tmp_path):
    with pytest.raises(ConsoleNotBuilt) as raised:
        console_dist(tmp_path / "dist")
    assert failure_line(raised.value) == (
        f"the operator console is not built ({tmp_path / 'dist' / 'index.html'} is missing): "
        "run `make console`, or deploy without it (-c operatorConsole=false)"
    )
    # An index.html alone (a build stopped half-way) is not a build either.
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<!doctype html>")
    with pytest.raises(ConsoleNotBuilt, match=r"dist/assets is missing\): run `make console`"):
        console_dist(tmp_path / "dist")
    (tmp_path / "dist" / "assets").mkdir()
    assert console_dist(tmp_path / "dist") == tmp_path / "dist"


def test_other_errors_are_left_to_their_traceback():
    assert failure_line(RuntimeError("Error: Cannot find module")) is None
    assert failure_line(KeyError("bug")) is None


def test_a_malformed_cdk_json_is_a_settings_error(tmp_path):
    path = tmp_path / "cdk.json"
    path.write_text('{"context": {"stageName": "prod",}}')
    with pytest.raises(SettingsError, match=r"cdk.json is not valid JSON"):
        cdk_json_context(path)


def _app_py(tmp_path, context: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # CDK_CONTEXT_JSON is how the CDK CLI hands `-c key=value` to the app.
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_python_app_py_with_a_bad_context_value_prints_one_line_and_fails(tmp_path):
    result = _app_py(tmp_path, {"logRetentionDays": "a month"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "synth failed: invalid setting (cdk.json context or `-c key=value`): "
        "logRetentionDays must be an integer, got 'a month'"
    ]


def test_python_app_py_without_the_console_build_prints_one_line_and_fails(tmp_path):
    missing = tmp_path / "console" / "dist"
    result = _app_py(tmp_path, {"consoleDist": str(missing)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"synth failed: the operator console is not built ({missing / 'index.html'} is "
        "missing): run `make console`, or deploy without it (-c operatorConsole=false)"
    ]
