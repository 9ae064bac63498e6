"""A firmware image operators roll out (docs/adr/0045-firmware-campaigns.md): stored once in
the files bucket, described by its version, checksum and (for signed updates) signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# awaiting_upload: the record exists and the operator has a presigned PUT; available: the
# object is in the bucket with the declared size and checksum.
ImageStatus = Literal["awaiting_upload", "available"]


@dataclass(frozen=True)
class FirmwareImage:
    image_id: str
    version: str
    file_name: str
    # Hex SHA-256 of the file, declared at creation and checked against the stored object.
    sha256: str
    status: ImageStatus
    created_at: str
    vendor: str | None = None
    model: str | None = None
    size_bytes: int | None = None
    # Signed updates (2.0.1 L01, the 1.6 security extension's SignedUpdateFirmware): the PEM
    # certificate that signed the image and the base64 signature.
    signing_certificate: str | None = None
    signature: str | None = None
    created_by: str | None = None

    @property
    def signed(self) -> bool:
        return self.signing_certificate is not None and self.signature is not None
