"""A firmware campaign that picks stations by operator tag, on the local platform: the tags
are set with the CLI (the Chargers table on moto), the campaign selects the tagged stations
only, and they boot with the new version while the untagged one keeps its own (L02)."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest

from csms_cli.cli import main as cli
from tests.e2e.conftest import run
from tests.e2e.test_firmware_campaign import (
    NEW,
    Operator,
    View,
    eventually,
    fleet,
    images,  # noqa: F401 (the module's image fixture)
)

pytestmark = pytest.mark.e2e


def cli_run(platform: Any, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli(["--url", platform.http_url, *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_L02_a_campaign_by_tag_updates_only_the_tagged_stations(platform, images):  # noqa: F811
    tag = f"pilot-{uuid.uuid4().hex[:8]}"

    async def scenario() -> tuple[View, dict[str, str], list[str]]:
        operator = Operator(platform, images)
        async with fleet(platform, 3, "TAG") as chargers:
            tagged = [cp.charge_point_id for cp in chargers[:2]]
            for cp_id in tagged:
                code, out, err = cli_run(platform, "chargers", "tag", cp_id, "--add", tag)
                assert code == 0, err
                assert tag in out
            listed = await operator.call("GET", "/chargers", tag=tag)
            assert sorted(c["chargePointId"] for c in listed["items"]) == sorted(tagged)
            campaign = await operator.create([], selector={"tags": [tag]}, waves=[100])
            cid = campaign["campaignId"]
            assert sorted(await operator.targets(cid)) == sorted(tagged)
            assert (await operator.act(cid, "start"))["status"] == "running"

            async def completed() -> View | None:
                view = await operator.show(cid)
                return view if view["campaign"]["status"] == "completed" else None

            final = await eventually(completed, timeout=120)
            versions = {cp.charge_point_id: cp.identity.firmware_version for cp in chargers}
            return final, versions, tagged

    final, versions, tagged = run(scenario(), timeout=200)
    assert final["waves"][0]["states"] == {"succeeded": 2}
    assert {cp for cp, version in versions.items() if version == NEW} == set(tagged)
