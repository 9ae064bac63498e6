"""Jobs a station runs after it answers: a firmware update (2.0.1 L01 secure, L02 non-secure;
the 1.6 security extension's SignedUpdateFirmware) and a log upload (2.0.1 N01 and the 1.6
security extension's GetLog, the same request). Each step is reported with the request's id,
one after the other (accelerated, `job_step_s` apart); the download and upload are real
(transfers.py), an installed firmware reboots the station into the new version. A refused
job answers Rejected and reports nothing."""

from __future__ import annotations

import asyncio
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
from simulator.command_handlers.transfers import FirmwareJob, run_upload, start_firmware_update


async def firmware_steps(
    cp: ChargerApi,
    request_id: int,
    steps: list[str],
    action: str = "FirmwareStatusNotification",
) -> None:
    """Report fixed steps with `action` (refusals; 1.6 signed: SignedFirmwareStatusNotification)."""
    for step in steps:
        await asyncio.sleep(cp.device.step_s)
        cp.device.firmware_status = step
        await quietly(cp.call(action, {"status": step, "requestId": request_id}))


async def start_update(cp: ChargerApi, job: FirmwareJob) -> None:
    start_firmware_update(cp, job)


def firmware_job(payload: Payload, action: str = "FirmwareStatusNotification") -> FirmwareJob:
    firmware = payload["firmware"]
    return FirmwareJob(
        firmware["location"],
        request_id=payload["requestId"],
        signed="signature" in firmware and "signingCertificate" in firmware,
        retries=payload.get("retries", 0),
        action=action,
    )


async def update_firmware_201(cp: ChargerApi, payload: Payload) -> Payload:
    """L01 when the firmware comes with a signature (the station verifies it), else L02.
    Starts at once rather than at retrieveDateTime: runs are accelerated."""
    cp.after_answer(start_update(cp, firmware_job(payload)))
    return dict(ACCEPTED)


async def get_log(cp: ChargerApi, payload: Payload) -> Payload:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kind = "security" if payload["logType"] == "SecurityLog" else "diagnostics"
    file_name = f"{kind}-{cp.charge_point_id}-{stamp}.log"[:255]
    location = payload["log"]["remoteLocation"]
    cp.after_answer(run_upload(cp, location, file_name, payload["requestId"]))
    return {"status": "Accepted", "filename": file_name}


JOB_COMMANDS: dict[str, Command] = {
    "UpdateFirmware": Command(update_firmware_201, refusal(REJECTED)),
    "GetLog": Command(get_log, refusal(REJECTED)),
}
