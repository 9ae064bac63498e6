"""Firmware updates and diagnostics/log uploads as a charger runs them: a real HTTP download
of the location (redirects followed) or a real HTTP PUT of a generated file, each step
reported, with the outcome drawn from the charger's job faults (simulator/job_faults.py).

Locations on the reserved example domains (RFC 2606/6761: example.com/.net/.org, *.example,
*.test, *.invalid) are not contacted: the transfer is pretended, so tests without a file
server keep working. Anything else is fetched for real; an HTTP error, an unreachable host or
a scheme other than http(s) is a DownloadFailed / UploadFailed.

The installed version: a simulated image names it on its first line
(`ocpp-sim-firmware version=<v> bytes=<n>`, see `firmware_file`; a file shorter than its
declared size is a failed download); a file without that line installs the last part of the
location's path, as before (`version_of`). OCPP hands a charger no checksum, so none is
checked beyond the transfer's own Content-Length.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aiohttp

from simulator.command_handlers.both_versions import version_of
from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import V16, quietly

log = logging.getLogger("simulator.commands")

FIRMWARE_MAGIC = b"ocpp-sim-firmware "
TRANSFER_TIMEOUT_S = 30.0
# How long a charger rebooting into new firmware waits to be online again before reporting.
BACK_ONLINE_TIMEOUT_S = 60.0
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_RESERVED_SUFFIXES = (".example", ".test", ".invalid")


class TransferFailed(Exception):
    """The download or upload did not happen (HTTP error, unreachable, wrong scheme)."""


def pretended(location: str) -> bool:
    """Whether `location` is on a reserved example domain (not contacted)."""
    host = (urlsplit(location).hostname or "").lower()
    return (
        host in _RESERVED_DOMAINS
        or host.endswith(tuple("." + domain for domain in _RESERVED_DOMAINS))
        or host.endswith(_RESERVED_SUFFIXES)
    )


def firmware_file(version: str, size_bytes: int = 4096) -> bytes:
    """A simulated firmware image of `size_bytes` that installs `version`."""
    head = FIRMWARE_MAGIC + f"version={version} bytes={size_bytes}\n".encode()
    if size_bytes < len(head):
        raise ValueError(f"size_bytes must be at least {len(head)}")
    filler = b"\0" * (size_bytes - len(head))
    return head + filler


def version_in(body: bytes) -> str | None:
    """The version a simulated image installs; None when it is no simulated image.
    Raises TransferFailed when the file is shorter or longer than it says."""
    if not body.startswith(FIRMWARE_MAGIC):
        return None
    line = body.split(b"\n", 1)[0][len(FIRMWARE_MAGIC) :].decode(errors="replace")
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    declared = fields.get("bytes")
    if declared is not None and declared.isdigit() and int(declared) != len(body):
        raise TransferFailed(f"got {len(body)} bytes, the image says {declared}")
    version = fields.get("version")
    return version[:50] if version else None


async def download(location: str) -> tuple[bytes, str]:
    """GET `location` (following redirects): the body and the final URL."""
    if urlsplit(location).scheme not in ("http", "https"):
        raise TransferFailed(f"cannot download {urlsplit(location).scheme or '?'}:// locations")
    timeout = aiohttp.ClientTimeout(total=TRANSFER_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(location, allow_redirects=True) as response,
        ):
            if response.status >= 300:
                raise TransferFailed(f"HTTP {response.status} from {location}")
            return await response.read(), str(response.url)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransferFailed(repr(exc)) from exc


async def upload(location: str, file_name: str, body: bytes) -> None:
    """PUT `body` to `location`/`file_name` (the file name is appended as the last segment)."""
    if urlsplit(location).scheme not in ("http", "https"):
        raise TransferFailed(f"cannot upload to {urlsplit(location).scheme or '?'}:// locations")
    url = f"{location.rstrip('/')}/{file_name}"
    timeout = aiohttp.ClientTimeout(total=TRANSFER_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.put(
                url, data=body, headers={"Content-Type": "application/octet-stream"}
            ) as response,
        ):
            if response.status >= 300:
                raise TransferFailed(f"HTTP {response.status} from {url}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransferFailed(repr(exc)) from exc


def diagnostics_file(cp: ChargerApi, kind: str = "diagnostics") -> bytes:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    lines = [
        f"# {kind} of {cp.charge_point_id} ({cp.protocol}) at {now}",
        f"firmware={cp.identity.firmware_version} vendor={cp.identity.vendor}",
        f"firmware_status={cp.device.firmware_status} connectors={cp.connectors}",
    ]
    lines += [f"{now} INFO simulated log line {n}" for n in range(20)]
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class FirmwareJob:
    location: str
    # 2.0.1 and the 1.6 security extension number their jobs; 1.6 UpdateFirmware does not.
    request_id: int | None = None
    signed: bool = False
    retries: int = 0
    action: str = "FirmwareStatusNotification"


def start_firmware_update(cp: ChargerApi, job: FirmwareJob) -> None:
    """Run the update in the background of the device: it outlives the reboot it ends with."""
    cp.device.start_background(run_firmware_update(cp, job))


async def run_firmware_update(cp: ChargerApi, job: FirmwareJob) -> None:
    """Downloading, Downloaded, (SignatureVerified,) Installing, (InstallRebooting,) a reboot
    into the new version, Installed; or the failure the charger's faults drew."""
    faults = cp.device.faults
    outcome = faults.firmware_outcome(cp.device.fault_rng(cp.charge_point_id))
    log.info("%s firmware update from %s: %s", cp.charge_point_id, job.location, outcome)
    if outcome == "never_reports":
        return

    async def report(status: str) -> None:
        await asyncio.sleep(cp.device.step_s)
        cp.device.firmware_status = status
        payload: dict[str, object] = {"status": status}
        if job.request_id is not None:
            payload["requestId"] = job.request_id
        await quietly(cp.call(job.action, payload))

    await report("Downloading")
    if outcome == "download_failed":
        await report("DownloadFailed")
        return
    try:
        version = await _fetch_version(cp, job)
    except TransferFailed as exc:
        log.info("%s download failed: %s", cp.charge_point_id, exc)
        await report("DownloadFailed")
        return
    await report("Downloaded")
    if job.signed:
        if outcome == "invalid_signature":
            await report("InvalidSignature")
            return
        await report("SignatureVerified")
    await report("Installing")
    if outcome == "install_failed":
        await report("InstallationFailed")
        return
    if outcome != "old_version" and version is not None:
        cp.identity = replace(cp.identity, firmware_version=version)
    if job.request_id is not None:
        await report("InstallRebooting")
    cp.identity = replace(cp.identity, boot_reason="FirmwareUpdate")
    await cp.reboot(faults.reboot_s)
    await _back_online(cp)
    cp.identity = replace(cp.identity, boot_reason="PowerUp")
    await report("Installed")


async def _fetch_version(cp: ChargerApi, job: FirmwareJob) -> str | None:
    if pretended(job.location):
        return version_of(job.location)
    attempts = 1 + max(job.retries, 0)
    for attempt in range(attempts):
        try:
            body, final_url = await download(job.location)
        except TransferFailed:
            if attempt + 1 == attempts:
                raise
            await asyncio.sleep(cp.device.step_s)
            continue
        return version_in(body) or version_of(urlsplit(final_url).path)
    return None


async def _back_online(cp: ChargerApi) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BACK_ONLINE_TIMEOUT_S
    while not cp.is_online and loop.time() < deadline:
        await asyncio.sleep(0.05)


async def run_upload(
    cp: ChargerApi, location: str, file_name: str, request_id: int | None = None
) -> None:
    """Uploading, then the file PUT to the location, then Uploaded (or the failure)."""
    faults = cp.device.faults
    outcome = faults.upload_outcome(cp.device.fault_rng(cp.charge_point_id))
    if request_id is None and cp.protocol == V16:
        action, failed = "DiagnosticsStatusNotification", "UploadFailed"
    else:
        action, failed = "LogStatusNotification", "UploadFailure"

    async def report(status: str) -> None:
        await asyncio.sleep(cp.device.step_s)
        cp.device.diagnostics_status = status
        payload: dict[str, object] = {"status": status}
        if request_id is not None:
            payload["requestId"] = request_id
        await quietly(cp.call(action, payload))

    await report("Uploading")
    if outcome == "upload_failed":
        await report(failed)
        return
    if not pretended(location):
        try:
            await upload(location, file_name, diagnostics_file(cp))
        except TransferFailed as exc:
            log.info("%s upload failed: %s", cp.charge_point_id, exc)
            await report(failed)
            return
    await report("Uploaded")
