"""Firmware images and diagnostics uploads (docs/adr/0045-firmware-campaigns.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from shared.api.models.common import ApiModel
from shared.firmware.files import SAFE_NAME
from shared.firmware.uploads import ListedUpload
from shared.models.firmware import FirmwareImage

# OCPP 2.0.1 firmware.signingCertificate (string, 5500) and signature (800).
MAX_CERTIFICATE = 5500
MAX_SIGNATURE = 800
IMAGE_ID_PATTERN = r"^[0-9a-f]{32}$"


class FirmwareImageBody(ApiModel):
    version: str = Field(
        min_length=1,
        max_length=50,
        pattern=r"^[\x21-\x7e]+$",
        description="The version the charger reports once it runs the image (its "
        "BootNotification firmwareVersion; at most 50 characters)",
    )
    fileName: str = Field(
        pattern=SAFE_NAME.pattern,
        description="The file's name, safe as the last part of a URL and an S3 key: letters, "
        "digits and `._+-`, not starting with a dot, at most 200 characters",
    )
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="Hex SHA-256 of the file")
    sizeBytes: int = Field(ge=1, le=5 * 1024**4, description="The file's size in bytes")
    vendor: str | None = Field(default=None, min_length=1, max_length=50)
    model: str | None = Field(default=None, min_length=1, max_length=50)
    signingCertificate: str | None = Field(
        default=None,
        max_length=MAX_CERTIFICATE,
        pattern=r"-----BEGIN CERTIFICATE-----",
        description="Signed updates: the PEM certificate that signed the image (with signature)",
    )
    signature: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SIGNATURE,
        pattern=r"^[A-Za-z0-9+/=\s]+$",
        description="Signed updates: the base64 signature of the image (with the certificate)",
    )

    @model_validator(mode="after")
    def _signed_together(self) -> FirmwareImageBody:
        if (self.signingCertificate is None) != (self.signature is None):
            raise ValueError("give signingCertificate and signature together, or neither")
        if ".." in self.fileName:
            raise ValueError("fileName must not contain '..'")
        return self


class FirmwareImageView(ApiModel):
    imageId: str
    version: str
    fileName: str
    sha256: str
    sizeBytes: int | None
    status: Literal["awaiting_upload", "available"] = Field(
        description="awaiting_upload until the stored file matches size and checksum"
    )
    vendor: str | None
    model: str | None
    signed: bool = Field(description="Whether a signing certificate and signature are kept")
    signingCertificate: str | None
    signature: str | None
    createdAt: str
    createdBy: str | None

    @classmethod
    def of(cls, image: FirmwareImage) -> FirmwareImageView:
        return cls(
            imageId=image.image_id,
            version=image.version,
            fileName=image.file_name,
            sha256=image.sha256,
            sizeBytes=image.size_bytes,
            status=image.status,
            vendor=image.vendor,
            model=image.model,
            signed=image.signed,
            signingCertificate=image.signing_certificate,
            signature=image.signature,
            createdAt=image.created_at,
            createdBy=image.created_by,
        )


class CreatedFirmwareImage(ApiModel):
    image: FirmwareImageView
    uploadUrl: str = Field(
        description="Presigned S3 PUT of the file (15 minutes): `PUT` the file's bytes there, "
        "then verify the image"
    )
    uploadExpiresInSeconds: int


class FirmwareImagePage(ApiModel):
    items: list[FirmwareImageView] = Field(description="Newest first")
    nextCursor: str | None


class DiagnosticsRequestBody(ApiModel):
    logType: Literal["DiagnosticsLog", "SecurityLog"] | None = Field(
        default=None,
        description="OCPP 2.0.1 GetLog's log type (default DiagnosticsLog). On 1.6: absent "
        "sends GetDiagnostics, given sends the security extension's GetLog",
    )
    startTime: AwareDatetime | None = Field(
        default=None, description="Oldest entry wanted (1.6 startTime, 2.0.1 oldestTimestamp)"
    )
    stopTime: AwareDatetime | None = Field(
        default=None, description="Newest entry wanted (1.6 stopTime, 2.0.1 latestTimestamp)"
    )
    retries: int | None = Field(default=None, ge=0, le=10)
    retryInterval: int | None = Field(default=None, ge=0, le=86400, description="Seconds")


class UploadStatusView(ApiModel):
    status: str
    at: str


class UploadView(ApiModel):
    requestId: int
    kind: Literal["diagnostics", "DiagnosticsLog", "SecurityLog"] = Field(
        description="diagnostics: 1.6 GetDiagnostics; the others: GetLog's log type"
    )
    requestedAt: str
    requestedBy: str | None
    fileName: str | None = Field(description="The file name the charger said it uploads")
    status: str | None = Field(
        description="The latest report (DiagnosticsStatusNotification / LogStatusNotification), "
        "or the command's refusal"
    )
    statusAt: str | None
    statuses: list[UploadStatusView]
    sizeBytes: int | None = Field(description="The stored file's size, once uploaded")
    uploadedAt: str | None
    downloadUrl: str | None = Field(description="Presigned GET of the stored file (5 minutes)")

    @classmethod
    def of(cls, listed: ListedUpload) -> UploadView:
        job = listed.job
        return cls(
            requestId=job.request_id,
            kind=job.kind,
            requestedAt=job.requested_at,
            requestedBy=job.requested_by,
            fileName=job.file_name,
            status=job.status,
            statusAt=job.status_at,
            statuses=[UploadStatusView(status=s.status, at=s.at) for s in job.statuses],
            sizeBytes=job.size_bytes,
            uploadedAt=job.uploaded_at,
            downloadUrl=listed.download_url,
        )


class UploadList(ApiModel):
    uploads: list[UploadView] = Field(description="Newest request first")


class RequestedUpload(ApiModel):
    requestId: int
    commandId: str = Field(description="The GetDiagnostics / GetLog command's id")
    action: Literal["GetDiagnostics", "GetLog"]
    commandStatus: str = Field(description="The command's status when this answer was made")
    result: dict[str, object] | None = Field(description="The charger's answer, if any yet")
