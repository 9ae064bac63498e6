"""ISO 15118 contract certificates through the local gateway (docs/adr/0042): a simulated
2.0.1 station authorizes with contract certificates (C07), asks for a certificate's OCSP
status (M06) and forwards an EV's certificate install/update (M01/M02), against the local
contract PKI's OCSP responder (on its own local port) and the local contract pool."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from cryptography.x509 import ocsp

from shared.models.transaction import IdTagRecord
from simulator import SimulatedCharger
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

EXI = base64.b64encode(b"\x80\x98\x02 CertificateInstallationReq from the EV").decode()


def station_id() -> str:
    return f"PNC-{uuid.uuid4().hex[:8]}"


def test_C07_a_good_contract_is_accepted_and_a_revoked_one_invalid(platform):
    pki = platform.contract_pki
    good, revoked = f"DEPNC{uuid.uuid4().hex[:9]}", f"DEPNC{uuid.uuid4().hex[:9]}"
    for emaid in (good, revoked):
        platform.id_tags().put(IdTagRecord(emaid, "Accepted"))
    good_contract = pki.issue(good)
    revoked_contract = pki.issue(revoked)
    pki.revoke(revoked_contract.certificate)

    async def scenario() -> tuple[Any, Any, Any]:
        async with SimulatedCharger(platform.ws_url, station_id(), protocol="ocpp2.0.1") as cp:
            await cp.boot()
            accepted = await cp.call(
                "Authorize",
                {
                    "idToken": {"idToken": good, "type": "eMAID"},
                    "iso15118CertificateHashData": good_contract.hash_data(),
                },
            )
            invalid = await cp.call(
                "Authorize",
                {
                    "idToken": {"idToken": revoked, "type": "eMAID"},
                    "iso15118CertificateHashData": revoked_contract.hash_data(),
                },
            )
            # C07.FR.06: a chain the station could not validate is checked by the CSMS.
            chain = await cp.call(
                "Authorize",
                {
                    "idToken": {"idToken": good, "type": "eMAID"},
                    "certificate": good_contract.pem_chain,
                },
            )
            return accepted, invalid, chain

    accepted, invalid, chain = run(scenario(), timeout=60)
    assert accepted == {"idTokenInfo": {"status": "Accepted"}, "certificateStatus": "Accepted"}
    assert invalid == {
        "idTokenInfo": {"status": "Invalid"},
        "certificateStatus": "CertificateRevoked",
    }
    assert chain == accepted


def test_C07_responder_down_is_refused_for_now(platform):
    pki = platform.contract_pki
    emaid = f"DEPNC{uuid.uuid4().hex[:9]}"
    platform.id_tags().put(IdTagRecord(emaid, "Accepted"))
    contract = pki.issue(emaid)
    pki.failing = True
    try:

        async def scenario() -> Any:
            async with SimulatedCharger(platform.ws_url, station_id(), protocol="ocpp2.0.1") as cp:
                await cp.boot()
                return await cp.call(
                    "Authorize",
                    {
                        "idToken": {"idToken": emaid, "type": "eMAID"},
                        "iso15118CertificateHashData": contract.hash_data(),
                    },
                )

        answer = run(scenario(), timeout=60)
    finally:
        pki.failing = False
    assert answer["certificateStatus"] == "CertChainError"
    assert answer["idTokenInfo"]["status"] == "Invalid"
    assert "cacheExpiryDateTime" in answer["idTokenInfo"]


def test_M06_the_station_gets_the_ocsp_response_of_a_certificate(platform):
    contract = platform.contract_pki.issue(f"DEPNC{uuid.uuid4().hex[:9]}")

    async def scenario() -> Any:
        async with SimulatedCharger(platform.ws_url, station_id(), protocol="ocpp2.0.1") as cp:
            await cp.boot()
            return await cp.call(
                "GetCertificateStatus", {"ocspRequestData": contract.hash_data()[0]}
            )

    answer = run(scenario(), timeout=60)
    assert answer["status"] == "Accepted"
    response = ocsp.load_der_ocsp_response(base64.b64decode(answer["ocspResult"]))
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == contract.certificate.serial_number


@pytest.mark.parametrize(("use_case", "action"), [("M01", "Install"), ("M02", "Update")])
def test_M01_M02_the_ev_certificate_request_goes_through_the_contract_pool(
    platform, use_case, action
):
    request = {
        "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
        "action": action,
        "exiRequest": EXI,
    }

    async def scenario() -> tuple[Any, Any]:
        async with SimulatedCharger(platform.ws_url, station_id(), protocol="ocpp2.0.1") as cp:
            await cp.boot()
            first = await cp.call("Get15118EVCertificate", request)
            return first, await cp.call("Get15118EVCertificate", request)

    first, resent = run(scenario(), timeout=60)
    assert first["status"] == "Accepted"
    assert base64.b64decode(first["exiResponse"]).startswith(b"LOCAL-CONTRACT-POOL:")
    assert resent == first
