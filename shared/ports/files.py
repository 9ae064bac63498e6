"""The files bucket, the tokens of the chargers' `/files/<token>` locations, firmware images
as the operator API manages them, and upload jobs (docs/adr/0045-firmware-campaigns.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shared.models.files import FileToken, UploadJob
from shared.models.firmware import FirmwareImage
from shared.ports.firmware import FirmwareImageStore
from shared.ports.paging import Page


@dataclass(frozen=True)
class StoredObject:
    size_bytes: int
    # Hex SHA-256 when S3 kept a full-object checksum (the PUT sent x-amz-checksum-sha256).
    sha256: str | None = None


class FileObjects(Protocol):
    """The files bucket (one adapter per external system: shared/adapters/s3.py)."""

    def presigned_put(self, key: str, expires_s: int, sha256: str | None = None) -> str:
        """A URL the holder may PUT `key` to; given `sha256` (hex), S3 also checks the body
        against it (the PUT must then send x-amz-checksum-sha256)."""
        ...

    def presigned_get(self, key: str, expires_s: int) -> str: ...

    def head(self, key: str) -> StoredObject | None: ...

    def sha256(self, key: str) -> str:
        """Hex SHA-256 of the stored object, read and hashed."""
        ...

    def put(self, key: str, body: bytes, content_type: str) -> None: ...


class FileTokenStore(Protocol):
    def put_token(self, token: FileToken) -> None: ...

    def get_token(self, token: str) -> FileToken | None: ...


class FirmwareImageRepository(FirmwareImageStore, Protocol):
    def create(self, image: FirmwareImage) -> bool:
        """Store a new image; False when its id exists already."""
        ...

    def mark_available(self, image_id: str, size_bytes: int) -> FirmwareImage | None:
        """awaiting_upload -> available (idempotent); None for an unknown image."""
        ...

    def list(self, limit: int, cursor: str | None = None) -> Page[FirmwareImage]:
        """Newest first."""
        ...


class UploadJobStore(Protocol):
    def create(self, job: UploadJob) -> bool:
        """Store a new job; False when the charger has one with this request id."""
        ...

    def get(self, charge_point_id: str, request_id: int) -> UploadJob | None: ...

    def latest(self, charge_point_id: str) -> UploadJob | None: ...

    def list(self, charge_point_id: str, limit: int) -> list[UploadJob]:
        """Newest first."""
        ...

    def answered(self, charge_point_id: str, request_id: int, file_name: str | None) -> None:
        """Record the file name the charger said it will upload."""
        ...

    def record_status(self, charge_point_id: str, request_id: int, status: str, at: str) -> bool:
        """Append a status report; False for an unknown job or a repeat of its latest status."""
        ...

    def record_file(
        self, charge_point_id: str, request_id: int, key: str, size_bytes: int, at: str
    ) -> None: ...


@dataclass(frozen=True)
class FileStores:
    """What images, file locations and uploads are kept in (one adapter each)."""

    objects: FileObjects
    tokens: FileTokenStore
    images: FirmwareImageRepository
    uploads: UploadJobStore
