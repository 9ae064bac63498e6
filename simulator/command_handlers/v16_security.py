"""The OCPP 1.6 security extension's commands (the Open Charge Alliance's "Improved security
for OCPP 1.6-J"): certificates, log uploads and signed firmware, answered the way a simulated
2.0.1 station answers their 2.0.1 counterparts (v201_blocks.py), in the 1.6 shapes.

GetLog and SignedUpdateFirmware are followed by their progress reports, LogStatusNotification
and SignedFirmwareStatusNotification, carrying the command's requestId (accelerated like every
job: `job_step_s` between steps).
"""

from __future__ import annotations

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import (
    ACCEPTED,
    REJECTED,
    Command,
    Payload,
    refusal,
)
from simulator.command_handlers.v201_blocks import (
    delete_certificate,
    hash_data,
    install_certificate,
    looks_like_a_certificate,
)
from simulator.command_handlers.v201_jobs import firmware_job, firmware_steps, get_log, start_update

SIGNED_STATUS = "SignedFirmwareStatusNotification"


async def get_installed_certificate_ids_16(cp: ChargerApi, payload: Payload) -> Payload:
    found = [c for c in cp.device.certificates if c["type"] == payload["certificateType"]]
    if not found:
        return {"status": "NotFound"}
    return {"status": "Accepted", "certificateHashData": [hash_data(c) for c in found]}


async def signed_update_firmware_16(cp: ChargerApi, payload: Payload) -> Payload:
    firmware = payload["firmware"]
    if not looks_like_a_certificate(firmware["signingCertificate"]):
        return {"status": "InvalidCertificate"}
    cp.after_answer(start_update(cp, firmware_job(payload, SIGNED_STATUS)))
    return dict(ACCEPTED)


async def refuse_signed_update_firmware_16(cp: ChargerApi, payload: Payload) -> Payload:
    """Accepted, then the signature does not verify (L01's failure path)."""
    steps = ["Downloading", "Downloaded", "InvalidSignature"]
    cp.after_answer(firmware_steps(cp, payload["requestId"], steps, SIGNED_STATUS))
    return dict(ACCEPTED)


SECURITY_COMMANDS_16: dict[str, Command] = {
    "InstallCertificate": Command(install_certificate, refusal(REJECTED)),
    "GetInstalledCertificateIds": Command(
        get_installed_certificate_ids_16, refusal({"status": "NotFound"})
    ),
    "DeleteCertificate": Command(delete_certificate, refusal({"status": "Failed"})),
    "GetLog": Command(get_log, refusal(REJECTED)),
    "SignedUpdateFirmware": Command(signed_update_firmware_16, refuse_signed_update_firmware_16),
}
