"""The files bucket (docs/adr/0045-firmware-campaigns.md): presigned PUTs and GETs, heads with
S3's full-object checksum, reads to hash, and the relay's PutObject."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from shared.adapters.aws_clients import error_code
from shared.ports.files import StoredObject

_CHUNK = 1024 * 1024


class S3FileObjects:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def presigned_put(self, key: str, expires_s: int, sha256: str | None = None) -> str:
        params: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if sha256 is not None:
            params["ChecksumSHA256"] = base64.b64encode(bytes.fromhex(sha256)).decode()
        url: str = self._client.generate_presigned_url(
            "put_object", Params=params, ExpiresIn=expires_s
        )
        return url

    def presigned_get(self, key: str, expires_s: int) -> str:
        url: str = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_s
        )
        return url

    def head(self, key: str) -> StoredObject | None:
        try:
            head = self._client.head_object(Bucket=self._bucket, Key=key, ChecksumMode="ENABLED")
        except Exception as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        checksum = head.get("ChecksumSHA256")
        # A multipart upload's checksum is of its parts ("...-3"), not of the file: unusable.
        full_object = head.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT"
        digest = None
        if isinstance(checksum, str) and "-" not in checksum and full_object:
            try:
                digest = base64.b64decode(checksum, validate=True).hex()
            except ValueError:
                digest = None
        return StoredObject(size_bytes=int(head["ContentLength"]), sha256=digest)

    def sha256(self, key: str) -> str:
        body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
        digest = hashlib.sha256()
        for chunk in iter(lambda: body.read(_CHUNK), b""):
            digest.update(chunk)
        return digest.hexdigest()

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)
