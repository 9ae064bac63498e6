"""In-memory firmware images and download locations, for unit tests."""

from __future__ import annotations

from typing import Any

from shared.models.firmware import FirmwareImage

FAKE_DOWNLOAD_BASE = "https://files.example.test/firmware"


class MemoryFirmwareImages:
    def __init__(self, *images: FirmwareImage) -> None:
        self.images = {image.image_id: image for image in images}

    def get(self, image_id: str) -> FirmwareImage | None:
        return self.images.get(image_id)

    def put(self, image: FirmwareImage) -> None:
        self.images[image.image_id] = image

    def update_firmware_request(
        self,
        image: FirmwareImage,
        protocol: str,
        request_id: int,
        *,
        retries: int = 3,
        retry_interval_s: int = 120,
    ) -> tuple[str, dict[str, Any]]:
        location = f"{FAKE_DOWNLOAD_BASE}/{image.image_id}/{image.file_name}"
        retrieve = "2026-01-01T00:00:00Z"
        if protocol == "ocpp1.6":
            return "UpdateFirmware", {
                "location": location,
                "retrieveDate": retrieve,
                "retries": retries,
                "retryInterval": retry_interval_s,
            }
        firmware: dict[str, Any] = {"location": location, "retrieveDateTime": retrieve}
        if image.signed:
            firmware["signingCertificate"] = image.signing_certificate
            firmware["signature"] = image.signature
        return "UpdateFirmware", {
            "requestId": request_id,
            "retries": retries,
            "retryInterval": retry_interval_s,
            "firmware": firmware,
        }
