"""The local platform keeps its retained tables between runs (local/state.py), like a dev
database; `fresh` forgets them; transient tables start empty."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from csms_cli.client import ApiError, Client
from local.platform import LocalPlatform
from local.settings import LocalSettings
from local.state import StateDir

from .helpers import run

TOKEN = "dev-operator-token"


def _settings(state_dir: str, *, fresh: bool = False) -> LocalSettings:
    return LocalSettings(port=0, moto_port=0, state_dir=state_dir, fresh=fresh)


async def _with_platform(settings: LocalSettings, work: Callable[[Client], Any]) -> Any:
    async with LocalPlatform(settings) as platform:
        return await asyncio.to_thread(work, Client(platform.http_url, TOKEN, timeout_s=30))


def _create(api: Client) -> None:
    api.request("POST", "/chargers", body={"chargePointId": "KEPT-CP"})
    api.request("PUT", "/id-tags/KEPT-TAG", body={"status": "Blocked"})


def _found(api: Client) -> tuple[str | None, str | None]:
    """The kept charger's id and the kept tag's status (None: not found)."""

    def get(path: str, field: str) -> str | None:
        try:
            return str(api.request("GET", path)[field])
        except ApiError as exc:
            if exc.status != 404:
                raise
            return None

    return get("/chargers/KEPT-CP", "chargePointId"), get("/id-tags/KEPT-TAG", "status")


def test_chargers_and_id_tags_survive_a_restart_and_fresh_forgets_them(tmp_path):
    state_dir = str(tmp_path / "state")
    run(lambda: _with_platform(_settings(state_dir), _create), timeout=120)
    saved = json.loads((tmp_path / "state/dynamodb/csms-chargers.json").read_text())
    assert [item["chargePointId"]["S"] for item in saved["items"]] == ["KEPT-CP"]

    # moto is reset at every start: what comes back was read from the folder.
    kept = run(lambda: _with_platform(_settings(state_dir), _found), timeout=120)
    assert kept == ("KEPT-CP", "Blocked")

    fresh = run(lambda: _with_platform(_settings(state_dir, fresh=True), _found), timeout=120)
    assert fresh == (None, None)
    # ...and the fresh run's own (empty) data is what the next run finds.
    assert run(lambda: _with_platform(_settings(state_dir), _found), timeout=120) == (None, None)


def test_transient_tables_are_not_kept():
    kept = {table.local_name for table in StateDir(Path("unused")).tables}
    assert "csms-chargers" in kept
    assert "csms-id-tags" in kept
    assert "csms-connections" not in kept
    assert "csms-commands" not in kept


def test_a_damaged_file_leaves_that_table_empty_and_the_platform_starts(tmp_path, caplog):
    state_dir = tmp_path / "state"
    (state_dir / "dynamodb").mkdir(parents=True)
    (state_dir / "dynamodb/csms-chargers.json").write_text("{not json")
    found = run(lambda: _with_platform(_settings(str(state_dir)), _found), timeout=120)
    assert found == (None, None)
    assert any("csms-chargers.json not loaded" in r.getMessage() for r in caplog.records)


def test_kept_data_needs_the_moto_store(tmp_path):
    from shared.config import ConfigError

    with pytest.raises(ConfigError, match="needs the moto store"):
        LocalSettings(store="memory", state_dir=str(tmp_path))
