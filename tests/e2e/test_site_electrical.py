"""A location's electrical model through the local platform (docs/adr/0047): the operator API
over HTTP through the gateway, the SiteLoads table on moto, and the CLI."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest

from csms_cli.cli import main as cli
from csms_cli.client import ApiError, Client
from local.demo_site import TYPE2_SOCKET, site_location
from tests.e2e.conftest import moto_client

pytestmark = pytest.mark.e2e

CONNECTOR = TYPE2_SOCKET


def api(platform) -> Client:
    return Client(platform.http_url, "dev-operator-token", timeout_s=30)


def a_location(client: Client) -> tuple[str, str]:
    """A new location whose one charger serves two EVSEs (2.0.1 evseId 1 and 2)."""
    suffix = uuid.uuid4().hex[:8]
    cp_id, location_id = f"SITE-CP-{suffix}", f"SITE-{suffix}"
    client.request("POST", "/chargers", body={"chargePointId": cp_id})
    body = site_location(location_id, [(cp_id, 1), (cp_id, 2)], name="Depot")
    client.request("POST", "/locations", body=body)
    return location_id, cp_id


def model(cp_id: str, limit: float = 63) -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "grid", "maxCurrent": {"L1": limit, "L2": limit, "L3": limit}},
            {"id": "circuit-1", "parent": "grid", "maxCurrent": {"L1": 32, "L2": 32, "L3": 32}},
        ],
        "evses": [
            {"id": "E1", "node": "circuit-1", "chargePointId": cp_id, "evseId": 1},
            {"id": "E2", "node": "circuit-1", "chargePointId": cp_id, "evseId": 2,
             "phases": ["L2", "L3", "L1"], "minCurrentA": 6, "maxCurrentA": 31.7},
        ],
    }  # fmt: skip


def test_put_a_model_get_it_back_and_a_stale_revision_is_refused(platform) -> None:
    client = api(platform)
    location_id, cp_id = a_location(client)
    path = f"/locations/{location_id}/electrical"
    with pytest.raises(ApiError) as missing:
        client.get(path)
    assert missing.value.status == 404

    stored = client.request("PUT", path, body=model(cp_id))
    assert stored["revision"] == 1
    shown = client.get(path)
    assert shown == stored and shown["evses"][1]["maxCurrentA"] == 31.7
    assert shown["evses"][1]["phases"] == ["L2", "L3", "L1"]

    assert client.request("PUT", path, body={**model(cp_id, 50), "revision": 1})["revision"] == 2
    with pytest.raises(ApiError) as stale:
        client.request("PUT", path, body={**model(cp_id, 40), "revision": 1})
    assert stale.value.status == 409
    assert client.get(path)["nodes"][0]["maxCurrent"]["L1"] == 50

    # Stored once, in the SiteLoads table, under the site's partition.
    dynamodb = moto_client(platform, "dynamodb")
    item = dynamodb.get_item(
        TableName=platform.environment["SITE_LOADS_TABLE"],
        Key={"pk": {"S": f"SITE#{location_id}"}, "sk": {"S": "MODEL"}},
    )["Item"]
    assert item["revision"] == {"N": "2"}

    with pytest.raises(ApiError) as no_allocation:
        client.get(f"/locations/{location_id}/allocation")
    assert no_allocation.value.status == 404


def test_the_cli_refuses_a_model_with_every_problem_listed(platform, tmp_path) -> None:
    location_id, cp_id = a_location(api(platform))
    bad = model(cp_id)
    bad["evses"][0]["evseId"] = 7
    bad["evses"][1]["phases"] = ["L1", "L1"]
    file = tmp_path / "model.json"
    file.write_text(json.dumps(bad))
    out, err = io.StringIO(), io.StringIO()
    code = cli(
        ["--url", platform.http_url, "sites", "electrical", "put", location_id, str(file)],
        out=out,
        err=err,
    )
    assert code == 1
    assert "400 InvalidRequest" in err.getvalue()
    assert f"charger '{cp_id}' EVSE 7 is not an EVSE of this location" in err.getvalue()
    assert "L1" in err.getvalue()
