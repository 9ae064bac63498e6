"""The Lambda dependencies layer is built once per requirements hash and platform, then reused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra import bundling
from infra.bundling import PipLayerBundler, dependencies_hash
from infra.layer_cache import LayerBuildError, cached_build, layer_build_failure

pytestmark = pytest.mark.infrastructure


class FakeBuilder:
    """Writes one file per build and counts the builds."""

    def __init__(self) -> None:
        self.builds = 0

    def __call__(self, target: Path) -> None:
        self.builds += 1
        (target / "powertools.py").write_text(f"build {self.builds}")


def test_a_cached_layer_is_reused_while_the_key_matches(tmp_path):
    builder = FakeBuilder()
    first = cached_build(tmp_path, "hash-a", builder)
    again = cached_build(tmp_path, "hash-a", builder)
    assert builder.builds == 1
    assert again == first
    assert (again / "powertools.py").read_text() == "build 1"


def test_a_new_key_builds_a_new_layer(tmp_path):
    builder = FakeBuilder()
    cached_build(tmp_path, "hash-a", builder)
    rebuilt = cached_build(tmp_path, "hash-b", builder)
    assert builder.builds == 2
    assert (rebuilt / "powertools.py").read_text() == "build 2"


def test_a_failed_build_leaves_nothing_that_passes_for_a_layer(tmp_path):
    def failing(target: Path) -> None:
        (target / "half.py").write_text("")
        raise LayerBuildError("offline")

    with pytest.raises(LayerBuildError):
        cached_build(tmp_path, "hash-a", failing)
    assert list(tmp_path.iterdir()) == []
    builder = FakeBuilder()
    cached_build(tmp_path, "hash-a", builder)
    assert builder.builds == 1


def test_the_key_follows_the_requirements_and_the_target_platform(tmp_path, monkeypatch):
    requirements = tmp_path / "lambda.txt"
    requirements.write_text("ocpp==2.1.0\n")
    before = dependencies_hash(requirements)
    monkeypatch.setattr(bundling, "LAMBDA_PLATFORM", "manylinux2014_x86_64")
    assert dependencies_hash(requirements) != before


@pytest.fixture
def requirements(tmp_path: Path) -> Path:
    path = tmp_path / "lambda.txt"
    path.write_text("aws-lambda-powertools==3.0.0\n")
    return path


def test_the_bundler_copies_the_cached_layer_and_runs_pip_once(requirements, tmp_path, monkeypatch):
    runs: list[list[str]] = []

    def fake_pip(command: list[str], **_kw: object) -> subprocess.CompletedProcess[str]:
        runs.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "aws_lambda_powertools").mkdir(parents=True)
        (target / "bin").mkdir()
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_pip)
    bundler = PipLayerBundler(requirements, cache_root=tmp_path / "cache")
    for asset in ("asset-1", "asset-2"):
        assert bundler.try_bundle(str(tmp_path / asset)) is True
        assert (tmp_path / asset / "python" / "aws_lambda_powertools").is_dir()
        assert not (tmp_path / asset / "python" / "bin").exists()
    assert len(runs) == 1


def test_pip_failing_offline_gives_one_line_that_says_what_is_needed(
    requirements, tmp_path, monkeypatch
):
    stderr = (
        "WARNING: Retrying (Retry(total=4...)) after connection broken by NewConnectionError\n"
        "ERROR: Could not find a version that satisfies the requirement "
        "aws-lambda-powertools==3.0.0 (from versions: none)\n"
        "ERROR: No matching distribution found for aws-lambda-powertools==3.0.0\n"
    )
    monkeypatch.setattr(
        subprocess,
        "run",
        lambda command, **_kw: subprocess.CompletedProcess(command, 1, "", stderr),
    )
    cache = tmp_path / "cache"
    with pytest.raises(LayerBuildError) as raised:
        PipLayerBundler(requirements, cache_root=cache).try_bundle(str(tmp_path / "asset"))
    message = str(raised.value)
    assert "\n" not in message
    assert "needs the package index" in message
    assert message.endswith("No matching distribution found for aws-lambda-powertools==3.0.0")
    assert list(cache.iterdir()) == []
    # As jsii relays it: wrapped in CDK's own words, on several lines.
    relayed = f"Error: Failed to bundle asset Csms/Package/Dependencies: {message}\n    at x (y.js)"
    assert layer_build_failure(relayed) == message
    assert layer_build_failure("Error: something else") is None
