"""`chargers tag`, `chargers list --tag`, `firmware campaigns create --tag` and
`chargers firmware` against the real operator API (in-memory dependencies)."""

from __future__ import annotations

import json

from tests.unit.cli.conftest import Cli
from tests.unit.cli.test_firmware_campaigns_cli import downloading, setup


def test_tagging_chargers_listing_them_and_a_campaign_by_tag(cli: Cli) -> None:
    setup(cli, 3)
    code, out, err = cli("chargers", "tag", "CP-0", "--add", "pilot", "--add", "north")
    assert code == 0, err
    assert out.strip() == "CP-0: north, pilot"
    assert cli("chargers", "tag", "CP-1", "--add", "pilot")[0] == 0
    code, out, _ = cli("chargers", "tag", "CP-0", "--remove", "north", "--add", "canary")
    assert out.strip() == "CP-0: canary, pilot"
    code, out, _ = cli("--json", "chargers", "tag", "CP-1", "--remove", "pilot")
    assert json.loads(out)["tags"] == []
    code, _, err = cli("chargers", "tag", "CP-0")
    assert code == 2 and "nothing to change" in err
    code, _, err = cli("chargers", "tag", "CP-0", "--add", "two words")
    assert code == 1 and "400" in err
    code, out, _ = cli("chargers", "get", "CP-0")
    assert "Tags:" in out and "canary, pilot" in out
    code, out, _ = cli("chargers", "list", "--tag", "pilot")
    assert "CP-0" in out and "CP-1" not in out and "CP-2" not in out
    code, out, err = cli(
        "--json", "firmware", "campaigns", "create", "--name", "pilots", "--image", "img-2",
        "--tag", "pilot,canary",
    )  # fmt: skip
    assert code == 0, err
    created = json.loads(out)
    assert created["selector"]["tags"] == ["pilot", "canary"]
    code, out, _ = cli("--json", "firmware", "campaigns", "targets", created["campaignId"])
    assert [t["chargePointId"] for t in json.loads(out)["targets"]] == ["CP-0"]


def test_a_chargers_firmware_history_is_printed(cli: Cli) -> None:
    setup(cli, 1)
    code, out, _ = cli("chargers", "firmware", "CP-0")
    assert code == 0 and "(no campaign has targeted it)" in out
    cid = downloading(cli, "roll 2")
    code, out, err = cli("chargers", "firmware", "CP-0")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["Charger:", "CP-0"]
    assert any(line.startswith("Firmware status:") for line in lines)
    assert f"{cid}  roll 2  -> 2.0  (running): Downloading, wave 1, attempt 1" in lines
    steps = [line.split()[1] for line in lines if line.startswith("  ")]
    assert steps == ["ready", "sent", "Downloading"]
    code, out, _ = cli("--json", "chargers", "firmware", "CP-0")
    (entry,) = json.loads(out)["campaigns"]
    assert entry["campaignId"] == cid and entry["target"]["state"] == "Downloading"
    code, _, err = cli("chargers", "firmware", "NOPE")
    assert code == 1 and "404" in err
