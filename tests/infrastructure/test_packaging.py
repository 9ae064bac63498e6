"""What ships to Lambda: only shared/ and functions/ code, and the pinned runtime dependencies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.bundling import (
    CODE_FOLDERS,
    NOT_SHIPPED,
    CopyCodeBundler,
    code_files,
    code_hash,
    dependencies_hash,
    pip_install_command,
)
from infra.stack_settings import PROJECT_ROOT

pytestmark = pytest.mark.infrastructure

NEVER_SHIPPED = {
    "boto3",
    "botocore",
    "aws-cdk-lib",
    "constructs",
    "jsii",
    "moto",
    "pytest",
    "cdk-nag",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for relative in [
        "shared/__init__.py",
        "shared/ocpp/framing.py",
        "shared/ocpp/__pycache__/framing.cpython-311.pyc",
        "shared/stale.pyc",
        "shared/adapters/memory/chargers.py",
        "shared/adapters/memory_notes.py",
        "functions/ws_default/handler.py",
        "functions/ws_default/tests/test_handler.py",
        "tests/unit/test_x.py",
        "infra/stack.py",
        "app.py",
    ]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(relative)
    return tmp_path


def test_code_asset_holds_only_shared_and_functions_sources(project):
    assert [p.as_posix() for p in code_files(project)] == [
        "functions/ws_default/handler.py",
        "shared/__init__.py",
        "shared/adapters/memory_notes.py",
        "shared/ocpp/framing.py",
    ]


def test_code_bundler_copies_exactly_the_listed_files(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("asset")
    assert CopyCodeBundler(project, code_files(project)).try_bundle(str(out), object()) is True
    copied = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert copied == [p.as_posix() for p in code_files(project)]
    assert (out / "shared/ocpp/framing.py").read_text() == "shared/ocpp/framing.py"


def test_code_hash_changes_with_any_shipped_file_and_only_then(project):
    before = code_hash(project, code_files(project))
    (project / "tests/unit/test_x.py").write_text("changed")
    (project / "shared/ocpp/__pycache__/framing.cpython-311.pyc").write_text("changed")
    assert code_hash(project, code_files(project)) == before
    (project / "shared/ocpp/framing.py").write_text("changed")
    assert code_hash(project, code_files(project)) != before


def test_the_real_code_asset_is_drawn_from_the_code_folders_only():
    assert all(path.parts[0] in CODE_FOLDERS for path in code_files(PROJECT_ROOT))


def test_the_in_memory_adapters_stay_out_of_the_lambda_package():
    shipped = {path.as_posix() for path in code_files(PROJECT_ROOT)}
    assert "shared/adapters/dynamodb/chargers.py" in shipped
    assert (PROJECT_ROOT / "shared/adapters/memory/chargers.py").is_file()
    assert not [name for name in shipped if name.startswith("shared/adapters/memory/")]
    assert all(Path(folder).parts[:2] == ("shared", "adapters") for folder in NOT_SHIPPED)


def test_dependencies_are_arm64_cpython_313_wheels_without_bytecode():
    command = pip_install_command(Path("requirements/lambda.txt"), Path("out/python"))
    joined = " ".join(command)
    assert "--platform manylinux2014_aarch64" in joined
    assert "--implementation cp" in joined
    assert "--python-version 3.13" in joined
    assert "--only-binary=:all:" in command
    assert "--no-compile" in command
    assert command[-2:] == ["-r", "requirements/lambda.txt"]


def test_layer_requirements_ship_no_sdk_cdk_or_test_tooling():
    lines = (PROJECT_ROOT / "requirements/lambda.txt").read_text().splitlines()
    pinned = {
        re.split(r"[=<>\[ ;]", line, maxsplit=1)[0].lower()
        for line in lines
        if line and not line.startswith((" ", "#", "-"))
    }
    assert pinned, "no pinned requirement found"
    assert not pinned & NEVER_SHIPPED


def test_dependencies_hash_follows_the_requirements(tmp_path):
    requirements = tmp_path / "lambda.txt"
    requirements.write_text("ocpp==2.1.0\n")
    before = dependencies_hash(requirements)
    requirements.write_text("ocpp==2.1.1\n")
    assert dependencies_hash(requirements) != before
