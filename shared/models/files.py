"""The files chargers fetch and upload (docs/adr/0045-firmware-campaigns.md): the tokens of
their short `/files/<token>` locations, and the diagnostics/log upload jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# download: GET answers 307 to a presigned GET of `key`; upload: PUT/POST write under `key`
# (a prefix ending in "/": the charger's file name, or a default one, completes it).
TokenKind = Literal["download", "upload"]
# diagnostics: 1.6 GetDiagnostics; DiagnosticsLog / SecurityLog: GetLog (2.0.1, 1.6 security
# extension).
UploadKind = Literal["diagnostics", "DiagnosticsLog", "SecurityLog"]


@dataclass(frozen=True)
class FileToken:
    token: str
    kind: TokenKind
    key: str
    # Epoch seconds after which the token is gone (the item's TTL; expired = absent on read).
    expires_at: int
    charge_point_id: str | None = None
    # The upload job a token of kind "upload" belongs to.
    request_id: int | None = None

    def expired(self, now_s: float) -> bool:
        return now_s >= self.expires_at


@dataclass(frozen=True)
class UploadStatus:
    status: str
    at: str


@dataclass(frozen=True)
class UploadJob:
    """One GetDiagnostics / GetLog request and what came of it."""

    charge_point_id: str
    request_id: int
    kind: UploadKind
    requested_at: str
    # uploads/<chargePointId>/<requestId>/: where the charger's file lands.
    key_prefix: str
    requested_by: str | None = None
    # What the charger answered: the name of the file it will upload (None: nothing to upload).
    file_name: str | None = None
    # The latest status report (DiagnosticsStatusNotification / LogStatusNotification), and all.
    status: str | None = None
    status_at: str | None = None
    statuses: tuple[UploadStatus, ...] = ()
    # The file as stored once the charger uploaded it.
    object_key: str | None = None
    size_bytes: int | None = None
    uploaded_at: str | None = None
