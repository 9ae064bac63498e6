"""Firmware images and diagnostics files end to end on the local platform (moto S3): an image
is uploaded through its presigned PUT and verified; simulated 1.6 and 2.0.1 chargers get
UpdateFirmware with a `/files/<token>` location, really download the image through the
307 to a presigned GET, report Installed and boot with the image's version; a diagnostics
request lands the charger's file in the bucket, linked by the list route (docs/adr/0045)."""

from __future__ import annotations

import asyncio
import hashlib
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from csms_cli.client import Client, quote
from simulator import Backoff, SimulatedCharger, firmware_file
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

V16, V201 = "ocpp1.6", "ocpp2.0.1"
VERSION = "sim-4.2.0"
IMAGE = firmware_file(VERSION, 8192)


def put(url: str, body: bytes) -> int:
    # A typed body: urllib's default (a form) would be parsed as one by moto's server.
    request = urllib.request.Request(  # noqa: S310 - the presigned URL of moto
        url, data=body, method="PUT", headers={"Content-Type": "application/octet-stream"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - moto
        return int(response.status)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - moto
        body: bytes = response.read()
        return body


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.1)


def test_L01_L02_N01_images_are_downloaded_through_files_tokens_and_uploads_land_in_s3(
    platform,
) -> None:
    client = Client(platform.http_url, "dev-operator-token", timeout_s=30)

    async def call(method: str, path: str, body: Any = None) -> Any:
        return await asyncio.to_thread(client.request, method, path, None, body)

    async def scenario() -> None:
        created = await call(
            "POST",
            "/firmware/images",
            {
                "version": VERSION,
                "fileName": "sim-4.2.0.bin",
                "sha256": hashlib.sha256(IMAGE).hexdigest(),
                "sizeBytes": len(IMAGE),
                "vendor": "CSMS-Sim",
            },
        )
        image_id = created["image"]["imageId"]
        assert await asyncio.to_thread(put, created["uploadUrl"], IMAGE) == 200
        verified = await call("POST", f"/firmware/images/{image_id}/verify")
        assert verified["status"] == "available"

        # The location a campaign step sends (shared/firmware/files.py), minted in-process.
        from shared.bootstrap import aws_services
        from shared.config import get_settings

        services = aws_services(get_settings())
        assert services.file_locations is not None and services.firmware_images is not None
        image = services.firmware_images.get(image_id)

        stop = asyncio.Event()
        chargers = [
            SimulatedCharger(
                platform.ws_url,
                f"FW-{protocol[-3:]}-{uuid.uuid4().hex[:8]}",
                protocol=protocol,
                backoff=Backoff(initial_s=0.05, max_s=0.2),
            )
            for protocol in (V16, V201)
        ]
        runs = []
        for cp in chargers:
            cp.device.job_step_s = 0.02
            runs.append(asyncio.create_task(cp.run(stop)))
        try:
            await asyncio.wait_for(asyncio.gather(*(cp.ever_online.wait() for cp in chargers)), 10)
            for number, cp in enumerate(chargers, start=1):
                action, payload = services.file_locations.update_firmware_request(
                    image, cp.protocol, number
                )
                location = payload.get("location") or payload["firmware"]["location"]
                assert location.startswith(platform.http_url.rsplit("/api", 1)[0] + "/files/")
                answer = await call(
                    "POST", f"/chargers/{quote(cp.charge_point_id)}/commands/{action}", payload
                )
                assert answer["status"] == "answered", answer

                async def installed(cp: SimulatedCharger = cp) -> bool:
                    view = await call("GET", f"/chargers/{quote(cp.charge_point_id)}")
                    return bool(
                        view["firmwareStatus"] == "Installed" and view["firmwareVersion"] == VERSION
                    )

                assert await eventually(installed), cp.charge_point_id

            for cp in chargers:
                cp_path = f"/chargers/{quote(cp.charge_point_id)}/diagnostics"
                requested = await call("POST", cp_path, {})
                assert requested["commandStatus"] == "answered", requested

                async def uploaded(cp_path: str = cp_path) -> Any:
                    listed = await call("GET", cp_path)
                    first = listed["uploads"][0]
                    return first if first["status"] == "Uploaded" and first["sizeBytes"] else None

                upload = await eventually(uploaded)
                assert upload, cp.charge_point_id
                assert upload["requestId"] == requested["requestId"]
                body = await asyncio.to_thread(get, upload["downloadUrl"])
                assert body.startswith(f"# diagnostics of {cp.charge_point_id}".encode())
                assert len(body) == upload["sizeBytes"]
        finally:
            stop.set()
            await asyncio.gather(*runs, return_exceptions=True)

    run(scenario(), timeout=90)


def send(method: str, url: str, body: bytes = b"", content_type: str = "") -> tuple[int, bytes]:
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(  # noqa: S310 - the local gateway
        url, data=body if method != "GET" else None, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_N01_the_relay_takes_multipart_posts_and_refuses_what_it_must(platform) -> None:
    from shared.adapters.aws_clients import client
    from shared.bootstrap import aws_services
    from shared.config import get_settings

    services = aws_services(get_settings())
    assert services.file_locations is not None
    location = services.file_locations.upload_location("RELAY-1", 77)
    form = (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="diag.zip"\r\n'
        b"Content-Type: application/zip\r\n\r\nPK-not-really\r\n--b0undary--\r\n"
    )
    status, _ = send("POST", location, form, "multipart/form-data; boundary=b0undary")
    assert status == 200
    stored = client("s3").get_object(
        Bucket=get_settings().files_bucket, Key="uploads/RELAY-1/77/diag.zip"
    )
    assert stored["Body"].read() == b"PK-not-really"
    assert send("GET", location)[0] == 405
    assert send("PUT", location.rsplit("/", 1)[0] + "/" + "0" * 32, b"x")[0] == 404
    big = b"x" * (6 * 1024 * 1024 + 1)
    status, body = send("PUT", location + "/big.bin", big, "application/octet-stream")
    assert status == 413 and b"PayloadTooLarge" in body
