"""C07 Authorization using contract certificates: the certificate status an Authorize's ISO
15118 contract data earns, and the id token answer that goes with it (C07.FR.13 to FR.17),
through the real router, the real OCSP client and the local fake responder (in-process)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.ocsp_responder import LocalContractPki, ocsp_request_data
from shared.adapters.ocsp_http import CachingOcspResponder, HttpOcspResponder
from shared.models.transaction import IdTagRecord
from tests.fakes import memory_deps
from tests.unit.transactions.helpers import V201, Station

EMAID = "DEABCC1234567X"


@pytest.fixture(scope="module")
def pki() -> LocalContractPki:
    # Not started: answers come from pki.respond, in-process.
    return LocalContractPki(port=8999)


@pytest.fixture(scope="module")
def other_pki() -> LocalContractPki:
    return LocalContractPki(port=8998)


class Responder:
    """The HTTP transport to the fake responder, in-process; `down` makes it unreachable."""

    def __init__(self, pki: LocalContractPki) -> None:
        self.pki = pki
        self.down = False
        self.posts: list[str] = []

    def __call__(self, url: str, body: bytes, timeout_s: float) -> bytes:
        self.posts.append(url)
        if self.down:
            raise ConnectionRefusedError("connection refused")
        return self.pki.respond(body)


def station(pki: LocalContractPki, responder: Responder | None = None, **env: str) -> Station:
    deps = memory_deps(CONTRACT_ROOT_CERTIFICATES=pki.root.pem, **env)
    deps.id_tags.put(IdTagRecord(EMAID, "Accepted"))
    if responder is not None:
        deps.ocsp = CachingOcspResponder(HttpOcspResponder(pki.url, post=responder))
    return Station(deps, V201)


def authorize(cp: Station, token: str = EMAID, **contract: Any) -> Any:
    payload = {"idToken": {"idToken": token, "type": "eMAID"}, **contract}
    return cp.call("Authorize", payload, at=datetime.now(UTC))


def test_C07_hash_data_of_a_good_contract_is_accepted(pki):
    contract = pki.issue(EMAID)
    answer = authorize(
        station(pki, Responder(pki)), iso15118CertificateHashData=contract.hash_data()
    )
    assert answer == {"idTokenInfo": {"status": "Accepted"}, "certificateStatus": "Accepted"}


def test_C07_a_revoked_contract_is_invalid(pki):
    contract = pki.issue(EMAID, state="revoked")
    answer = authorize(
        station(pki, Responder(pki)), iso15118CertificateHashData=contract.hash_data()
    )
    assert answer == {
        "idTokenInfo": {"status": "Invalid"},
        "certificateStatus": "CertificateRevoked",
    }


def test_C07_a_revoked_sub_ca_revokes_the_contract():
    pki = LocalContractPki(port=8997)
    contract = pki.issue(EMAID)
    pki.revoke(pki.sub_ca.certificate)
    answer = authorize(station(pki, Responder(pki)), certificate=contract.pem_chain)
    assert answer["certificateStatus"] == "CertificateRevoked"


def test_C07_a_pem_chain_is_checked_up_to_a_trusted_root_and_over_ocsp(pki):
    responder = Responder(pki)
    contract = pki.issue(EMAID)
    answer = authorize(station(pki, responder), certificate=contract.pem_chain)
    assert answer["certificateStatus"] == "Accepted"
    assert answer["idTokenInfo"]["status"] == "Accepted"
    assert len(responder.posts) == 2  # the contract and its sub-CA


def test_C07_hash_data_and_certificate_together_use_the_chain(pki):
    contract = pki.issue(EMAID, state="revoked", ocsp_url=False)
    answer = authorize(
        station(pki, Responder(pki)),
        certificate=contract.pem_chain,
        iso15118CertificateHashData=contract.hash_data(),
    )
    assert answer["certificateStatus"] == "CertificateRevoked"


def test_C07_an_expired_contract_is_expired(pki):
    contract = pki.issue(EMAID, expired=True)
    answer = authorize(station(pki, Responder(pki)), certificate=contract.pem_chain)
    assert answer == {
        "idTokenInfo": {"status": "Expired"},
        "certificateStatus": "CertificateExpired",
    }


def test_C07_a_chain_to_an_untrusted_root_is_a_chain_error(pki, other_pki):
    contract = other_pki.issue(EMAID)
    answer = authorize(station(pki, Responder(pki)), certificate=contract.pem_chain)
    assert answer == {"idTokenInfo": {"status": "Invalid"}, "certificateStatus": "CertChainError"}


def test_C07_a_certificate_not_signed_by_its_named_issuer_is_a_signature_error(pki, other_pki):
    # The other PKI's sub-CA has the same name, another key: the names chain, the signature not.
    forged = other_pki.issue(EMAID)
    chain = forged.pem_chain.split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    chain += pki.sub_ca.pem
    answer = authorize(station(pki, Responder(pki)), certificate=chain)
    assert answer["certificateStatus"] == "SignatureError"
    assert answer["idTokenInfo"]["status"] == "Invalid"


def test_C07_responder_down_fails_closed_and_is_not_cached_by_the_station(pki):
    responder = Responder(pki)
    responder.down = True
    contract = pki.issue(EMAID)
    at = datetime.now(UTC).replace(microsecond=0)
    cp = station(pki, responder)
    answer = cp.call(
        "Authorize",
        {"idToken": {"idToken": EMAID, "type": "eMAID"}, "certificate": contract.pem_chain},
        at=at,
    )
    assert answer["certificateStatus"] == "CertChainError"
    assert answer["idTokenInfo"]["status"] == "Invalid"
    assert answer["idTokenInfo"]["cacheExpiryDateTime"] == at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_C07_no_responder_configured_fails_closed(pki):
    contract = pki.issue(EMAID)
    answer = authorize(station(pki), iso15118CertificateHashData=contract.hash_data())
    assert answer["certificateStatus"] == "CertChainError"
    assert answer["idTokenInfo"]["status"] == "Invalid"


def test_C07_a_cached_answer_holds_while_the_responder_is_down(pki):
    responder = Responder(pki)
    contract = pki.issue(EMAID)
    cp = station(pki, responder)
    hash_data = contract.hash_data()
    assert authorize(cp, iso15118CertificateHashData=hash_data)["certificateStatus"] == "Accepted"
    responder.down = True
    assert authorize(cp, iso15118CertificateHashData=hash_data)["certificateStatus"] == "Accepted"
    assert len(responder.posts) == 2  # the first Authorize's two; the second from the cache


def test_C07_a_serial_the_responder_does_not_know_is_a_chain_error(pki):
    data = pki.issue(EMAID).hash_data()
    data[0] = {**data[0], "serialNumber": "7FFFFFFFFFFFFFFF"}
    answer = authorize(station(pki, Responder(pki)), iso15118CertificateHashData=data)
    assert answer["certificateStatus"] == "CertChainError"
    assert "cacheExpiryDateTime" not in answer["idTokenInfo"]


def test_C07_a_valid_contract_for_an_unknown_emaid_is_a_cancelled_contract(pki):
    contract = pki.issue("DEABCC0000000X")
    answer = authorize(
        station(pki, Responder(pki)),
        token="DEABCC0000000X",
        iso15118CertificateHashData=contract.hash_data(),
    )
    assert answer == {
        "idTokenInfo": {"status": "Unknown"},
        "certificateStatus": "ContractCancelled",
    }


@pytest.mark.parametrize(
    "certificate",
    [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\n!!!not*base64===\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ],
)
def test_C07_odd_certificates_are_refused_without_an_error(pki, certificate):
    answer = authorize(station(pki, Responder(pki)), certificate=certificate)
    assert answer["certificateStatus"] in {"NoCertificateAvailable", "CertChainError"}
    assert answer["idTokenInfo"]["status"] == "Invalid"


@pytest.mark.parametrize(
    "change",
    [
        {"issuerNameHash": "zz"},
        {"issuerKeyHash": "not hex"},
        {"serialNumber": "G1"},
        {"serialNumber": ""},
        {"issuerKeyHash": "abcd"},  # hex, but not a SHA-256 digest
    ],
)
def test_C07_odd_hash_data_is_a_chain_error(pki, change):
    data = pki.issue(EMAID).hash_data()
    data[0] = {**data[0], **change}
    answer = authorize(station(pki, Responder(pki)), iso15118CertificateHashData=data)
    assert answer["certificateStatus"] == "CertChainError"
    assert answer["idTokenInfo"]["status"] == "Invalid"


def test_an_authorize_without_contract_data_has_no_certificate_status(pki):
    assert authorize(station(pki, Responder(pki))) == {"idTokenInfo": {"status": "Accepted"}}


def test_hash_data_names_the_issuer_as_the_responder_expects(pki):
    contract = pki.issue(EMAID)
    assert contract.hash_data()[1] == ocsp_request_data(
        pki.sub_ca.certificate, pki.root.certificate, pki.url
    )


def test_C07_a_chain_issued_to_another_emaid_is_a_chain_error(pki):
    contract = pki.issue("DE-ABC-C98765432-X")
    cp = station(pki, Responder(pki))
    assert authorize(cp, certificate=contract.pem_chain)["certificateStatus"] == "CertChainError"
    # The same eMAID written with dashes and in other case is the certificate's.
    cp.deps.id_tags.put(IdTagRecord("deabcc98765432x", "Accepted"))
    answer = authorize(cp, token="deabcc98765432x", certificate=contract.pem_chain)
    assert answer["certificateStatus"] == "Accepted"


def test_hostile_strings_get_an_answer_not_an_error(pki):
    cp = station(pki, Responder(pki))
    odd = authorize(cp, certificate="\ud800-----BEGIN CERTIFICATE-----\x00")
    assert odd["certificateStatus"] == "CertChainError"
    data = pki.issue(EMAID).hash_data()
    data[0] = {**data[0], "responderURL": "http://\ud800\x01/", "serialNumber": "\ud800"}
    assert authorize(cp, iso15118CertificateHashData=data)["certificateStatus"] == "CertChainError"


def test_C07_a_certificate_issued_by_a_contract_certificate_is_a_chain_error(pki):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    holder = pki.issue(EMAID)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    # A certificate the contract's own key signed: the contract is no CA.
    issued = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, EMAID)]))
        .issuer_name(holder.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(holder.key, hashes.SHA256())
    )
    chain = issued.public_bytes(serialization.Encoding.PEM).decode() + holder.pem_chain
    answer = authorize(station(pki, Responder(pki)), certificate=chain)
    assert answer["certificateStatus"] == "CertChainError"
