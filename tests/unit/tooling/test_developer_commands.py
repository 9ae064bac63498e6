"""The commands the README gives are the ones CI runs, parallel, and with a pinned CDK CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text()


def _set_up_block() -> str:
    section = README.split("## Set up", 1)[1]
    return section.split("```sh", 1)[1].split("```", 1)[0]


def _make_dry_run(*args: str) -> str:
    return subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_ci_runs_the_test_command_the_readme_gives():
    assert "make test" in _set_up_block()
    ci = (ROOT / ".ci/run").read_text().splitlines()
    assert "make test" in ci


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_test_runs_the_suite_on_every_core():
    pytest_line = next(line for line in _make_dry_run("test").splitlines() if "pytest" in line)
    assert " -n auto" in pytest_line
    serial = _make_dry_run("test", "PYTEST_WORKERS=0", "PYTEST_ARGS=tests/unit")
    assert re.search(r"pytest -n 0 +tests/unit", serial)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_deploy_runs_the_pinned_cli_not_a_download():
    deploy = _make_dry_run("deploy", "ARGS=-c alarmEmail=ops@example.com")
    assert "node_modules/.bin/cdk deploy -c alarmEmail=ops@example.com" in deploy
    assert "npx" not in deploy
    assert "npx aws-cdk" not in README


def test_the_cdk_cli_is_pinned_exactly_and_locked_without_registry_urls():
    package = json.loads((ROOT / "package.json").read_text())
    version = package["devDependencies"]["aws-cdk"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/aws-cdk"]["version"] == version
    assert "omit-lockfile-registry-resolved=true" in (ROOT / ".npmrc").read_text().splitlines()
    for name in ("package.json", "package-lock.json", ".npmrc"):
        assert "://" not in (ROOT / name).read_text(), name


def test_the_readme_asks_for_the_node_versions_package_json_names():
    engines = json.loads((ROOT / "package.json").read_text())["engines"]["node"]
    majors = re.findall(r"\^(\d+)\.", engines)
    assert majors == ["22", "24"]
    assert f"Node {majors[0]} or {majors[1]} for CDK" in README
    assert "Node 20 for CDK" not in README
