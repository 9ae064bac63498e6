"""Stations' certificates through the local gateway (docs/adr/0041): a simulated station asks
for a certificate on its own (OCPP 2.0.1 A03), the CSMS asks it to renew (A02), the 1.6
security extension does the same, and a resent request is signed and sent once. The station
installs a chain only if it verifies against the platform's CA."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509

from csms_cli.client import Client
from simulator import SimulatedCharger
from simulator.command_handlers.certificates import (
    csr_for,
    new_key,
    request_certificate,
    trust_ca,
)
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e


def api(platform: Any) -> Client:
    return Client(platform.http_url, "dev-operator-token", timeout_s=30)


async def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s (last: {result!r})")
        await asyncio.sleep(0.1)


def installed(cp: SimulatedCharger) -> list[str]:
    return [c["pem"] for c in cp.device.certificates if c["type"] == "ChargingStationCertificate"]


def certificates(platform: Any, cp_id: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = api(platform).get(f"/chargers/{cp_id}/certificates")[
        "certificates"
    ]
    return listed


def verifies(chain_pem: str, ca_pem: str, cp_id: str) -> bool:
    leaf = x509.load_pem_x509_certificates(chain_pem.encode())[0]
    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_pem.encode()))
    return leaf.subject.rfc4514_string().startswith(f"CN={cp_id}")


def station(platform: Any, protocol: str, prefix: str) -> SimulatedCharger:
    cp = SimulatedCharger(platform.ws_url, f"{prefix}-{uuid.uuid4().hex[:8]}", protocol=protocol)
    assert platform.certificate_authority is not None
    trust_ca(cp.device, platform.certificate_authority)
    return cp


def test_A03_the_station_asks_and_installs_a_chain_of_the_platforms_ca(platform):
    cp = station(platform, "ocpp2.0.1", "CRT")

    async def scenario() -> str:
        async with cp:
            await cp.boot()
            assert await request_certificate(cp) == {"status": "Accepted"}
            (chain,) = await eventually(lambda: installed(cp))
            return str(chain)

    chain = run(scenario(), timeout=60)
    assert verifies(chain, platform.certificate_authority, cp.charge_point_id)
    (listed,) = certificates(platform, cp.charge_point_id)
    leaf = x509.load_pem_x509_certificates(chain.encode())[0]
    assert listed["status"] == "installed"
    assert listed["serialNumber"] == format(leaf.serial_number, "x")
    assert listed["certificateType"] == "ChargingStationCertificate"
    assert listed["certificateChain"] == chain
    assert listed["sends"] == 1


def test_A03_a_csr_for_another_identity_is_rejected(platform):
    cp = station(platform, "ocpp2.0.1", "CRT")

    async def scenario() -> Any:
        async with cp:
            await cp.boot()
            return await cp.call("SignCertificate", {"csr": csr_for("SOMEONE-ELSE", new_key())})

    assert run(scenario(), timeout=60) == {"status": "Rejected"}
    assert certificates(platform, cp.charge_point_id) == []


def renew_and_install(platform: Any, cp: SimulatedCharger, action: str) -> list[dict[str, Any]]:
    async def scenario() -> dict[str, Any]:
        async with cp:
            await cp.boot()
            answer: dict[str, Any] = await asyncio.to_thread(
                api(platform).request,
                "POST",
                f"/chargers/{cp.charge_point_id}/certificates/renew",
            )
            await eventually(lambda: installed(cp))
            return answer

    answer = run(scenario(), timeout=60)
    assert (answer["action"], answer["status"], answer["result"]) == (
        action,
        "answered",
        {"status": "Accepted"},
    )
    listed = certificates(platform, cp.charge_point_id)
    assert [c["status"] for c in listed] == ["installed"]
    (chain,) = installed(cp)
    assert verifies(chain, platform.certificate_authority, cp.charge_point_id)
    return listed


def test_A02_the_operator_renews_a_stations_certificate(platform):
    cp = station(platform, "ocpp2.0.1", "CRT")
    renew_and_install(platform, cp, "TriggerMessage")


def test_the_1_6_security_extension_renews_and_installs_a_certificate(platform):
    cp = station(platform, "ocpp1.6", "CRT16")
    (listed,) = renew_and_install(platform, cp, "ExtendedTriggerMessage")
    assert listed["certificateType"] == "ChargingStationCertificate"


def test_A03_a_resent_request_is_signed_and_sent_once(platform):
    cp = station(platform, "ocpp2.0.1", "CRT")
    key = new_key()
    csr = csr_for(cp.charge_point_id, key)

    async def scenario() -> None:
        async with cp:
            await cp.boot()
            cp.device.signing["pending"] = {"ChargingStationCertificate": key}
            payload = {"csr": csr, "certificateType": "ChargingStationCertificate"}
            assert await cp.call("SignCertificate", payload) == {"status": "Accepted"}
            assert await cp.call("SignCertificate", payload) == {"status": "Accepted"}
            await eventually(lambda: installed(cp))
            await asyncio.to_thread(platform_drained, platform)

    run(scenario(), timeout=60)
    (listed,) = certificates(platform, cp.charge_point_id)
    assert (listed["status"], listed["sends"]) == ("installed", 1)
    commands = api(platform).get(f"/chargers/{cp.charge_point_id}/commands")["items"]
    assert [c["action"] for c in commands] == ["CertificateSigned"]
    assert len(installed(cp)) == 1


def platform_drained(platform: Any) -> None:
    from tests.e2e.conftest import drain

    drain(platform)
