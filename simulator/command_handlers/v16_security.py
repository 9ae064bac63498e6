"""The OCPP 1.6 security extension's commands (the Open Charge Alliance's "Improved security
for OCPP 1.6-J"): certificates, log uploads and signed firmware, answered the way a simulated
2.0.1 station answers their 2.0.1 counterparts (v201_blocks.py), in the 1.6 shapes.

GetLog and SignedUpdateFirmware are followed by their progress reports, LogStatusNotification
and SignedFirmwareStatusNotification, carrying the command's requestId (accelerated like every
job: `job_step_s` between steps).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import (
    ACCEPTED,
    REJECTED,
    Command,
    Payload,
    quietly,
    refusal,
)
from simulator.command_handlers.v201_blocks import (
    hash_data,
    install_certificate,
    looks_like_a_certificate,
)


async def get_installed_certificate_ids_16(cp: ChargerApi, payload: Payload) -> Payload:
    found = [c for c in cp.device.certificates if c["type"] == payload["certificateType"]]
    if not found:
        return {"status": "NotFound"}
    return {"status": "Accepted", "certificateHashData": [hash_data(c) for c in found]}


async def delete_certificate_16(cp: ChargerApi, payload: Payload) -> Payload:
    serial = payload["certificateHashData"]["serialNumber"]
    kept = [c for c in cp.device.certificates if hash_data(c)["serialNumber"] != serial]
    if len(kept) == len(cp.device.certificates):
        return {"status": "NotFound"}
    cp.device.certificates = kept
    return dict(ACCEPTED)


async def get_log_16(cp: ChargerApi, payload: Payload) -> Payload:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = "security" if payload["logType"] == "SecurityLog" else "diagnostics"
    cp.after_answer(_log_upload(cp, payload["requestId"]))
    return {"status": "Accepted", "filename": f"{kind}-{cp.charge_point_id}-{stamp}.log"[:255]}


async def _log_upload(cp: ChargerApi, request_id: int) -> None:
    for step in ("Uploading", "Uploaded"):
        await asyncio.sleep(cp.device.job_step_s)
        cp.device.diagnostics_status = step
        await quietly(cp.call("LogStatusNotification", {"status": step, "requestId": request_id}))


async def signed_update_firmware_16(cp: ChargerApi, payload: Payload) -> Payload:
    firmware = payload["firmware"]
    if not looks_like_a_certificate(firmware["signingCertificate"]):
        return {"status": "InvalidCertificate"}
    steps = ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"]
    location = firmware["location"].rstrip("/")
    version = (location.rsplit("/", 1)[-1] or location)[:50]
    cp.after_answer(_signed_update(cp, payload["requestId"], steps, version))
    return dict(ACCEPTED)


async def refuse_signed_update_firmware_16(cp: ChargerApi, payload: Payload) -> Payload:
    """Accepted, then the signature does not verify (L01's failure path)."""
    steps = ["Downloading", "Downloaded", "InvalidSignature"]
    cp.after_answer(_signed_update(cp, payload["requestId"], steps, None))
    return dict(ACCEPTED)


async def _signed_update(
    cp: ChargerApi, request_id: int, steps: list[str], new_version: str | None
) -> None:
    """Report each step (accelerated); an installed firmware is what the next boot reports."""
    for step in steps:
        await asyncio.sleep(cp.device.job_step_s)
        cp.device.firmware_status = step
        if step == "Installed" and new_version is not None:
            cp.identity = replace(cp.identity, firmware_version=new_version)
        await quietly(
            cp.call("SignedFirmwareStatusNotification", {"status": step, "requestId": request_id})
        )


SECURITY_COMMANDS_16: dict[str, Command] = {
    "InstallCertificate": Command(install_certificate, refusal(REJECTED)),
    "GetInstalledCertificateIds": Command(
        get_installed_certificate_ids_16, refusal({"status": "NotFound"})
    ),
    "DeleteCertificate": Command(delete_certificate_16, refusal({"status": "Failed"})),
    "GetLog": Command(get_log_16, refusal(REJECTED)),
    "SignedUpdateFirmware": Command(signed_update_firmware_16, refuse_signed_update_firmware_16),
}
