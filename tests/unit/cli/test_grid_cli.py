"""`sites grid show`, `sites grid schedule ...` and `sites grid sources ...` against the
operator API (docs/adr/0052)."""

from __future__ import annotations

import json

import pytest

from tests.unit.api.test_grid_api import EVENING, SOURCES_BODY
from tests.unit.cli.conftest import Cli
from tests.unit.load_management.examples import DEPOT, depot_location


@pytest.fixture
def files(cli: Cli, tmp_path):
    assert cli.world.deps.locations.save(depot_location(), None).saved
    schedule = tmp_path / "schedule.json"
    schedule.write_text(json.dumps(EVENING))
    sources = tmp_path / "sources.json"
    sources.write_text(json.dumps(SOURCES_BODY))
    return schedule, sources


def test_schedule_put_show_round_trip_and_grid_show(cli: Cli, files, tmp_path) -> None:
    schedule, _ = files
    code, out, err = cli("sites", "grid", "schedule", "put", DEPOT, str(schedule))
    assert code == 0, err
    assert "Europe/Berlin" in out and "30/31/32" in out and "2030-12-25" in out
    code, out, _ = cli("--json", "sites", "grid", "schedule", "show", DEPOT)
    shown = tmp_path / "shown.json"
    shown.write_text(out)
    code, _, err = cli("sites", "grid", "schedule", "put", DEPOT, str(shown))
    assert code == 0, err
    code, out, err = cli("sites", "grid", "show", DEPOT)
    assert code == 0, err
    assert "Limit now:" in out and "schedule" in out and "(no prices)" in out
    code, out, _ = cli("sites", "grid", "schedule", "delete", DEPOT)
    assert code == 0 and "deleted" in out


def test_a_schedule_that_cannot_be_names_where(cli: Cli, files) -> None:
    schedule, _ = files
    schedule.write_text(json.dumps({"timeZone": "Nowhere/Land", "windows": []}))
    code, _, err = cli("sites", "grid", "schedule", "put", DEPOT, str(schedule))
    assert code == 1 and "422 InvalidSchedule" in err and "body.timeZone" in err


def test_sources_put_show_delete(cli: Cli, files) -> None:
    _, sources = files
    code, out, err = cli("sites", "grid", "sources", "put", DEPOT, str(sources))
    assert code == 0, err
    assert "secret csms/grid/depot-ven" in out and "10YNL----------L" in out
    code, out, _ = cli("sites", "grid", "sources", "delete", DEPOT)
    assert code == 0
    code, _, err = cli("sites", "grid", "sources", "show", DEPOT)
    assert code == 1 and "404" in err


def test_an_unreadable_file_is_a_usage_error(cli: Cli, files) -> None:
    schedule, _ = files
    schedule.write_text("[]")
    code, _, err = cli("sites", "grid", "schedule", "put", DEPOT, str(schedule))
    assert code == 2 and "JSON object" in err
