"""The chargers' short file locations (docs/adr/0045-firmware-campaigns.md).

A charger gets `<base>/files/<token>`: OCPP 2.0.1 caps a location at 512 characters, and a
presigned URL signed with a Lambda role's session credentials is longer and dies with the
session. The token (122 random bits, an item with a TTL) is the credential: a download token
answers 307 to a presigned GET of its object minted at that moment (valid 5 minutes), so
retries and a late retrieveDateTime never meet an expired URL; an upload token lets the
charger PUT (or POST multipart) one file under its job's prefix, replaced when sent again.

Idempotency: a token is written once (a new random name each time: a repeated request mints
another, harmless one); resolving only reads; an upload writes the same key again.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.models.files import FileToken, TokenKind
from shared.models.firmware import FirmwareImage
from shared.ports.files import FileObjects, FileTokenStore

# How long a presigned GET minted for a charger's download is valid.
DOWNLOAD_URL_S = 300
# A download location outlives the update's retries (campaign steps are bounded by hours).
DOWNLOAD_TOKEN_S = 7 * 24 * 3600
# An upload location lives as long as chargers take to upload (queued behind other jobs).
UPLOAD_TOKEN_S = 24 * 3600
# The largest upload the relay takes: Lambda's synchronous payload limit.
MAX_UPLOAD_BYTES = 6 * 1024 * 1024
# A file name safe as the last part of an S3 key and of a URL path.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")
TOKEN_SHAPE = re.compile(r"^[0-9a-f]{32}$")


def firmware_key(image: FirmwareImage) -> str:
    return f"firmware/{image.image_id}/{image.file_name}"


def upload_prefix(charge_point_id: str, request_id: int) -> str:
    return f"uploads/{charge_point_id}/{request_id}/"


def safe_name(name: str | None, default: str) -> str:
    """The charger's file name when it is safe in a key, else `default`."""
    return name if name and SAFE_NAME.match(name) and ".." not in name else default


class FileNotFound(Exception):
    """Unknown, expired or malformed token."""


class WrongMethod(Exception):
    """An upload to a download token, or a download of an upload token."""


class TooLarge(Exception):
    pass


@dataclass
class FileLocations:
    tokens: FileTokenStore
    objects: FileObjects
    # The public HTTP API's base URL (FILES_BASE_URL); locations are `<base>/files/<token>`.
    base_url: str
    clock: Callable[[], float] = time.time
    new_token: Callable[[], str] = lambda: uuid.uuid4().hex

    def _mint(
        self,
        kind: TokenKind,
        key: str,
        ttl_s: int,
        charge_point_id: str | None = None,
        request_id: int | None = None,
    ) -> str:
        token = FileToken(
            token=self.new_token(),
            kind=kind,
            key=key,
            expires_at=int(self.clock()) + ttl_s,
            charge_point_id=charge_point_id,
            request_id=request_id,
        )
        self.tokens.put_token(token)
        return f"{self.base_url.rstrip('/')}/files/{token.token}"

    def download_location(self, image: FirmwareImage, charge_point_id: str | None = None) -> str:
        return self._mint("download", firmware_key(image), DOWNLOAD_TOKEN_S, charge_point_id)

    def upload_location(self, charge_point_id: str, request_id: int) -> str:
        prefix = upload_prefix(charge_point_id, request_id)
        return self._mint("upload", prefix, UPLOAD_TOKEN_S, charge_point_id, request_id)

    # What the charger's request on `/files/<token>` gets.

    def _token(self, token: str, kind: TokenKind) -> FileToken:
        found = self.tokens.get_token(token) if TOKEN_SHAPE.match(token) else None
        if found is None or found.expired(self.clock()):
            raise FileNotFound(token)
        if found.kind != kind:
            raise WrongMethod(found.kind)
        return found

    def download_url(self, token: str) -> str:
        """The presigned GET a download token redirects to, minted now."""
        return self.objects.presigned_get(self._token(token, "download").key, DOWNLOAD_URL_S)

    def upload(self, token: str, name: str | None, body: bytes) -> tuple[FileToken, str]:
        """Store the charger's file under its job's prefix: the token and the key written."""
        found = self._token(token, "upload")
        if len(body) > MAX_UPLOAD_BYTES:
            raise TooLarge(len(body))
        key = found.key + safe_name(name, f"upload-{found.request_id or 'file'}.bin")
        self.objects.put(key, body, "application/octet-stream")
        return found, key

    # UpdateFirmware (FirmwareDownloads, shared/ports/firmware.py).

    def update_firmware_request(
        self,
        image: FirmwareImage,
        protocol: str,
        request_id: int,
        *,
        retries: int = 3,
        retry_interval_s: int = 120,
    ) -> tuple[str, dict[str, Any]]:
        """UpdateFirmware (1.6, 2.0.1 with the signature fields when signed) or the 1.6
        security extension's SignedUpdateFirmware for a signed image on 1.6, fetching a fresh
        location now."""
        location = self.download_location(image)
        now = _iso(self.clock())
        if protocol == "ocpp1.6" and not image.signed:
            return "UpdateFirmware", {
                "location": location,
                "retrieveDate": now,
                "retries": retries,
                "retryInterval": retry_interval_s,
            }
        firmware: dict[str, Any] = {"location": location, "retrieveDateTime": now}
        if image.signed:
            firmware["signingCertificate"] = image.signing_certificate
            firmware["signature"] = image.signature
        action = "SignedUpdateFirmware" if protocol == "ocpp1.6" else "UpdateFirmware"
        return action, {
            "requestId": request_id,
            "retries": retries,
            "retryInterval": retry_interval_s,
            "firmware": firmware,
        }


def _iso(epoch_s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))
