"""Firmware images (docs/adr/0045-firmware-campaigns.md): the operator declares an image
(version, file name, SHA-256, size, for signed updates the certificate and signature), gets
a presigned PUT valid 15 minutes, uploads, and the image becomes `available` once the stored
object's size and checksum match what was declared (`verify`, or the first `read` after the
upload).

Idempotency: the image is created once (a new id per request); `verify` only reads the object
and moves awaiting_upload -> available, a no-op when repeated. A mismatch changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shared.admin.errors import NotFound
from shared.firmware.files import firmware_key
from shared.models.firmware import FirmwareImage
from shared.ports.files import FileObjects, FirmwareImageRepository
from shared.ports.paging import Page
from shared.timeutil import iso_utc

UPLOAD_URL_S = 15 * 60
# Larger objects are hashed by S3 (a checksummed PUT), never read whole by the API function.
MAX_READ_TO_HASH_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ImageDeclaration:
    version: str
    file_name: str
    sha256: str
    size_bytes: int
    vendor: str | None = None
    model: str | None = None
    signing_certificate: str | None = None
    signature: str | None = None


class ChecksumMismatch(Exception):
    def __init__(self, what: str, declared: str | int, stored: str | int | None) -> None:
        super().__init__(f"the stored file's {what} is {stored}, the image declares {declared}")
        self.what = what
        self.declared = declared
        self.stored = stored


def hex_of_base64(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        return None


def base64_of_hex(value: str) -> str:
    return base64.b64encode(bytes.fromhex(value)).decode()


@dataclass
class FirmwareImages:
    images: FirmwareImageRepository
    objects: FileObjects
    now: Callable[[], datetime]
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex

    def create(
        self, declared: ImageDeclaration, created_by: str | None = None
    ) -> tuple[FirmwareImage, str]:
        """The new image and the presigned PUT its file goes to (15 minutes)."""
        image = FirmwareImage(
            image_id=self.new_id(),
            version=declared.version,
            file_name=declared.file_name,
            sha256=declared.sha256.lower(),
            status="awaiting_upload",
            created_at=iso_utc(self.now()),
            vendor=declared.vendor,
            model=declared.model,
            size_bytes=declared.size_bytes,
            signing_certificate=declared.signing_certificate,
            signature=declared.signature,
            created_by=created_by,
        )
        self.images.create(image)
        return image, self.upload_url(image)

    def upload_url(self, image: FirmwareImage) -> str:
        return self.objects.presigned_put(firmware_key(image), UPLOAD_URL_S)

    def get(self, image_id: str) -> FirmwareImage:
        image = self.images.get(image_id)
        if image is None:
            raise NotFound(f"firmware image {image_id!r} does not exist")
        return image

    def read(self, image_id: str) -> FirmwareImage:
        """The image, verified on the way when its file arrived since (the first read after
        the upload makes it available; a mismatch leaves it as it is)."""
        image = self.get(image_id)
        if image.status == "available" or self.objects.head(firmware_key(image)) is None:
            return image
        try:
            return self.verify(image_id)
        except ChecksumMismatch:
            return image

    def list(self, limit: int, cursor: str | None = None) -> Page[FirmwareImage]:
        return self.images.list(limit, cursor)

    def verify(self, image_id: str) -> FirmwareImage:
        """Check the stored file against the declaration: S3's full-object SHA-256 when the
        upload sent one, else the file read and hashed. Raises NotFound (no such image, or no
        file yet) or ChecksumMismatch; an available image is returned as it is."""
        image = self.get(image_id)
        if image.status == "available":
            return image
        stored = self.objects.head(firmware_key(image))
        if stored is None:
            raise NotFound(f"the file of image {image_id!r} has not been uploaded yet")
        if image.size_bytes is not None and stored.size_bytes != image.size_bytes:
            raise ChecksumMismatch("size", image.size_bytes, stored.size_bytes)
        digest = stored.sha256
        if digest is None and stored.size_bytes <= MAX_READ_TO_HASH_BYTES:
            digest = self.objects.sha256(firmware_key(image))
        if digest != image.sha256:
            raise ChecksumMismatch("sha256", image.sha256, digest)
        updated = self.images.mark_available(image_id, stored.size_bytes)
        if updated is None:
            raise NotFound(f"firmware image {image_id!r} does not exist")
        return updated
