"""`sites electrical show|put|delete` and `sites allocation` against the operator API."""

from __future__ import annotations

import json

import pytest

from shared.load_management.sites import SiteLoads
from shared.smart_charging.allocator import allocate
from shared.smart_charging.site import EvseLive
from tests.unit.api.world import START
from tests.unit.cli.conftest import Cli
from tests.unit.load_management.examples import DEPOT, depot_location, depot_model


@pytest.fixture
def depot(cli: Cli, tmp_path):
    assert cli.world.deps.locations.save(depot_location(), None).saved
    path = tmp_path / "depot.json"
    path.write_text(json.dumps(depot_model()))
    return path


def test_put_show_and_a_round_trip_through_show_json(cli: Cli, depot, tmp_path) -> None:
    code, out, err = cli("sites", "electrical", "put", DEPOT, str(depot))
    assert code == 0, err
    assert "Revision:  1" in out
    code, out, _ = cli("sites", "electrical", "show", DEPOT)
    assert code == 0
    lines = out.splitlines()
    assert any(line.split()[:2] == ["circuit-1", "grid"] for line in lines)
    assert any(line.startswith("CP-A-2") and "L2,L3,L1" in line for line in lines)
    # show --json, edit, put: the file's revision is the one replaced.
    code, out, _ = cli("--json", "sites", "electrical", "show", DEPOT)
    model = json.loads(out)
    model["nodes"][0]["maxCurrent"] = {"L1": 50, "L2": 50, "L3": 50}
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(model))
    code, out, err = cli("--json", "sites", "electrical", "put", DEPOT, str(edited))
    assert code == 0, err
    assert json.loads(out)["revision"] == 2
    # The same file again is stale now: refused, nothing changed.
    code, _, err = cli("sites", "electrical", "put", DEPOT, str(edited))
    assert code == 1 and "409 Conflict" in err and "revision 2, not 1" in err


def test_a_refused_model_lists_every_problem(cli: Cli, depot) -> None:
    model = depot_model()
    model["evses"][0]["phases"] = ["L1", "L1"]
    model["evses"][1]["chargePointId"] = "CP-Z"
    depot.write_text(json.dumps(model))
    code, _, err = cli("sites", "electrical", "put", DEPOT, str(depot))
    assert code == 1 and "400 InvalidRequest" in err
    assert "body: " in err and "body.evses: EVSE 'CP-A-2': charger 'CP-Z'" in err


def test_a_file_that_is_not_a_model_is_a_usage_error(cli: Cli, depot) -> None:
    depot.write_text("[1, 2]")
    code, _, err = cli("sites", "electrical", "put", DEPOT, str(depot))
    assert code == 2 and "JSON object" in err
    code, _, err = cli("sites", "electrical", "put", DEPOT, str(depot) + ".missing")
    assert code == 2 and "cannot read" in err


def test_delete_with_a_revision(cli: Cli, depot) -> None:
    cli("sites", "electrical", "put", DEPOT, str(depot))
    code, _, err = cli("sites", "electrical", "delete", DEPOT, "--revision", "3")
    assert code == 1 and "409" in err
    code, out, _ = cli("sites", "electrical", "delete", DEPOT, "--revision", "1")
    assert code == 0 and "deleted" in out
    code, _, err = cli("sites", "electrical", "show", DEPOT)
    assert code == 1 and "404 NotFound" in err


def test_allocation_table_and_json(cli: Cli, depot) -> None:
    cli("sites", "electrical", "put", DEPOT, str(depot))
    code, _, err = cli("sites", "allocation", DEPOT)
    assert code == 1 and "no allocation yet" in err
    loads = SiteLoads(cli.world.deps.site_loads)
    loads.put_live(DEPOT, ("CP-A", 1), EvseLive(session_active=True), 1)
    site = loads.state(DEPOT).site()
    assert site is not None
    loads.put_allocation(DEPOT, allocate(site, None, None, START))
    code, out, err = cli("sites", "allocation", DEPOT)
    assert code == 0, err
    lines = out.splitlines()
    assert any(line.split()[:6] == ["CP-A-1", "CP-A", "1", "circuit-1", "active", "32.0"]
               for line in lines)  # fmt: skip
    assert any(line.split()[:4] == ["circuit-1", "32.0", "32.0", "32.0"] for line in lines)
    code, out, _ = cli("--json", "sites", "allocation", DEPOT)
    assert json.loads(out)["nodes"][0]["loadA"] == {"L1": 32.0, "L2": 32.0, "L3": 32.0}
