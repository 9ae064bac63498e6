"""X.509 for the station certificates: reading a station's CSR, signing it, making a CA.

What the OCPP security whitepaper (and 2.0.1 A02) asks of a charging station certificate: the
subject's commonName is the station's identity, its organizationName the operator's; the key
is RSA of 2048 bits at least or an elliptic curve key of 256 bits at least; the certificate
serves TLS (client, and server for the 15118 side). Everything here is a pure function of its
arguments; `cryptography` is imported by this module alone, and only where a CSR arrives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The schemas' limit of SignCertificate's csr (both versions).
MAX_CSR_CHARS = 5500
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
# A station whose clock is a little behind still accepts a certificate issued just now.
BACKDATE = timedelta(minutes=5)


class CsrRejected(ValueError):
    """The CSR is refused; `reason` says why (logged, and kept out of the station's answer)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SigningRequest:
    request_key: str
    common_name: str
    organization: str | None


@dataclass(frozen=True)
class Issued:
    chain_pem: str
    serial: str
    subject: str
    not_before: datetime
    not_after: datetime


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def _load_csr(pem: object) -> x509.CertificateSigningRequest:
    if not isinstance(pem, str) or not pem.strip():
        raise CsrRejected("no CSR")
    if len(pem) > MAX_CSR_CHARS:
        raise CsrRejected(f"CSR longer than {MAX_CSR_CHARS} characters")
    try:
        return x509.load_pem_x509_csr(pem.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise CsrRejected("not a PEM encoded PKCS#10 request") from None


def request_key(csr: x509.CertificateSigningRequest) -> str:
    """28 hex digits of the CSR's DER digest: one CSR, one record, however often it is sent."""
    der = csr.public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()[:28]


def read_csr(pem: object, station_id: str, organization: str | None) -> SigningRequest:
    """The CSR if a CA may sign it for `station_id`; CsrRejected otherwise."""
    csr = _load_csr(pem)
    try:
        valid = csr.is_signature_valid
    except Exception:  # an unsupported algorithm the parser let through
        valid = False
    if not valid:
        raise CsrRejected("the CSR's signature does not verify")
    names = _attribute(csr.subject, NameOID.COMMON_NAME)
    if names != [station_id]:
        raise CsrRejected(f"commonName {names!r} is not the station's identity")
    organizations = _attribute(csr.subject, NameOID.ORGANIZATION_NAME)
    if organization is not None and organizations != [organization]:
        raise CsrRejected(f"organizationName {organizations!r} is not {organization!r}")
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CsrRejected(f"RSA key of {key.key_size} bits")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < MIN_EC_BITS:
            raise CsrRejected(f"EC key of {key.curve.key_size} bits")
    else:
        raise CsrRejected(f"unsupported key type {type(key).__name__}")
    return SigningRequest(
        request_key=request_key(csr),
        common_name=station_id,
        organization=organizations[0] if organizations else None,
    )


class Authority:
    """A CA's key and chain, loaded once; signs station certificates."""

    def __init__(self, key_pem: str, chain_pem: str) -> None:
        key = serialization.load_pem_private_key(key_pem.encode("ascii"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("the CA key must be RSA or EC")
        chain = x509.load_pem_x509_certificates(chain_pem.encode("ascii"))
        if not chain:
            raise ValueError("the CA chain holds no certificate")
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        der = serialization.Encoding.DER
        if chain[0].public_key().public_bytes(der, spki) != key.public_key().public_bytes(
            der, spki
        ):
            raise ValueError("the CA key does not belong to the chain's first certificate")
        self._key = key
        self._certificate = chain[0]
        self.chain_pem = "".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in chain
        )

    @property
    def certificate_pem(self) -> str:
        return self._certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def sign(self, csr_pem: str, validity: timedelta, now: datetime) -> Issued:
        """A certificate for the CSR's subject and key (checked before, by read_csr)."""
        csr = _load_csr(csr_pem)
        public_key = csr.public_key()
        not_before = now - BACKDATE
        # Never beyond the CA's own end: a chain is only as valid as its shortest link.
        not_after = min(now + validity, self._certificate.not_valid_after_utc)
        is_ec = isinstance(public_key, ec.EllipticCurvePublicKey)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self._certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=not is_ec,
                    data_encipherment=False,
                    key_agreement=is_ec,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(public_key),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        leaf = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return Issued(
            chain_pem=leaf + self.chain_pem,
            serial=format(certificate.serial_number, "x"),
            subject=certificate.subject.rfc4514_string(),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
        )


def new_authority(
    organization: str,
    now: datetime,
    validity: timedelta = timedelta(days=3650),
    common_name: str | None = None,
) -> tuple[str, str]:
    """A self-signed CA (EC P-256): its key (PKCS#8 PEM) and certificate (PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(
                NameOID.COMMON_NAME, common_name or f"{organization} Charging Station CA"
            ),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
