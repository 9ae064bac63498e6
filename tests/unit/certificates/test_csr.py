"""The CSR checks and the certificates the CA makes (docs/adr/0041)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shared.certificates.x509 import (
    MAX_CSR_CHARS,
    Authority,
    CsrRejected,
    new_authority,
    read_csr,
)
from simulator.command_handlers.certificates import chain_problem, csr_for, new_key

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def csr_with(subject: list[x509.NameAttribute[str]], key: Any = None) -> str:
    key = key or new_key()
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(subject))
    return request.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def test_a_station_csr_is_read():
    request = read_csr(csr_for("CP-1", new_key(), "ACME"), "CP-1", "ACME")
    assert request.common_name == "CP-1"
    assert request.organization == "ACME"
    assert len(request.request_key) == 28


def test_the_same_csr_has_the_same_key_and_another_csr_another():
    key = new_key()
    pem = csr_for("CP-1", key)
    assert read_csr(pem, "CP-1", None).request_key == read_csr(pem, "CP-1", None).request_key
    assert read_csr(csr_for("CP-1", new_key()), "CP-1", None).request_key != (
        read_csr(pem, "CP-1", None).request_key
    )


def test_a_csr_for_another_station_is_refused():
    with pytest.raises(CsrRejected, match="commonName"):
        read_csr(csr_for("CP-2", new_key()), "CP-1", None)


def test_a_csr_with_two_common_names_is_refused():
    pem = csr_with(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "CP-1"),
            x509.NameAttribute(NameOID.COMMON_NAME, "X"),
        ]
    )
    with pytest.raises(CsrRejected, match="commonName"):
        read_csr(pem, "CP-1", None)


def test_the_operators_organization_is_required_when_configured():
    with pytest.raises(CsrRejected, match="organizationName"):
        read_csr(csr_for("CP-1", new_key(), "Someone Else"), "CP-1", "ACME")
    with pytest.raises(CsrRejected, match="organizationName"):
        read_csr(csr_for("CP-1", new_key()), "CP-1", "ACME")
    assert read_csr(csr_for("CP-1", new_key(), "Anyone"), "CP-1", None).organization == "Anyone"


def test_a_csr_whose_signature_does_not_verify_is_refused():
    pem = csr_for("CP-1", new_key())
    request = x509.load_pem_x509_csr(pem.encode())
    der = bytearray(request.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # a bit of the signature
    import base64

    body = base64.encodebytes(bytes(der)).decode()
    tampered = f"-----BEGIN CERTIFICATE REQUEST-----\n{body}-----END CERTIFICATE REQUEST-----\n"
    with pytest.raises(CsrRejected):
        read_csr(tampered, "CP-1", None)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        "-----BEGIN CERTIFICATE REQUEST-----\n\udc80\n-----END CERTIFICATE REQUEST-----\n",
        None,
        42,
    ],
)
def test_garbage_is_refused(garbage):
    with pytest.raises(CsrRejected):
        read_csr(garbage, "CP-1", None)


def test_an_oversize_csr_is_refused_before_parsing():
    pem = csr_for("CP-1", new_key())
    with pytest.raises(CsrRejected, match="longer"):
        read_csr(pem + " " * (MAX_CSR_CHARS - len(pem) + 1), "CP-1", None)


def test_weak_keys_are_refused():
    small_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    with pytest.raises(CsrRejected, match="RSA key of 1024"):
        read_csr(
            csr_with([x509.NameAttribute(NameOID.COMMON_NAME, "CP-1")], small_rsa), "CP-1", None
        )
    small_ec = ec.generate_private_key(ec.SECP192R1())
    with pytest.raises(CsrRejected, match="EC key of 192"):
        read_csr(
            csr_with([x509.NameAttribute(NameOID.COMMON_NAME, "CP-1")], small_ec), "CP-1", None
        )


def test_the_ca_signs_a_tls_certificate_for_the_station_that_verifies_against_it():
    key_pem, ca_pem = new_authority("ACME", NOW)
    authority = Authority(key_pem, ca_pem)
    station_key = new_key()
    issued = authority.sign(csr_for("CP-1", station_key, "ACME"), timedelta(days=365), NOW)
    chain = x509.load_pem_x509_certificates(issued.chain_pem.encode())
    leaf, ca = chain
    assert ca == x509.load_pem_x509_certificate(ca_pem.encode())
    leaf.verify_directly_issued_by(ca)
    assert leaf.subject.rfc4514_string() == "CN=CP-1,O=ACME" == issued.subject
    assert leaf.not_valid_after_utc - NOW == timedelta(days=365)
    assert format(leaf.serial_number, "x") == issued.serial
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usage) == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH}
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    # What the simulated station checks before installing it.
    assert chain_problem(issued.chain_pem, "CP-1", station_key, ca_pem, NOW) is None
    assert chain_problem(issued.chain_pem, "CP-1", new_key(), ca_pem, NOW) is not None
    _, other_ca = new_authority("Other", NOW)
    assert "does not verify" in str(
        chain_problem(issued.chain_pem, "CP-1", station_key, other_ca, NOW)
    )


def test_serials_are_random_and_validity_ends_with_the_ca():
    key_pem, ca_pem = new_authority("ACME", NOW, validity=timedelta(days=30))
    authority = Authority(key_pem, ca_pem)
    first = authority.sign(csr_for("CP-1", new_key()), timedelta(days=365), NOW)
    second = authority.sign(csr_for("CP-1", new_key()), timedelta(days=365), NOW)
    assert first.serial != second.serial
    assert first.not_after == x509.load_pem_x509_certificate(ca_pem.encode()).not_valid_after_utc


def test_a_ca_key_that_does_not_match_its_certificate_is_refused():
    key_pem, _ = new_authority("ACME", NOW)
    _, other_pem = new_authority("ACME", NOW)
    with pytest.raises(ValueError, match="does not belong"):
        Authority(key_pem, other_pem)
