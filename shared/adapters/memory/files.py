"""In-memory files bucket, file tokens, firmware images and upload jobs, for unit tests."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from typing import Any

from shared.adapters.dynamodb.paging import key_values
from shared.adapters.memory.paging import page_after
from shared.models.files import FileToken, UploadJob, UploadStatus
from shared.models.firmware import FirmwareImage
from shared.ports.files import StoredObject
from shared.ports.paging import Page

FAKE_S3 = "https://files-bucket.example.test"


@dataclass
class MemoryFileObjects:
    objects: dict[str, bytes] = field(default_factory=dict)
    # Full-object SHA-256 (hex) S3 would report for a key, when the upload sent one.
    checksums: dict[str, str] = field(default_factory=dict)
    reads: int = 0

    def presigned_put(self, key: str, expires_s: int, sha256: str | None = None) -> str:
        return f"{FAKE_S3}/{key}?method=PUT&expires={expires_s}"

    def presigned_get(self, key: str, expires_s: int) -> str:
        return f"{FAKE_S3}/{key}?method=GET&expires={expires_s}"

    def head(self, key: str) -> StoredObject | None:
        body = self.objects.get(key)
        if body is None:
            return None
        return StoredObject(len(body), self.checksums.get(key))

    def sha256(self, key: str) -> str:
        self.reads += 1
        return hashlib.sha256(self.objects[key]).hexdigest()

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = body


@dataclass
class MemoryFileTokens:
    tokens: dict[str, FileToken] = field(default_factory=dict)

    def put_token(self, token: FileToken) -> None:
        self.tokens[token.token] = token

    def get_token(self, token: str) -> FileToken | None:
        found = self.tokens.get(token)
        return None if found is None or found.expired(time.time()) else found


@dataclass
class MemoryImageRepository:
    images: dict[str, FirmwareImage] = field(default_factory=dict)

    def create(self, image: FirmwareImage) -> bool:
        if image.image_id in self.images:
            return False
        self.images[image.image_id] = image
        return True

    def get(self, image_id: str) -> FirmwareImage | None:
        return self.images.get(image_id)

    def mark_available(self, image_id: str, size_bytes: int) -> FirmwareImage | None:
        image = self.images.get(image_id)
        if image is None:
            return None
        image = self.images[image_id] = replace(image, status="available", size_bytes=size_bytes)
        return image

    def list(self, limit: int, cursor: str | None = None) -> Page[FirmwareImage]:
        keys = ("pk", "sk", "kind", "createdAt")
        after = key_values(cursor, keys, {"kind": "image"})

        def key(image: FirmwareImage) -> dict[str, Any]:
            return {
                "pk": f"IMAGE#{image.image_id}",
                "sk": "IMAGE",
                "kind": "image",
                "createdAt": image.created_at,
            }

        return page_after(
            self.images.values(), key, ("createdAt", "pk"), limit, after, descending=True
        )


@dataclass
class MemoryUploadJobs:
    jobs: dict[tuple[str, int], UploadJob] = field(default_factory=dict)

    def create(self, job: UploadJob) -> bool:
        key = (job.charge_point_id, job.request_id)
        if key in self.jobs:
            return False
        self.jobs[key] = job
        return True

    def get(self, charge_point_id: str, request_id: int) -> UploadJob | None:
        return self.jobs.get((charge_point_id, request_id))

    def list(self, charge_point_id: str, limit: int) -> list[UploadJob]:
        mine = [job for (cp, _), job in self.jobs.items() if cp == charge_point_id]
        return sorted(mine, key=lambda job: job.request_id, reverse=True)[:limit]

    def latest(self, charge_point_id: str) -> UploadJob | None:
        found = self.list(charge_point_id, 1)
        return found[0] if found else None

    def answered(self, charge_point_id: str, request_id: int, file_name: str | None) -> None:
        job = self.jobs.get((charge_point_id, request_id))
        if job is not None and file_name is not None:
            self.jobs[(charge_point_id, request_id)] = replace(job, file_name=file_name)

    def record_status(self, charge_point_id: str, request_id: int, status: str, at: str) -> bool:
        job = self.jobs.get((charge_point_id, request_id))
        if job is None or job.status == status:
            return False
        self.jobs[(charge_point_id, request_id)] = replace(
            job,
            status=status,
            status_at=at,
            statuses=(*job.statuses, UploadStatus(status, at)),
        )
        return True

    def record_file(
        self, charge_point_id: str, request_id: int, key: str, size_bytes: int, at: str
    ) -> None:
        job = self.jobs.get((charge_point_id, request_id))
        if job is not None:
            self.jobs[(charge_point_id, request_id)] = replace(
                job, object_key=key, size_bytes=size_bytes, uploaded_at=at
            )
