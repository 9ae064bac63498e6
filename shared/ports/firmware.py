"""Firmware images and the download locations chargers fetch them from
(docs/adr/0045-firmware-campaigns.md)."""

from __future__ import annotations

from typing import Any, Protocol

from shared.models.firmware import FirmwareImage


class FirmwareImageStore(Protocol):
    def get(self, image_id: str) -> FirmwareImage | None: ...


class FirmwareDownloads(Protocol):
    def update_firmware_request(
        self,
        image: FirmwareImage,
        protocol: str,
        request_id: int,
        *,
        retries: int = 3,
        retry_interval_s: int = 120,
    ) -> tuple[str, dict[str, Any]]:
        """The command that makes a charger of `protocol` ("ocpp1.6" / "ocpp2.0.1") fetch and
        install `image` now, and its payload, with a fresh download location: UpdateFirmware
        (1.6 or 2.0.1, with the signature fields when the image is signed), or the 1.6
        security extension's SignedUpdateFirmware for a signed image on 1.6."""
        ...
