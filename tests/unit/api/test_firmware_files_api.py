"""Firmware images, download locations and diagnostics uploads through the operator API and
the `/files/<token>` relay, over in-memory adapters (docs/adr/0045)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from shared.api.files_relay import handle
from tests.unit.api.world import World

FILE = b"ocpp-sim-firmware version=2.0.0 bytes=64\n" + b"\0" * 23
SHA = hashlib.sha256(FILE).hexdigest()
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def declare(world: World, **extra: Any) -> dict[str, Any]:
    body = {"version": "2.0.0", "fileName": "fw-2.0.0.bin", "sha256": SHA, "sizeBytes": 64}
    reply = world.client.post("/api/firmware/images", {**body, **extra})
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.body
    return created


def files_event(
    method: str, path: str, body: bytes = b"", content_type: str = ""
) -> dict[str, Any]:
    return {
        "rawPath": path,
        "requestContext": {"http": {"method": method}},
        "headers": {"content-type": content_type} if content_type else {},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def token_of(location: str) -> str:
    return location.rsplit("/files/", 1)[1]


def test_an_image_is_declared_uploaded_and_verified(world: World) -> None:
    created = declare(world, vendor="Acme", model="Wallbox")
    image = created["image"]
    assert image["status"] == "awaiting_upload" and not image["signed"]
    assert "firmware/" in created["uploadUrl"] and created["uploadExpiresInSeconds"] == 900
    image_id = image["imageId"]
    missing = world.client.post(f"/api/firmware/images/{image_id}/verify")
    assert missing.status == 404
    world.deps.files.objects.objects[f"firmware/{image_id}/fw-2.0.0.bin"] = FILE
    verified = world.client.post(f"/api/firmware/images/{image_id}/verify")
    assert verified.status == 200 and verified.body["status"] == "available"
    assert world.client.get(f"/api/firmware/images/{image_id}").body["status"] == "available"
    assert world.client.post(f"/api/firmware/images/{image_id}/verify").status == 200
    assert world.deps.files.objects.reads == 1  # read and hashed once, then available


def test_a_mismatching_file_is_409_with_both_values_and_the_image_waits(world: World) -> None:
    image_id = declare(world)["image"]["imageId"]
    other = FILE[:-1] + b"x"
    world.deps.files.objects.objects[f"firmware/{image_id}/fw-2.0.0.bin"] = other
    reply = world.client.post(f"/api/firmware/images/{image_id}/verify")
    assert reply.status == 409
    assert reply.body["error"]["code"] == "ChecksumMismatch"
    details = reply.body["error"]["details"]
    assert details == {
        "field": "sha256",
        "declared": SHA,
        "stored": hashlib.sha256(other).hexdigest(),
    }
    assert world.client.get(f"/api/firmware/images/{image_id}").body["status"] == "awaiting_upload"


def test_the_first_read_after_the_upload_verifies(world: World) -> None:
    image_id = declare(world)["image"]["imageId"]
    assert world.client.get(f"/api/firmware/images/{image_id}").body["status"] == "awaiting_upload"
    world.deps.files.objects.objects[f"firmware/{image_id}/fw-2.0.0.bin"] = FILE
    assert world.client.get(f"/api/firmware/images/{image_id}").body["status"] == "available"


def test_s3s_own_checksum_is_used_when_the_upload_sent_one(world: World) -> None:
    image_id = declare(world)["image"]["imageId"]
    key = f"firmware/{image_id}/fw-2.0.0.bin"
    world.deps.files.objects.objects[key] = FILE
    world.deps.files.objects.checksums[key] = SHA
    assert world.client.post(f"/api/firmware/images/{image_id}/verify").status == 200
    assert world.deps.files.objects.reads == 0


def test_declarations_are_validated(world: World) -> None:
    good = {"version": "1", "fileName": "a.bin", "sha256": SHA, "sizeBytes": 1}
    for bad in (
        {"fileName": "../x"},
        {"fileName": "a/b.bin"},
        {"sha256": "zz"},
        {"sizeBytes": 0},
        {"signature": "c2ln"},
        {"signingCertificate": PEM},
        {"signingCertificate": "x" * 5501, "signature": "c2ln"},
        {"signingCertificate": PEM, "signature": "c" * 801},
    ):
        reply = world.client.post("/api/firmware/images", {**good, **bad})
        assert reply.status == 400, (bad, reply.body)
    signed = declare(world, signingCertificate=PEM, signature="c2ln")
    assert signed["image"]["signed"] is True


def test_images_are_listed_newest_first_in_pages(world: World) -> None:
    ids = []
    for minute in range(3):
        world.clock.now = world.clock.now.replace(minute=minute)
        ids.append(declare(world)["image"]["imageId"])
    first = world.client.get("/api/firmware/images", query={"limit": 2}).body
    assert [i["imageId"] for i in first["items"]] == [ids[2], ids[1]]
    rest = world.client.get(
        "/api/firmware/images", query={"limit": 2, "cursor": first["nextCursor"]}
    ).body
    assert [i["imageId"] for i in rest["items"]] == [ids[0]] and rest["nextCursor"] is None


def test_an_update_request_gets_a_short_location_that_redirects_to_a_fresh_url(world) -> None:
    services = world.services
    image_id = declare(world, signingCertificate=PEM, signature="c2ln")["image"]["imageId"]
    record = world.deps.files.images.get(image_id)
    action, payload = services.file_locations.update_firmware_request(record, "ocpp2.0.1", 7)
    assert action == "UpdateFirmware" and payload["requestId"] == 7
    assert payload["firmware"]["signature"] == "c2ln"
    location = payload["firmware"]["location"]
    assert len(location) < 512 and location.startswith("https://csms.example.test/files/")
    action16, payload16 = services.file_locations.update_firmware_request(record, "ocpp1.6", 8)
    assert action16 == "SignedUpdateFirmware" and payload16["firmware"]["signingCertificate"]
    redirect = handle(files_event("GET", f"/files/{token_of(location)}"), services)
    assert redirect["statusCode"] == 307
    assert redirect["headers"]["Location"].endswith(
        f"firmware/{image_id}/fw-2.0.0.bin?method=GET&expires=300"
    )
    assert handle(files_event("GET", "/files/" + "0" * 32), services)["statusCode"] == 404
    assert handle(files_event("GET", "/files/nope"), services)["statusCode"] == 404
    put = handle(files_event("PUT", f"/files/{token_of(location)}", b"x"), services)
    assert put["statusCode"] == 405


def test_N01_a_diagnostics_request_its_reports_and_its_uploaded_file(world: World) -> None:
    world.online_charger(protocol="ocpp2.0.1")
    world.reply({"status": "Accepted", "filename": "log.txt"})
    reply = world.client.post("/api/chargers/CP-1/diagnostics", {"logType": "SecurityLog"})
    assert reply.status == 200, reply.body
    request_id = reply.body["requestId"]
    [call] = world.sent_calls()
    assert call[2] == "GetLog" and call[3]["requestId"] == request_id
    assert call[3]["logType"] == "SecurityLog"
    location = call[3]["log"]["remoteLocation"]
    uploads = world.services.uploads
    uploads.status_reported("CP-1", "Uploading", request_id, "2030-01-01T12:00:01Z")
    uploads.status_reported("CP-1", "Uploading", request_id, "2030-01-01T12:00:02Z")  # replay
    form = (
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="log.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello log\r\n--XX--\r\n"
    )
    stored = handle(
        files_event(
            "POST", f"/files/{token_of(location)}", form, "multipart/form-data; boundary=XX"
        ),
        world.services,
    )
    assert stored["statusCode"] == 200, stored
    again = handle(
        files_event("PUT", f"/files/{token_of(location)}/log.txt", b"hello log!"), world.services
    )
    assert again["statusCode"] == 200
    uploads.status_reported("CP-1", "Uploaded", request_id, "2030-01-01T12:00:03Z")
    [listed] = world.client.get("/api/chargers/CP-1/diagnostics").body["uploads"]
    assert listed["fileName"] == "log.txt" and listed["status"] == "Uploaded"
    assert [s["status"] for s in listed["statuses"]] == ["Uploading", "Uploaded"]
    assert listed["sizeBytes"] == len(b"hello log!")
    assert listed["downloadUrl"].endswith(
        f"uploads/CP-1/{request_id}/log.txt?method=GET&expires=300"
    )
    key = f"uploads/CP-1/{request_id}/log.txt"
    assert world.deps.files.objects.objects[key] == b"hello log!"  # replaced, one object
    got = handle(files_event("GET", f"/files/{token_of(location)}"), world.services)
    assert got["statusCode"] == 405


def test_a_16_diagnostics_report_belongs_to_the_latest_request(world: World) -> None:
    world.online_charger(protocol="ocpp1.6")
    world.reply({"fileName": "diag.zip"})
    reply = world.client.post(
        "/api/chargers/CP-1/diagnostics", {"startTime": "2030-01-01T00:00:00Z", "retries": 2}
    )
    assert reply.status == 200, reply.body
    [call] = world.sent_calls()
    assert call[2] == "GetDiagnostics" and call[3]["retries"] == 2
    assert call[3]["startTime"].startswith("2030-01-01T00:00:00")
    world.services.uploads.status_reported("CP-1", "UploadFailed", None, "2030-01-01T12:00:03Z")
    [listed] = world.client.get("/api/chargers/CP-1/diagnostics").body["uploads"]
    assert listed["kind"] == "diagnostics" and listed["fileName"] == "diag.zip"
    assert listed["status"] == "UploadFailed" and listed["downloadUrl"] is None


def test_uploads_over_6_mb_are_413_and_unknown_chargers_404(world: World) -> None:
    world.online_charger(protocol="ocpp2.0.1")
    world.reply({"status": "Accepted"})
    world.client.post("/api/chargers/CP-1/diagnostics", {})
    location = world.sent_calls()[-1][3]["log"]["remoteLocation"]
    big = b"x" * (6 * 1024 * 1024 + 1)
    assert (
        handle(files_event("PUT", f"/files/{token_of(location)}", big), world.services)[
            "statusCode"
        ]
        == 413
    )
    assert world.client.get("/api/chargers/NOPE/diagnostics").status == 404
    assert world.client.post("/api/chargers/NOPE/diagnostics", {}).status == 404
