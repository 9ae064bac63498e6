"""`firmware images ...` and `chargers diagnostics ...` against the operator API."""

from __future__ import annotations

import hashlib
import json

import pytest

from csms_cli import firmware
from tests.unit.cli.conftest import Cli


def test_upload_declares_puts_and_verifies_then_lists_and_shows(cli: Cli, tmp_path, monkeypatch):
    image = tmp_path / "fw-3.1.0.bin"
    image.write_bytes(b"firmware bytes")
    stored = cli.world.deps.files.objects.objects

    def put(url: str, body: bytes, timeout_s: float = 300.0) -> None:
        key = url.split("example.test/", 1)[1].split("?", 1)[0]
        stored[key] = body

    monkeypatch.setattr(firmware, "put_file", put)
    code, out, err = cli("firmware", "images", "upload", str(image), "--version", "3.1.0")
    assert code == 0, err
    assert "available" in out and "fw-3.1.0.bin" in out
    code, out, _ = cli("--json", "firmware", "images", "list")
    [listed] = json.loads(out)["items"]
    assert listed["sha256"] == hashlib.sha256(b"firmware bytes").hexdigest()
    code, out, _ = cli("firmware", "images", "show", listed["imageId"])
    assert code == 0 and "3.1.0" in out


def test_create_prints_the_upload_url_and_a_bad_verify_says_why(cli: Cli) -> None:
    code, out, err = cli(
        "firmware", "images", "create", "--version", "1", "--file-name", "a.bin",
        "--sha256", "ab" * 32, "--size", "3",
    )  # fmt: skip
    assert code == 0, err
    assert "upload (PUT, 900 s): https://" in out
    image_id = next(line.split()[-1] for line in out.splitlines() if line.startswith("Image:"))
    cli.world.deps.files.objects.objects[f"firmware/{image_id}/a.bin"] = b"abc"
    code, _, err = cli("firmware", "images", "verify", image_id)
    assert code != 0 and "ChecksumMismatch" in err and "declared" in err


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
def test_diagnostics_request_and_list(cli: Cli, protocol: str) -> None:
    cli.world.online_charger(protocol=protocol)
    answer = {"fileName": "d.log"} if protocol == "ocpp1.6" else {"status": "Accepted"}
    cli.world.reply(answer)
    code, out, err = cli("chargers", "diagnostics", "request", "CP-1")
    assert code == 0, err
    assert ("GetDiagnostics" if protocol == "ocpp1.6" else "GetLog") in out
    code, out, _ = cli("chargers", "diagnostics", "list", "CP-1")
    assert code == 0 and "Request" in out
