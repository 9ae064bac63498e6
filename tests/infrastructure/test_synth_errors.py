"""`make synth` (python app.py) ends a settings or packaging mistake with one line, not a trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app import failure_line
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


def test_other_errors_are_left_to_their_traceback():
    assert failure_line(RuntimeError("Error: Cannot find module")) is None
    assert failure_line(KeyError("bug")) is None


def test_a_malformed_cdk_json_is_a_settings_error(tmp_path):
    path = tmp_path / "cdk.json"
    path.write_text('{"context": {"stageName": "prod",}}')
    with pytest.raises(SettingsError, match=r"cdk.json is not valid JSON"):
        cdk_json_context(path)


def test_python_app_py_with_a_bad_context_value_prints_one_line_and_fails(tmp_path):
    # CDK_CONTEXT_JSON is how the CDK CLI hands `-c key=value` to the app.
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({"logRetentionDays": "a month"}),
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "synth failed: invalid setting (cdk.json context or `-c key=value`): "
        "logRetentionDays must be an integer, got 'a month'"
    ]
