"""`firmware images ...` and `chargers diagnostics ...` (docs/firmware.md): declare, upload
and verify firmware images; ask a charger for its diagnostics and list what it uploaded."""

from __future__ import annotations

import argparse
import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csms_cli.client import Client, Unreachable, quote
from csms_cli.outcomes import ERROR, OK
from csms_cli.tables import Output, fields, print_page, table

IMAGE_COLUMNS = [
    ("Image", "imageId"),
    ("Version", "version"),
    ("File", "fileName"),
    ("Bytes", "sizeBytes"),
    ("Status", "status"),
    ("Signed", "signed"),
    ("Vendor", "vendor"),
    ("Model", "model"),
    ("Created", "createdAt"),
]
IMAGE_FIELDS = [
    ("Image", "imageId"),
    ("Version", "version"),
    ("File", "fileName"),
    ("SHA-256", "sha256"),
    ("Bytes", "sizeBytes"),
    ("Status", "status"),
    ("Signed", "signed"),
    ("Vendor", "vendor"),
    ("Model", "model"),
    ("Created", "createdAt"),
    ("Created by", "createdBy"),
]
UPLOAD_COLUMNS = [
    ("Request", "requestId"),
    ("Kind", "kind"),
    ("Requested", "requestedAt"),
    ("File", "fileName"),
    ("Status", "status"),
    ("Bytes", "sizeBytes"),
    ("Download (5 min)", "downloadUrl"),
]


Handler = Callable[[Client, argparse.Namespace, Any], int]
Add = Callable[[Any, str, Handler, str, bool], argparse.ArgumentParser]


def _show(output: Output, image: dict[str, Any]) -> int:
    if output.raw_json:
        output.json(image)
    else:
        output.line(fields(image, IMAGE_FIELDS))
    return OK


def _declaration(args: argparse.Namespace, sha256: str, size: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": args.version,
        "fileName": args.file_name,
        "sha256": sha256,
        "sizeBytes": size,
        "vendor": args.vendor,
        "model": args.model,
    }
    if args.signing_certificate:
        body["signingCertificate"] = Path(args.signing_certificate).read_text()
    if args.signature:
        body["signature"] = args.signature
    return {k: v for k, v in body.items() if v is not None}


def images_create(client: Client, args: argparse.Namespace, output: Output) -> int:
    created = client.request(
        "POST", "/firmware/images", body=_declaration(args, args.sha256, args.size)
    )
    if output.raw_json:
        output.json(created)
        return OK
    output.line(fields(created["image"], IMAGE_FIELDS))
    output.line(f"\nupload (PUT, {created['uploadExpiresInSeconds']} s): {created['uploadUrl']}")
    return OK


def put_file(url: str, body: bytes, timeout_s: float = 300.0) -> None:
    """PUT the file to its presigned URL (typed: a form body would be read as a form)."""
    request = urllib.request.Request(  # noqa: S310 - the URL the API minted
        url, data=body, method="PUT", headers={"Content-Type": "application/octet-stream"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s):  # noqa: S310
            return
    except urllib.error.HTTPError as exc:
        raise Unreachable(f"the upload was refused: HTTP {exc.code} {exc.read()[:200]!r}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise Unreachable(f"cannot upload: {getattr(exc, 'reason', exc)}") from None


def upload_image(client: Client, data: bytes, declaration: dict[str, Any]) -> dict[str, Any]:
    """Declare an image (`declaration`: version, fileName and the optional fields; the
    checksum and size are the data's), PUT it to its presigned URL and verify it: the image
    as the API then shows it, available."""
    created = client.request(
        "POST",
        "/firmware/images",
        body={**declaration, "sha256": hashlib.sha256(data).hexdigest(), "sizeBytes": len(data)},
    )
    put_file(created["uploadUrl"], data)
    image_id = created["image"]["imageId"]
    verified: dict[str, Any] = client.request("POST", f"/firmware/images/{quote(image_id)}/verify")
    return verified


def images_upload(client: Client, args: argparse.Namespace, output: Output) -> int:
    path = Path(args.file)
    data = path.read_bytes()
    if args.file_name is None:
        args.file_name = path.name
    declaration = _declaration(args, "", 0)
    del declaration["sha256"], declaration["sizeBytes"]
    return _show(output, upload_image(client, data, declaration))


def images_list(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get("/firmware/images", limit=args.limit, cursor=args.cursor)
    return print_page(output, body, IMAGE_COLUMNS)


def images_show(client: Client, args: argparse.Namespace, output: Output) -> int:
    return _show(output, client.get(f"/firmware/images/{quote(args.image)}"))


def images_verify(client: Client, args: argparse.Namespace, output: Output) -> int:
    verified = client.request("POST", f"/firmware/images/{quote(args.image)}/verify")
    return _show(output, verified)


def diagnostics_request(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = {
        "logType": args.log_type,
        "startTime": args.start,
        "stopTime": args.stop,
        "retries": args.retries,
    }
    answer = client.request(
        "POST",
        f"/chargers/{quote(args.charger)}/diagnostics",
        {"wait": False} if args.no_wait else None,
        {k: v for k, v in body.items() if v is not None},
    )
    if output.raw_json:
        output.json(answer)
    else:
        output.line(
            f"{answer['action']} request {answer['requestId']} -> {answer['commandStatus']}"
            f"  (command {answer['commandId']})"
        )
        if answer.get("result") is not None:
            output.line(str(answer["result"]))
    accepted = answer["commandStatus"] in ("answered", "pending", "sent")
    return OK if accepted else ERROR


def diagnostics_list(client: Client, args: argparse.Namespace, output: Output) -> int:
    body = client.get(f"/chargers/{quote(args.charger)}/diagnostics")
    if output.raw_json:
        output.json(body)
        return OK
    uploads = body.get("uploads", [])
    output.line(table(uploads, UPLOAD_COLUMNS) if uploads else "(none)")
    return OK


def _declaration_arguments(p: argparse.ArgumentParser, *, file_name_required: bool) -> None:
    p.add_argument("--version", required=True, help="the version chargers report once updated")
    p.add_argument(
        "--file-name",
        required=file_name_required,
        default=None,
        help="the file's name (letters, digits, ._+-)"
        + ("" if file_name_required else "; default: the file's own"),
    )
    p.add_argument("--vendor", help="the charger vendor it is for")
    p.add_argument("--model", help="the charger model it is for")
    p.add_argument("--signing-certificate", metavar="PEM_FILE", help="signed updates: the PEM")
    p.add_argument("--signature", help="signed updates: the base64 signature")


def add_firmware_parsers(commands: Any, add: Add) -> Any:
    """`firmware images ...`; returns the `firmware` subcommands (campaigns join them)."""
    firmware = commands.add_parser("firmware", help="firmware images").add_subparsers(
        dest="subject", required=True, metavar="SUBJECT"
    )
    images = firmware.add_parser("images", help="firmware images").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    p = add(images, "create", images_create, "declare an image; prints its upload URL", False)
    _declaration_arguments(p, file_name_required=True)
    p.add_argument("--sha256", required=True, help="hex SHA-256 of the file")
    p.add_argument("--size", type=int, required=True, help="the file's size in bytes")
    p = add(images, "upload", images_upload, "declare, upload and verify an image", False)
    p.add_argument("file", metavar="FILE", help="the image file")
    _declaration_arguments(p, file_name_required=False)
    p = add(images, "list", images_list, "images, newest first", False)
    p.add_argument("--limit", type=int, default=None, help="page size (1-100)")
    p.add_argument("--cursor", default=None, help="the cursor printed by the previous page")
    for name, handler, text in (
        ("show", images_show, "show an image"),
        ("verify", images_verify, "check the uploaded file; the image becomes available"),
    ):
        p = add(images, name, handler, text, False)
        p.add_argument("image", metavar="IMAGE_ID", help="the image's id")
    return firmware


def add_diagnostics_parsers(chargers: Any, add: Add) -> None:
    """`chargers diagnostics request|list CP`."""
    diagnostics = chargers.add_parser(
        "diagnostics", help="diagnostics and log uploads of a charger"
    ).add_subparsers(dest="diagnostics_action", required=True, metavar="ACTION")
    p = add(
        diagnostics,
        "request",
        diagnostics_request,
        "ask for the charger's diagnostics (1.6 GetDiagnostics) or a log (GetLog)",
        True,
    )
    p.add_argument(
        "--log-type",
        choices=["DiagnosticsLog", "SecurityLog"],
        help="GetLog's log type (on 1.6: sends the security extension's GetLog)",
    )
    p.add_argument("--start", help="oldest entry wanted (ISO 8601 with offset)")
    p.add_argument("--stop", help="newest entry wanted (ISO 8601 with offset)")
    p.add_argument("--retries", type=int, help="upload attempts the charger makes")
    p.add_argument("--no-wait", action="store_true", help="do not wait for the charger's answer")
    add(diagnostics, "list", diagnostics_list, "the charger's uploads with download links", True)
