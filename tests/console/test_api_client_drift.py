"""The console's API client is generated, never hand-written: console/openapi.json must be what
the operator API publishes, and console/src/api/schema.d.ts what openapi-typescript makes of it.
Both fail with the command that regenerates them (`make console-api`)."""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from devtools import dump_openapi
from shared.api.operator import OperatorApi
from tests.fakes import memory_services

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
DOCUMENT = CONSOLE / "openapi.json"
TYPES = CONSOLE / "src" / "api" / "schema.d.ts"
GENERATOR = CONSOLE / "node_modules" / ".bin" / "openapi-typescript"
FIX = "run `make console-api` and commit console/openapi.json and console/src/api/schema.d.ts"


def first_difference(expected: str, actual: str, limit: int = 20) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(), actual.splitlines(), "committed", "generated", lineterm="", n=1
    )
    return "\n".join(list(lines)[:limit])


def test_the_dump_is_the_document_the_api_serves() -> None:
    served = OperatorApi(memory_services()).openapi
    assert dump_openapi.document("operator") == served
    assert json.loads(dump_openapi.render("operator")) == served


def test_the_dump_refuses_an_unknown_api(capsys: pytest.CaptureFixture[str]) -> None:
    assert dump_openapi.main(["billing"]) == 2
    assert "usage: python -m devtools.dump_openapi {operator|driver}" in capsys.readouterr().err


def test_the_committed_document_matches_the_operator_api() -> None:
    committed = DOCUMENT.read_text()
    current = dump_openapi.render("operator")
    assert committed == current, (
        f"console/openapi.json differs from the operator API: {FIX}\n"
        + first_difference(committed, current)
    )


def generated_types(document: Path, out: Path) -> str:
    if not GENERATOR.exists() or shutil.which("node") is None:
        pytest.skip("console/node_modules is not installed (cd console && npm ci)")
    subprocess.run(
        [str(GENERATOR), str(document), "--output", str(out)],
        cwd=CONSOLE,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out.read_text()


def test_the_committed_types_are_generated_from_the_api(tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    document.write_text(dump_openapi.render("operator"))
    current = generated_types(document, tmp_path / "schema.d.ts")
    committed = TYPES.read_text()
    assert committed == current, (
        f"console/src/api/schema.d.ts differs from the operator API's types: {FIX}\n"
        + first_difference(committed, current)
    )


def test_a_changed_document_changes_the_generated_types(tmp_path: Path) -> None:
    # The check above can fail: a route the committed types do not know yields other types.
    changed = json.loads(dump_openapi.render("operator"))
    changed["paths"]["/api/console-drift-probe"] = changed["paths"]["/api/health"]
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(changed, indent=2))
    current = generated_types(document, tmp_path / "schema.d.ts")
    assert '"/api/console-drift-probe"' in current
    assert current != TYPES.read_text()
