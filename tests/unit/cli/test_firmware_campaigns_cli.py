"""`firmware campaigns ...` against the real operator API (in-memory dependencies): create,
preview, start, progress, pause/resume/cancel with 409s that say the current status, watch,
and a charger's firmware history (docs/firmware.md, "Campaigns")."""

from __future__ import annotations

import argparse
import json

from csms_cli.client import Client
from csms_cli.firmware_campaigns import watch
from shared.models.firmware import FirmwareImage
from tests.unit.api.apiclient import DEV_TOKEN
from tests.unit.cli.conftest import Cli

IMAGE = FirmwareImage("img-2", "2.0", "fw.bin", "ab" * 32, "available", "2030-01-01T00:00:00Z")


def setup(cli: Cli, count: int = 4) -> list[str]:
    cli.world.deps.files.images.create(IMAGE)
    ids = [f"CP-{i}" for i in range(count)]
    for i, cp in enumerate(ids):
        cli.world.online_charger(cp, protocol="ocpp2.0.1", connection_id=f"conn-{i}")
    return ids


def test_create_preview_start_and_operate_a_campaign(cli: Cli) -> None:
    ids = setup(cli)
    code, out, err = cli(
        "firmware", "campaigns", "create", "--name", "roll", "--image", "img-2",
        "--model", "Wallbox", "--waves", "25,100", "--window", "22:00-05:00@sat,sun",
    )  # fmt: skip
    assert code == 0, err
    cid = out.split()[1]
    code, out, _ = cli("firmware", "campaigns", "targets", cid)
    assert code == 0 and all(cp in out for cp in ids) and out.count("pending") == 4
    code, out, _ = cli("--json", "firmware", "campaigns", "targets", cid)
    assert sorted(t["wave"] for t in json.loads(out)["targets"]) == [1, 2, 2, 2]
    assert cli("firmware", "campaigns", "start", cid)[1].strip() == f"campaign {cid}: running"
    code, out, _ = cli("firmware", "campaigns", "show", cid)
    assert "Status:" in out and "running" in out and "pending 3" in out
    assert cli("firmware", "campaigns", "pause", cid)[0] == 0
    code, _, err = cli("firmware", "campaigns", "pause", cid)
    assert code == 1 and "409" in err and "status: paused" in err
    assert cli("firmware", "campaigns", "resume", cid)[0] == 0
    assert cli("firmware", "campaigns", "cancel", cid)[1].strip() == f"campaign {cid}: cancelled"
    code, out, _ = cli("firmware", "campaigns", "list")
    assert cid in out and "cancelled" in out
    executions = cli.world.services.firmware_campaigns.executions
    assert executions.stopped and executions.started[0][0] == cid


def test_a_draft_is_validated(cli: Cli) -> None:
    setup(cli)
    code, _, err = cli(
        "firmware", "campaigns", "create", "--name", "x", "--image", "img-2",
        "--waves", "50,20,100", "--chargers", "CP-1",
    )  # fmt: skip
    assert code == 1 and "400" in err and "waves" in err
    code, _, err = cli("firmware", "campaigns", "create", "--name", "x", "--image", "img-2")
    assert code == 1 and "selection criterion" in err
    code, _, err = cli(
        "firmware", "campaigns", "create", "--name", "x", "--image", "nope", "--chargers", "CP-1"
    )
    assert code == 1 and "404" in err
    assert cli("firmware", "campaigns", "show", "nope")[0] == 1


def test_watch_prints_until_the_campaign_ends(cli: Cli) -> None:
    setup(cli, 1)
    _, out, _ = cli(
        "firmware", "campaigns", "create", "--name", "w", "--image", "img-2", "--chargers", "CP-0"
    )
    cid = out.split()[1]
    cli("firmware", "campaigns", "start", cid)
    service = cli.world.services.firmware_campaigns
    assert service is not None

    class Out:
        raw_json = False
        lines: list[str] = []

        def line(self, text: str = "") -> None:
            self.lines.append(text)

        def json(self, value: object) -> None:
            raise AssertionError

    client = Client(cli.url, DEV_TOKEN)
    looks = []

    def sleep(seconds: float) -> None:
        looks.append(seconds)
        service.cancel(cid)

    args = argparse.Namespace(campaign=cid, every=2.0)
    assert watch(client, args, Out(), sleep=sleep) == 1
    assert looks == [2.0] and any("cancelled" in line for line in Out.lines)


def downloading(cli: Cli, name: str) -> str:
    """A campaign created through the CLI whose update CP-0 accepted and is downloading."""
    service = cli.world.services.firmware_campaigns
    assert service is not None
    cid = json.loads(
        cli(
            "--json", "firmware", "campaigns", "create", "--name", name, "--image", "img-2",
            "--chargers", "CP-0",
        )[1]
    )["campaignId"]  # fmt: skip
    service.start(cid)
    service.prepare(cid, "CP-0")
    cli.world.reply({"status": "Accepted"}, after_s=0.1)
    service.update(cid, "CP-0", "token")
    service.firmware_status("CP-0", "Downloading", None)
    return str(cid)


def test_a_chargers_firmware_history(cli: Cli) -> None:
    setup(cli, 1)
    cid = downloading(cli, "h")
    view = cli.world.client.get("/api/chargers/CP-0/firmware").body
    (entry,) = view["campaigns"]
    assert entry["campaignId"] == cid and entry["target"]["state"] == "Downloading"
    assert [s["status"] for s in entry["target"]["timeline"]] == ["ready", "sent", "Downloading"]


def test_an_uploaded_image_not_verified_yet_is_verified_by_the_campaign(cli: Cli) -> None:
    import hashlib
    from dataclasses import replace

    from shared.firmware.files import firmware_key

    setup(cli, 1)
    body = b"firmware 3.0"
    image = replace(
        IMAGE,
        image_id="img-3",
        version="3.0",
        sha256=hashlib.sha256(body).hexdigest(),
        size_bytes=len(body),
        status="awaiting_upload",
    )
    files = cli.world.deps.files
    files.images.create(image)
    args = ("firmware", "campaigns", "create", "--name", "v3", "--image", "img-3")
    code, _, err = cli(*args, "--chargers", "CP-0")
    assert code == 1 and "409" in err  # nothing uploaded yet
    files.objects.put(firmware_key(image), body, "application/octet-stream")
    code, _, err = cli(*args, "--chargers", "CP-0")
    assert code == 0, err
    assert files.images.get("img-3").status == "available"
