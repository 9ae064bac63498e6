"""Diagnostics and log uploads (docs/adr/0045-firmware-campaigns.md): GetDiagnostics (1.6)
and GetLog (2.0.1, the 1.6 security extension) with an upload location under
`/files/<token>`, one job per request (`CHARGER#<cp>` / `UPLOAD#<requestId>`), the charger's
status reports on it, and the file the relay stored.

Idempotency: a job is created once per request id (conditional put; the id is the request's
second since 2025, the next free one on a clash); a status report is appended once (a repeat
of the job's latest status is a replayed message and changes nothing); the relay writes the
same key again for a repeated upload. DiagnosticsStatusNotification (1.6) names no request:
it belongs to the charger's latest job, as only one command is in flight per charger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from shared.admin.errors import NotFound
from shared.commands.engine import CommandEngine, CommandError
from shared.firmware.files import DOWNLOAD_URL_S, FileLocations, upload_prefix
from shared.models.command import CommandRecord
from shared.models.files import UploadJob, UploadKind
from shared.ports import ChargerRepository
from shared.ports.files import FileObjects, UploadJobStore
from shared.timeutil import iso_utc

REQUEST_ID_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
# Attempts at a free request id when two requests for a charger share a second.
_ID_ATTEMPTS = 5
MAX_LISTED = 50


@dataclass(frozen=True)
class UploadRequest:
    # None: 1.6 GetDiagnostics; DiagnosticsLog / SecurityLog: GetLog.
    log_type: str | None = None
    start_time: str | None = None
    stop_time: str | None = None
    retries: int | None = None
    retry_interval_s: int | None = None


@dataclass(frozen=True)
class ListedUpload:
    job: UploadJob
    # A presigned GET of the stored file (5 minutes), when there is one.
    download_url: str | None


@dataclass
class DiagnosticsUploads:
    chargers: ChargerRepository
    jobs: UploadJobStore
    locations: FileLocations
    objects: FileObjects
    engine: CommandEngine
    now: Callable[[], datetime]

    def _new_job(self, charge_point_id: str, kind: UploadKind, by: str | None) -> UploadJob:
        now = self.now()
        first = int((now - REQUEST_ID_EPOCH).total_seconds())
        for request_id in range(first, first + _ID_ATTEMPTS):
            job = UploadJob(
                charge_point_id=charge_point_id,
                request_id=request_id,
                kind=kind,
                requested_at=iso_utc(now),
                key_prefix=upload_prefix(charge_point_id, request_id),
                requested_by=by,
            )
            if self.jobs.create(job):
                return job
        raise CommandError(409, "TooManyRequests", "too many upload requests for this charger")

    def request(
        self, charge_point_id: str, request: UploadRequest, requested_by: str | None = None
    ) -> tuple[UploadJob, CommandRecord]:
        """Send GetDiagnostics / GetLog with a fresh upload location; the job and the command."""
        charger = self.chargers.get(charge_point_id)
        if charger is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        protocol = charger.protocol or "ocpp1.6"
        kind: UploadKind = "diagnostics"
        if request.log_type is not None or protocol != "ocpp1.6":
            kind = "SecurityLog" if request.log_type == "SecurityLog" else "DiagnosticsLog"
        job = self._new_job(charge_point_id, kind, requested_by)
        location = self.locations.upload_location(charge_point_id, job.request_id)
        action, payload = _command(kind, job.request_id, location, request)
        try:
            record = self.engine.send(charge_point_id, action, payload, requested_by=requested_by)
        except CommandError:
            self.jobs.record_status(charge_point_id, job.request_id, "NotSent", iso_utc(self.now()))
            raise
        return job, record

    def answered(self, record: CommandRecord) -> None:
        """The charger's answer: the file name it will upload, or a refusal."""
        result = record.result or {}
        if record.action == "GetLog":
            request_id = record.payload.get("requestId")
            name = result.get("filename")
            refused = result.get("status") not in (None, "Accepted", "AcceptedCanceled")
        else:
            latest = self.jobs.latest(record.charge_point_id)
            request_id = latest.request_id if latest is not None else None
            name = result.get("fileName")
            refused = False
        if not isinstance(request_id, int):
            return
        at = record.completed_at or iso_utc(self.now())
        if record.status != "answered" or refused:
            outcome = str(result.get("status") or record.status)
            self.jobs.record_status(record.charge_point_id, request_id, outcome, at)
            return
        if record.action == "GetDiagnostics" and not name:
            # 1.6: no fileName means the charger has no diagnostics to upload.
            self.jobs.record_status(record.charge_point_id, request_id, "NothingToUpload", at)
        self.jobs.answered(record.charge_point_id, request_id, name if name else None)

    def status_reported(
        self, charge_point_id: str, status: str, request_id: int | None, at: str
    ) -> None:
        """A DiagnosticsStatusNotification / LogStatusNotification: on its job (1.6: the
        charger's latest). Idle says no upload is under way: nothing to record."""
        if status == "Idle":
            return
        if request_id is None:
            latest = self.jobs.latest(charge_point_id)
            if latest is None:
                return
            request_id = latest.request_id
        self.jobs.record_status(charge_point_id, request_id, status, at)

    def file_stored(self, charge_point_id: str, request_id: int, key: str, size_bytes: int) -> None:
        self.jobs.record_file(charge_point_id, request_id, key, size_bytes, iso_utc(self.now()))

    def list(self, charge_point_id: str, limit: int = MAX_LISTED) -> list[ListedUpload]:
        if self.chargers.get(charge_point_id) is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        return [
            ListedUpload(
                job,
                self.objects.presigned_get(job.object_key, DOWNLOAD_URL_S)
                if job.object_key
                else None,
            )
            for job in self.jobs.list(charge_point_id, min(limit, MAX_LISTED))
        ]


def _command(
    kind: UploadKind, request_id: int, location: str, request: UploadRequest
) -> tuple[str, dict[str, Any]]:
    extra: dict[str, Any] = {}
    if request.retries is not None:
        extra["retries"] = request.retries
    if request.retry_interval_s is not None:
        extra["retryInterval"] = request.retry_interval_s
    if kind == "diagnostics":
        payload = {"location": location, **extra}
        if request.start_time:
            payload["startTime"] = request.start_time
        if request.stop_time:
            payload["stopTime"] = request.stop_time
        return "GetDiagnostics", payload
    log: dict[str, Any] = {"remoteLocation": location}
    if request.start_time:
        log["oldestTimestamp"] = request.start_time
    if request.stop_time:
        log["latestTimestamp"] = request.stop_time
    return "GetLog", {"logType": kind, "requestId": request_id, "log": log, **extra}


def with_file(job: UploadJob, key: str, size_bytes: int, at: str) -> UploadJob:
    return replace(job, object_key=key, size_bytes=size_bytes, uploaded_at=at)
