"""The chargers' `/files/<token>[/<name>]` route (docs/adr/0045-firmware-campaigns.md), no
operator auth: the random token is the credential.

GET of a download token: 307 to a presigned S3 GET minted now (5 minutes). PUT (raw body) or
POST multipart/form-data (the first file part) to an upload token: the file is written to its
job's prefix (a repeated upload replaces it) and recorded on the job. Unknown or expired
token: 404; a method the token does not take: 405; a body over 6 MB: 413. Errors are the
operator API's JSON shape.
"""

from __future__ import annotations

import base64
import json
import logging
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from shared.bootstrap import Services
from shared.firmware.files import MAX_UPLOAD_BYTES, FileNotFound, TooLarge, WrongMethod

logger = logging.getLogger("csms.files")
PREFIX = "/files/"


def _answer(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return _answer(status, {"error": {"code": code, "message": message}})


def _body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")


def _header(event: dict[str, Any], name: str) -> str:
    headers = event.get("headers") or {}
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return ""


def first_file_part(content_type: str, body: bytes) -> tuple[str | None, bytes] | None:
    """The first file part of a multipart/form-data body: its file name and bytes."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        return None
    parts = list(message.iter_parts())
    for part in parts:
        if part.get_filename() is not None:
            return part.get_filename(), _bytes(part.get_payload(decode=True))
    if parts:
        return None, _bytes(parts[0].get_payload(decode=True))
    return None


def _bytes(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else b""


def handle(event: dict[str, Any], services: Services) -> dict[str, Any]:
    locations, uploads = services.file_locations, services.uploads
    if locations is None or uploads is None:
        return _error(404, "NotFound", "no files are kept here")
    method = (event.get("requestContext", {}).get("http", {}).get("method") or "GET").upper()
    path = event.get("rawPath") or ""
    if not path.startswith(PREFIX):
        return _error(404, "NotFound", "unknown file")
    token, _, name = path[len(PREFIX) :].partition("/")
    try:
        if method in ("GET", "HEAD"):
            return _answer(307, {}, {"Location": locations.download_url(token)})
        if method not in ("PUT", "POST"):
            return _error(405, "MethodNotAllowed", f"{method} is not served here")
        body = _body(event)
        if len(body) > MAX_UPLOAD_BYTES:
            raise TooLarge(len(body))
        content_type = _header(event, "content-type")
        if method == "POST" and content_type.lower().startswith("multipart/form-data"):
            part = first_file_part(content_type, body)
            if part is None:
                return _error(400, "InvalidRequest", "the form holds no file")
            part_name, body = part
            name = name or (part_name or "")
        found, key = locations.upload(token, name or None, body)
    except FileNotFound:
        return _error(404, "NotFound", "unknown or expired file location")
    except WrongMethod as exc:
        allowed = "GET" if str(exc) == "download" else "PUT, POST"
        return _answer(
            405,
            {"error": {"code": "MethodNotAllowed", "message": f"this location takes {allowed}"}},
            {"Allow": allowed},
        )
    except TooLarge:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        return _error(413, "PayloadTooLarge", f"uploads are limited to {limit} MB")
    if found.charge_point_id is not None and found.request_id is not None:
        uploads.file_stored(found.charge_point_id, found.request_id, key, len(body))
    logger.info("file uploaded", extra={"chargePointId": found.charge_point_id, "bytes": len(body)})
    return _answer(200, {"stored": key.rsplit("/", 1)[-1], "sizeBytes": len(body)})
