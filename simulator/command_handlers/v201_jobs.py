"""Jobs a station runs after it answers: a firmware update (2.0.1 L01 secure, L02 non-secure;
the 1.6 security extension's SignedUpdateFirmware) and a log upload (2.0.1 N01 and the 1.6
security extension's GetLog, the same request). Each step is reported with the request's id,
one after the other (accelerated, `job_step_s` apart); an installed firmware is the version the
next boot reports. A refused job answers Rejected and reports nothing."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from simulator.command_handlers.both_versions import version_of
from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import (
    ACCEPTED,
    REJECTED,
    Command,
    Payload,
    quietly,
    refusal,
)

FIRMWARE_STEPS = ["Downloading", "Downloaded", "Installing", "Installed"]
SIGNED_FIRMWARE_STEPS = [
    "Downloading",
    "Downloaded",
    "SignatureVerified",
    "Installing",
    "Installed",
]
LOG_STEPS = ["Uploading", "Uploaded"]


async def firmware_steps(
    cp: ChargerApi,
    request_id: int,
    steps: list[str],
    version: str | None,
    action: str = "FirmwareStatusNotification",
) -> None:
    """Report each step with `action` (1.6 signed updates: SignedFirmwareStatusNotification)."""
    for step in steps:
        await asyncio.sleep(cp.device.job_step_s)
        cp.device.firmware_status = step
        if step == "Installed" and version is not None:
            cp.identity = replace(cp.identity, firmware_version=version)
        await quietly(cp.call(action, {"status": step, "requestId": request_id}))


async def update_firmware_201(cp: ChargerApi, payload: Payload) -> Payload:
    """L01 when the firmware comes with a signature (the station verifies it), else L02.
    Starts at once rather than at retrieveDateTime: runs are accelerated."""
    firmware = payload["firmware"]
    signed = "signature" in firmware and "signingCertificate" in firmware
    steps = SIGNED_FIRMWARE_STEPS if signed else FIRMWARE_STEPS
    version = version_of(firmware["location"])
    cp.after_answer(firmware_steps(cp, payload["requestId"], steps, version))
    return dict(ACCEPTED)


async def _log_steps(cp: ChargerApi, request_id: int) -> None:
    for step in LOG_STEPS:
        await asyncio.sleep(cp.device.job_step_s)
        cp.device.diagnostics_status = step
        await quietly(cp.call("LogStatusNotification", {"status": step, "requestId": request_id}))


async def get_log(cp: ChargerApi, payload: Payload) -> Payload:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = "security" if payload["logType"] == "SecurityLog" else "diagnostics"
    cp.after_answer(_log_steps(cp, payload["requestId"]))
    return {"status": "Accepted", "filename": f"{kind}-{cp.charge_point_id}-{stamp}.log"[:255]}


JOB_COMMANDS: dict[str, Command] = {
    "UpdateFirmware": Command(update_firmware_201, refusal(REJECTED)),
    "GetLog": Command(get_log, refusal(REJECTED)),
}
