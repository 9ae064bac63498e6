"""The rules of `/files/<token>` locations and of firmware update commands (docs/adr/0045)."""

from __future__ import annotations

import pytest

from shared.adapters.memory.files import MemoryFileObjects, MemoryFileTokens
from shared.firmware.files import (
    DOWNLOAD_TOKEN_S,
    UPLOAD_TOKEN_S,
    FileLocations,
    FileNotFound,
    TooLarge,
    WrongMethod,
    safe_name,
)
from shared.models.firmware import FirmwareImage

IMAGE = FirmwareImage("a" * 32, "2.0", "fw.bin", "ab" * 32, "available", "2030-01-01T00:00:00Z")
SIGNED = FirmwareImage(
    "b" * 32,
    "2.0",
    "fw.bin",
    "ab" * 32,
    "available",
    "2030-01-01T00:00:00Z",
    signing_certificate="-----BEGIN CERTIFICATE-----\n...",
    signature="c2ln",
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def files() -> tuple[FileLocations, Clock, MemoryFileObjects]:
    clock = Clock()
    objects = MemoryFileObjects()
    tokens = iter(f"{n:032x}" for n in range(1, 100))
    locations = FileLocations(
        MemoryFileTokens(), objects, "https://api.example.test/", clock, lambda: next(tokens)
    )
    return locations, clock, objects


def token_of(location: str) -> str:
    return location.rsplit("/", 1)[1]


def test_a_download_token_redirects_until_it_expires(files) -> None:
    locations, clock, _ = files
    location = locations.download_location(IMAGE)
    assert location == f"https://api.example.test/files/{1:032x}"
    url = locations.download_url(token_of(location))
    assert url.endswith(f"firmware/{IMAGE.image_id}/fw.bin?method=GET&expires=300")
    with pytest.raises(WrongMethod):
        locations.upload(token_of(location), None, b"x")
    clock.now += DOWNLOAD_TOKEN_S
    with pytest.raises(FileNotFound):
        locations.download_url(token_of(location))
    with pytest.raises(FileNotFound):
        locations.download_url("../../etc")


def test_an_upload_lands_under_its_job_and_a_repeat_replaces_it(files) -> None:
    locations, clock, objects = files
    token = token_of(locations.upload_location("CP-1", 42))
    found, key = locations.upload(token, "diag.log", b"one")
    assert (found.charge_point_id, found.request_id, key) == (
        "CP-1",
        42,
        "uploads/CP-1/42/diag.log",
    )
    locations.upload(token, "diag.log", b"two")
    assert objects.objects == {"uploads/CP-1/42/diag.log": b"two"}
    _, unnamed = locations.upload(token, "../evil", b"x")
    assert unnamed == "uploads/CP-1/42/upload-42.bin"
    with pytest.raises(TooLarge):
        locations.upload(token, None, b"x" * (6 * 1024 * 1024 + 1))
    with pytest.raises(WrongMethod):
        locations.download_url(token)
    clock.now += UPLOAD_TOKEN_S
    with pytest.raises(FileNotFound):
        locations.upload(token, None, b"late")


@pytest.mark.parametrize(
    ("image", "protocol", "action"),
    [
        (IMAGE, "ocpp1.6", "UpdateFirmware"),
        (SIGNED, "ocpp1.6", "SignedUpdateFirmware"),
        (IMAGE, "ocpp2.0.1", "UpdateFirmware"),
        (SIGNED, "ocpp2.0.1", "UpdateFirmware"),
    ],
)
def test_update_commands_carry_a_fresh_short_location(files, image, protocol, action) -> None:
    locations, _, _ = files
    sent, payload = locations.update_firmware_request(
        image, protocol, 9, retries=2, retry_interval_s=60
    )
    assert sent == action
    if action == "UpdateFirmware" and protocol == "ocpp1.6":
        assert payload == {
            "location": f"https://api.example.test/files/{1:032x}",
            "retrieveDate": "2030-03-17T17:46:40Z",
            "retries": 2,
            "retryInterval": 60,
        }
        return
    assert payload["requestId"] == 9 and payload["retries"] == 2
    firmware = payload["firmware"]
    assert len(firmware["location"]) <= 512
    assert firmware["retrieveDateTime"] == "2030-03-17T17:46:40Z"
    assert ("signature" in firmware) == image.signed


def test_only_safe_names_become_keys() -> None:
    assert safe_name("diag-1.tar.gz", "d") == "diag-1.tar.gz"
    for bad in (None, "", ".hidden", "a/b", "a..b", "x" * 201, "naïve.log"):
        assert safe_name(bad, "d") == "d"
