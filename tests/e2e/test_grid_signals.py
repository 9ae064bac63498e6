"""Grid signals through the local platform (docs/adr/0052): a location's sources set over the
operator API, the grid poller run on its schedule against the fake VTN, the VTN's push to the
webhook through the gateway, and the limit in force read back from `GET .../grid`. No network:
the fake VTN listens on 127.0.0.1, secrets and tables are moto's."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.fake_vtn import FakeVtn
from local.platform import LocalPlatform
from tests.e2e.conftest import moto_client, on_platform_loop
from tests.e2e.test_site_electrical import a_location, api

pytestmark = pytest.mark.e2e

PROGRAM = {
    "programName": "dso-congestion",
    "payloadDescriptors": [
        {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "IMPORT_CAPACITY_LIMIT",
         "units": "KW"},
    ],
}  # fmt: skip


@pytest.fixture
def vtn() -> Iterator[FakeVtn]:
    with FakeVtn() as server:
        yield server


def limit_event(event_id: str, program_id: str, kw: float) -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    return {
        "id": event_id,
        "programID": program_id,
        "intervalPeriod": {"start": start, "duration": "PT3H"},
        "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [kw]}]}],
    }


def run_grid_poller(platform: LocalPlatform, timeout_s: float = 30) -> None:
    """Its schedule comes round now (instead of in 5 minutes); returns once it has run."""
    [run] = [r for r in platform.delivery.scheduled_runs if r.schedule.id == "GridPoll"]
    before = run.runs

    async def wake() -> None:
        run.wake.set()

    on_platform_loop(platform, wake())
    deadline = time.monotonic() + timeout_s
    while run.runs == before:
        assert time.monotonic() < deadline, "the grid poller did not run"
        time.sleep(0.05)


def test_a_vtn_limit_reaches_the_grid_view_by_poll_and_by_push(platform, vtn) -> None:
    client = api(platform)
    location_id, _ = a_location(client)
    secret = f"csms/grid/e2e-{uuid.uuid4().hex[:8]}"
    moto_client(platform, "secretsmanager").create_secret(
        Name=secret, SecretString=json.dumps({"clientSecret": "secret"})
    )
    program = vtn.add_program(PROGRAM)
    vtn.put_event(limit_event("congestion-1", program["id"], 13.8))  # 20 A per phase
    sources = {
        "openadr": {
            "vtnUrl": vtn.base_url,
            "programIds": [program["id"]],
            "clientId": "ven-1",
            "clientSecretName": secret,
        }
    }
    client.request("PUT", f"/locations/{location_id}/grid/sources", body=sources)
    assert client.get(f"/locations/{location_id}/grid")["limited"] is False

    # By poll: the schedule's run asks the VTN and stores its event.
    run_grid_poller(platform)
    grid = client.get(f"/locations/{location_id}/grid")
    assert grid["limitA"] == {"L1": 20, "L2": 20, "L3": 20}
    assert grid["source"] == "openadr"
    assert [s["group"] for s in grid["signals"]] == ["congestion-1"]

    # The poll subscribed us: the VTN pushes its next event to the gateway's webhook.
    [subscription] = vtn.subscriptions.values()
    callback = subscription["objectOperations"][0]["callbackUrl"]
    assert callback.endswith(f"/webhooks/openadr?site={location_id}")
    vtn.put_event(limit_event("congestion-2", program["id"], 6.9))  # 10 A per phase
    assert vtn.deliveries[-1] == (callback, 200)
    grid = client.get(f"/locations/{location_id}/grid")
    assert grid["limitA"] == {"L1": 10, "L2": 10, "L3": 10}
    assert sorted(s["group"] for s in grid["signals"]) == ["congestion-1", "congestion-2"]

    # A notification without our token is refused and changes nothing.
    forged = urllib.request.Request(  # noqa: S310 - the local gateway
        callback,
        data=json.dumps({"objectType": "EVENT", "operation": "DELETE",
                         "object": {"id": "congestion-2", "programID": program["id"]}}).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer forged"},
        method="POST",
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)  # noqa: S310
    assert refused.value.code == 401
    assert client.get(f"/locations/{location_id}/grid")["limitA"]["L1"] == 10
