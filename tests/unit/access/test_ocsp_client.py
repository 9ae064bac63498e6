"""The OCSP client (shared/adapters/ocsp_http.py): which responder it asks, what it accepts
as an answer, its cache; against the local fake responder, in-process and over local HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from local.ocsp_responder import LocalContractPki
from shared.adapters.ocsp_http import CachingOcspResponder, HttpOcspResponder, parse_answer
from shared.ports.ocsp import OcspRequestData, OcspUnavailable


@pytest.fixture(scope="module")
def pki() -> LocalContractPki:
    return LocalContractPki(port=8996)


def request_for(pki: LocalContractPki, **change: str) -> OcspRequestData:
    data = {**pki.issue("DEABCC1234567X").hash_data()[0], **change}
    request = OcspRequestData.from_ocpp(data)
    assert request is not None
    return request


def in_process(pki: LocalContractPki, seen: list[str] | None = None):
    def post(url: str, body: bytes, timeout_s: float) -> bytes:
        if seen is not None:
            seen.append(url)
        return pki.respond(body)

    return post


def test_the_configured_responder_is_asked_whatever_the_request_names(pki):
    seen: list[str] = []
    client = HttpOcspResponder("http://ocsp.local/", post=in_process(pki, seen))
    answer = client.status(request_for(pki, responderURL="http://elsewhere.example/"))
    assert answer.state == "good"
    assert seen == ["http://ocsp.local/"]


def test_without_a_configured_responder_only_allowed_hosts_are_asked(pki):
    seen: list[str] = []
    client = HttpOcspResponder(None, ("ocsp.mo.example",), post=in_process(pki, seen))
    assert client.status(request_for(pki, responderURL="http://OCSP.mo.example/x")).state == "good"
    for url in ("http://169.254.169.254/latest", "file:///etc/passwd", "", "ocsp.mo.example"):
        with pytest.raises(OcspUnavailable):
            client.status(request_for(pki, responderURL=url))
    assert seen == ["http://OCSP.mo.example/x"]


def test_an_unreachable_responder_is_unavailable(pki):
    def refused(url: str, body: bytes, timeout_s: float) -> bytes:
        raise TimeoutError("timed out")

    with pytest.raises(OcspUnavailable, match="unreachable"):
        HttpOcspResponder("http://ocsp.local/", post=refused).status(request_for(pki))


@pytest.mark.parametrize("body", [b"", b"<html>busy</html>", b"\x30\x03\x0a\x01\x03"])
def test_a_response_that_is_not_an_answer_is_unavailable(pki, body):
    client = HttpOcspResponder("http://ocsp.local/", post=lambda url, b, t: body)
    with pytest.raises(OcspUnavailable):
        client.status(request_for(pki))


def test_an_error_status_from_the_responder_is_unavailable():
    pki = LocalContractPki(port=8995, failing=True)
    client = HttpOcspResponder("http://ocsp.local/", post=in_process(pki))
    with pytest.raises(OcspUnavailable, match="TRY_LATER"):
        client.status(request_for(pki))


def test_an_answer_for_another_certificate_is_not_taken(pki):
    other = request_for(pki)
    der = pki.respond(_request_der(other))
    with pytest.raises(OcspUnavailable, match="does not answer"):
        parse_answer(der, request_for(pki), None, datetime.now(UTC))


def test_an_outdated_answer_is_not_taken(pki):
    request = request_for(pki)
    der = pki.respond(_request_der(request))
    with pytest.raises(OcspUnavailable, match="not current"):
        parse_answer(der, request, None, datetime.now(UTC) + timedelta(hours=2))


def test_the_signature_is_checked_against_the_issuer_when_it_is_known(pki):
    request = request_for(pki)
    der = pki.respond(_request_der(request))
    issuer = pki.sub_ca.certificate.public_bytes(serialization.Encoding.DER)
    stranger = LocalContractPki(port=8994).sub_ca.certificate.public_bytes(
        serialization.Encoding.DER
    )
    now = datetime.now(UTC)
    assert parse_answer(der, request, issuer, now).signature_verified is True
    assert parse_answer(der, request, stranger, now).signature_verified is False
    assert parse_answer(der, request, None, now).signature_verified is None


def test_answers_are_cached_until_their_next_update(pki):
    seen: list[str] = []
    clock = [datetime.now(UTC)]
    cache = CachingOcspResponder(
        HttpOcspResponder("http://ocsp.local/", post=in_process(pki, seen)), lambda: clock[0]
    )
    request = request_for(pki)
    first = cache.status(request)
    assert cache.status(request) is first
    # The same certificate named with other case and leading zeros is the same CertID.
    same = OcspRequestData(
        request.hash_algorithm,
        request.issuer_name_hash.upper(),
        request.issuer_key_hash,
        "00" + request.serial_number,
        request.responder_url,
    )
    assert cache.status(same) is first
    assert len(seen) == 1
    assert first.next_update is not None
    clock[0] = first.next_update + timedelta(seconds=1)
    cache.status(request)
    assert len(seen) == 2


def test_a_real_http_round_trip_to_the_local_responder():
    with LocalContractPki() as pki:
        contract = pki.issue("DEABCC1234567X")
        client = HttpOcspResponder(pki.url, timeout_s=5)
        request = OcspRequestData.from_ocpp(contract.hash_data()[0])
        assert request is not None
        assert client.status(request).state == "good"
        pki.revoke(contract.certificate)
        assert client.status(request).state == "revoked"
    with pytest.raises(OcspUnavailable, match="unreachable"):
        HttpOcspResponder(pki.url, timeout_s=1).status(request)


def _request_der(request: OcspRequestData) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    built = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        bytes.fromhex(request.issuer_name_hash),
        bytes.fromhex(request.issuer_key_hash),
        int(request.serial_number, 16),
        hashes.SHA256(),
    )
    return built.build().public_bytes(serialization.Encoding.DER)
