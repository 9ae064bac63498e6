"""The OCPP 1.6 security extension's commands through the operator API, answered by simulated
1.6 chargers on the local platform (an accepting and a refusing one side by side), on the same
paths as their 2.0.1 counterparts: certificates (M03-M05 in 2.0.1 terms), GetLog (N01) and
SignedUpdateFirmware (L01), whose progress reports (LogStatusNotification,
SignedFirmwareStatusNotification) are stored on the charger like 2.0.1's."""

from __future__ import annotations

from typing import Any
from unittest.mock import ANY

import pytest

from tests.e2e.conftest import run
from tests.e2e.test_commands_via_api import (
    ACCEPTED,
    REJECTED,
    V16,
    Case,
    Operator,
    answered_by_an_accepting_and_a_refusing_charger,
    charger_pair,
    eventually,
    in_future,
)

pytestmark = pytest.mark.e2e

PEM = "-----BEGIN CERTIFICATE-----\nMIIBsim\n-----END CERTIFICATE-----\n"
ROOT = {"certificateType": "CentralSystemRootCertificate"}
HASH_DATA = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "a" * 64,
    "issuerKeyHash": "b" * 64,
    "serialNumber": "0f",
}
FIRMWARE = {
    "location": "https://firmware.example.com/sim-3.0.0",
    "retrieveDateTime": in_future(0),
    "signingCertificate": PEM,
    "signature": "c2lnbmF0dXJl",
}

CASES = [
    Case(V16, "InstallCertificate", {**ROOT, "certificate": PEM}, ACCEPTED, REJECTED),
    Case(V16, "GetInstalledCertificateIds", ROOT, {"status": "NotFound"}, {"status": "NotFound"}),
    Case(
        V16,
        "DeleteCertificate",
        {"certificateHashData": HASH_DATA},
        {"status": "NotFound"},
        {"status": "Failed"},
    ),
    Case(
        V16,
        "GetLog",
        {
            "logType": "SecurityLog",
            "requestId": 21,
            "log": {"remoteLocation": "ftp://logs.example/"},
        },
        {"status": "Accepted", "filename": ANY},
        REJECTED,
        effect=lambda view, cp: view["diagnosticsStatus"] == "Uploaded",
    ),
    Case(
        V16,
        "SignedUpdateFirmware",
        {"requestId": 22, "firmware": FIRMWARE},
        ACCEPTED,
        ACCEPTED,  # the refusing charger accepts, then the signature fails to verify
        effect=lambda view, cp: view["firmwareStatus"] == "Installed",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_v16_security_command_answered_by_an_accepting_and_a_refusing_charger(
    platform, case: Case
) -> None:
    answered_by_an_accepting_and_a_refusing_charger(platform, case)


def test_v16_security_signed_firmware_and_log_reports_carry_their_request_id(platform) -> None:
    operator = Operator(platform)

    async def scenario() -> dict[str, Any]:
        async with charger_pair(platform, V16) as (good, bad):
            await operator.command(
                bad.charge_point_id, "SignedUpdateFirmware", {"requestId": 31, "firmware": FIRMWARE}
            )
            await operator.command(
                good.charge_point_id,
                "GetLog",
                {
                    "logType": "DiagnosticsLog",
                    "requestId": 32,
                    "log": {"remoteLocation": "ftp://x.example/"},
                },
            )

            async def reported() -> dict[str, Any] | None:
                good_view = await operator.charger(good.charge_point_id)
                bad_view = await operator.charger(bad.charge_point_id)
                done = (
                    good_view["diagnosticsStatus"] == "Uploaded"
                    and bad_view["firmwareStatus"] == "InvalidSignature"
                )
                return {"good": good_view, "bad": bad_view} if done else None

            views: dict[str, Any] = await eventually(reported)
            return views

    views = run(scenario(), timeout=30)
    assert views["good"]["diagnosticsStatusAt"]
    assert views["bad"]["firmwareStatusAt"]


def test_v16_security_certificates_installed_listed_and_deleted_through_the_api(platform) -> None:
    operator = Operator(platform)

    async def scenario() -> list[dict[str, Any]]:
        async with charger_pair(platform, V16) as (good, _):
            cp_id = good.charge_point_id
            installed = await operator.command(
                cp_id, "InstallCertificate", {**ROOT, "certificate": PEM}
            )
            listed = await operator.command(cp_id, "GetInstalledCertificateIds", ROOT)
            hash_data = listed["result"]["certificateHashData"][0]
            deleted = await operator.command(
                cp_id, "DeleteCertificate", {"certificateHashData": hash_data}
            )
            after = await operator.command(cp_id, "GetInstalledCertificateIds", ROOT)
            return [installed, listed, deleted, after]

    installed, listed, deleted, after = run(scenario(), timeout=30)
    assert installed["result"] == ACCEPTED
    assert listed["result"]["status"] == "Accepted"
    assert deleted["result"] == ACCEPTED
    assert after["result"] == {"status": "NotFound"}
