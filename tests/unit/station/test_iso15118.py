"""The ISO 15118 certificate messages of block M through the real router: GetCertificateStatus
(M06) over the OCSP client and the local fake responder (in-process), Get15118EVCertificate
(M01 install, M02 update) over the local contract pool or none."""

from __future__ import annotations

import base64

import pytest
from cryptography.x509 import ocsp

from local.ocsp_responder import LocalContractPki
from shared.adapters.contract_pool import LocalContractPool
from shared.adapters.ocsp_http import HttpOcspResponder
from shared.ports.contract_pool import PoolAnswer, PoolUnavailable
from tests.fakes import memory_deps
from tests.unit.transactions.helpers import V201, Station

EXI = base64.b64encode(b"\x80\x98\x02 CertificateInstallationReq").decode()


@pytest.fixture(scope="module")
def pki() -> LocalContractPki:
    return LocalContractPki(port=8993)


def station(ocsp_client=None, pool=None) -> Station:
    deps = memory_deps()
    deps.ocsp = ocsp_client
    deps.contract_pool = pool
    return Station(deps, V201)


def in_process(pki: LocalContractPki) -> HttpOcspResponder:
    return HttpOcspResponder(pki.url, post=lambda url, body, timeout_s: pki.respond(body))


def test_M06_the_station_gets_the_responders_answer(pki):
    contract = pki.issue("DEABCC1234567X", state="revoked")
    answer = station(in_process(pki)).call(
        "GetCertificateStatus", {"ocspRequestData": contract.hash_data()[0]}
    )
    assert answer["status"] == "Accepted"
    response = ocsp.load_der_ocsp_response(base64.b64decode(answer["ocspResult"]))
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert response.serial_number == contract.certificate.serial_number


def test_M06_responder_down_is_failed_with_a_reason(pki):
    def refused(url: str, body: bytes, timeout_s: float) -> bytes:
        raise ConnectionRefusedError("refused")

    contract = pki.issue("DEABCC1234567X")
    answer = station(HttpOcspResponder(pki.url, post=refused)).call(
        "GetCertificateStatus", {"ocspRequestData": contract.hash_data()[0]}
    )
    assert answer["status"] == "Failed"
    assert answer["statusInfo"]["reasonCode"] == "ResponderUnavailable"
    assert "ocspResult" not in answer


def test_M06_without_a_responder_or_with_odd_data_is_failed(pki):
    data = pki.issue("DEABCC1234567X").hash_data()[0]
    assert station().call("GetCertificateStatus", {"ocspRequestData": data})["statusInfo"] == {
        "reasonCode": "NoOcspResponder",
        "additionalInfo": "no OCSP responder is configured",
    }
    odd = {**data, "serialNumber": "not-hex"}
    answer = station(in_process(pki)).call("GetCertificateStatus", {"ocspRequestData": odd})
    assert answer["status"] == "Failed"
    assert answer["statusInfo"]["reasonCode"] == "InvalidRequestData"


@pytest.mark.parametrize(("use_case", "action"), [("M01", "Install"), ("M02", "Update")])
def test_M01_M02_the_pools_answer_goes_back_the_same_for_a_resend(use_case, action):
    cp = station(pool=LocalContractPool())
    request = {"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": action}
    first = cp.call("Get15118EVCertificate", {**request, "exiRequest": EXI})
    assert first["status"] == "Accepted"
    assert base64.b64decode(first["exiResponse"]).startswith(b"LOCAL-CONTRACT-POOL:")
    assert cp.call("Get15118EVCertificate", {**request, "exiRequest": EXI}) == first


def test_M01_without_a_pool_is_failed_with_a_reason_not_unsupported():
    answer = station().call(
        "Get15118EVCertificate",
        {
            "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
            "action": "Install",
            "exiRequest": EXI,
        },
    )
    assert answer["status"] == "Failed"
    assert answer["exiResponse"] == ""
    assert answer["statusInfo"]["reasonCode"] == "NoCertificatePool"


class Pool:
    def __init__(self, answer: PoolAnswer | None) -> None:
        self.answer = answer

    def certificate(self, schema_version: str, action, exi_request: str) -> PoolAnswer:
        if self.answer is None:
            raise PoolUnavailable("timed out")
        return self.answer


@pytest.mark.parametrize(
    ("pool", "reason"),
    [
        (Pool(None), "PoolUnavailable"),
        (Pool(PoolAnswer(False, reason="NoContract")), "NoContract"),
        (Pool(PoolAnswer(True, "A" * 7501)), "ResponseTooLarge"),
    ],
)
def test_M01_a_pool_that_does_not_deliver_is_failed(pool, reason):
    answer = station(pool=pool).call(
        "Get15118EVCertificate",
        {
            "iso15118SchemaVersion": "urn:iso:15118:-20:CommonMessages",
            "action": "Install",
            "exiRequest": EXI,
        },
    )
    assert answer["status"] == "Failed"
    assert answer["statusInfo"]["reasonCode"] == reason


def test_M06_a_station_chosen_responder_outside_the_allowed_hosts_is_not_asked(
    pki: LocalContractPki,
) -> None:
    asked: list[str] = []

    def post(url: str, body: bytes, timeout_s: float) -> bytes:
        asked.append(url)
        return pki.respond(body)

    client = HttpOcspResponder(None, ("ocsp.mo.example",), post=post)
    data = pki.issue("DEABCC1234567X").hash_data()[0]
    for url in ("http://169.254.169.254/latest/meta-data/", "http://\ud800\x01/"):
        answer = station(client).call(
            "GetCertificateStatus", {"ocspRequestData": {**data, "responderURL": url}}
        )
        assert answer["statusInfo"]["reasonCode"] == "ResponderUnavailable"
    assert asked == []
    allowed = {**data, "responderURL": "https://ocsp.mo.example/ocsp"}
    assert station(client).call("GetCertificateStatus", {"ocspRequestData": allowed})["status"] == (
        "Accepted"
    )
    assert asked == ["https://ocsp.mo.example/ocsp"]


@pytest.mark.parametrize("exi", ["not base64!", "QUJD\ud800", "QUJDRA=", "QU JD"])
def test_M01_an_exi_request_that_is_not_base64_is_failed_before_the_pool(exi):
    pool = Pool(None)  # would raise if asked
    answer = station(pool=pool).call(
        "Get15118EVCertificate",
        {
            "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
            "action": "Update",
            "exiRequest": exi,
        },
    )
    assert answer["status"] == "Failed"
    assert answer["statusInfo"]["reasonCode"] == "InvalidExiRequest"
