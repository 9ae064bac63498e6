"""C07 Authorization using contract certificates (ISO 15118 Plug & Charge): the certificate
status an Authorize's contract data earns, and what it does to the id token's answer.

The station sends the contract certificate's OCSP data (`iso15118CertificateHashData`: one
CertID per certificate of the chain, C07.FR.02) and, when it could not validate the chain
itself, the chain in PEM (`certificate`, C07.FR.06). The CSMS checks (C07.FR.05):

- a PEM chain: every certificate within its validity period (else CertificateExpired), each
  signed by the next, a CA (else SignatureError, or CertChainError when the names do not
  chain or the issuer is no CA),
  the contract certificate issued to the eMAID (its subject CN, as ISO 15118-2 names them),
  the last one a trusted root or issued by one (else CertChainError); then each certificate's
  status over OCSP, asked with the CertID computed from the chain itself;
- hash data only: each CertID's status over OCSP (the station checked the chain).

OCSP: revoked anywhere -> CertificateRevoked; a response whose signature does not verify
against the issuer -> SignatureError; unknown to the responder -> CertChainError; all good ->
Accepted. No answer (responder down, no cached answer, not allowed, no responder configured):
the status cannot be verified, so the contract is not accepted (fail closed: CertChainError),
and the answer carries cacheExpiryDateTime = now so the station does not keep the refusal
(docs/adr/0042).

The id token (the eMAID) gets the normal decision (shared/transactions/authorization.py); the
certificate's verdict then sets the final answer (C07.FR.13 to C07.FR.17): certificate good
and token accepted -> certificateStatus Accepted, the token's status as decided (also e.g.
ConcurrentTx); certificate good but the eMAID not accepted -> ContractCancelled with the
token's status; expired -> Expired; revoked, broken chain, bad signature -> Invalid.

Nothing is stored: the answer is a function of the message, the trusted roots and the OCSP
answers (cached until their nextUpdate), so a resent Authorize is answered the same way.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from shared.ports.ocsp import (
    OcspAnswer,
    OcspRequestData,
    OcspResponder,
    OcspUnavailable,
)
from shared.timeutil import iso_utc

logger = logging.getLogger("csms.access.contract_certificates")

Payload = dict[str, Any]
CertificateStatus = Literal[
    "Accepted",
    "SignatureError",
    "CertificateExpired",
    "CertificateRevoked",
    "NoCertificateAvailable",
    "CertChainError",
    "ContractCancelled",
]
# Token statuses that refuse the eMAID itself: a good certificate then means a cancelled contract.
REFUSED_TOKEN_STATUSES = frozenset({"Blocked", "Expired", "Invalid", "Unknown"})
# The most certificates a chain (leaf, sub-CAs, root) has in ISO 15118; more is not a contract.
MAX_CHAIN_LENGTH = 5


@dataclass(frozen=True)
class ContractVerdict:
    status: CertificateStatus
    # True when the verdict may change on a retry (no OCSP answer): not to be cached.
    transient: bool = False
    reason: str = ""


@dataclass
class ContractCertificates:
    # None: no responder configured; every certificate is then unverifiable.
    ocsp: OcspResponder | None
    # PEM bundle of the certificates the operator trusts as anchors of contract chains (V2G and
    # Mobility Operator roots; sub-CAs too, to verify OCSP answers for hash data).
    trusted_pem: str = ""

    @cached_property
    def _trusted(self) -> list[Any]:
        from cryptography import x509

        if not self.trusted_pem.strip():
            return []
        try:
            return list(x509.load_pem_x509_certificates(self.trusted_pem.encode()))
        except ValueError:
            logger.error("the trusted contract roots do not parse: none are trusted")
            return []

    # The hook of authorize_v201 (shared/transactions/handlers.py).

    def authorize(self, payload: Payload, response: Payload, at: datetime) -> Payload:
        certificate = payload.get("certificate")
        hash_data = payload.get("iso15118CertificateHashData")
        if certificate is None and not hash_data:
            return response
        token = (payload.get("idToken") or {}).get("idToken")
        verdict = self.verdict(
            certificate if isinstance(certificate, str) else None,
            hash_data if isinstance(hash_data, list) else [],
            at,
            emaid=token if isinstance(token, str) else None,
        )
        info = dict(response.get("idTokenInfo") or {})
        token_status = str(info.get("status", "Unknown"))
        if verdict.status == "Accepted":
            status = "ContractCancelled" if token_status in REFUSED_TOKEN_STATUSES else "Accepted"
        else:
            status = verdict.status
            info.pop("groupIdToken", None)
            info["status"] = "Expired" if status == "CertificateExpired" else "Invalid"
            if verdict.transient:
                info["cacheExpiryDateTime"] = iso_utc(at)
            else:
                info.pop("cacheExpiryDateTime", None)
        logger.info(
            "contract certificate checked",
            extra={
                "certificateStatus": status,
                "tokenStatus": info.get("status", token_status),
                "reason": verdict.reason,
            },
        )
        return {**response, "idTokenInfo": info, "certificateStatus": status}

    def verdict(
        self, certificate: str | None, hash_data: list[Any], at: datetime, emaid: str | None = None
    ) -> ContractVerdict:
        """`emaid`: the idToken a PEM chain's contract certificate must be issued to."""
        if certificate is not None:
            return self._chain_verdict(certificate, _request_data(hash_data), at, emaid)
        requests = _request_data(hash_data)
        if requests is None:
            return ContractVerdict("CertChainError", reason="unusable hash data")
        return self._ocsp_verdict([(r, self._issuer_of(r)) for r in requests])

    def _chain_verdict(
        self, pem: str, hash_data: list[OcspRequestData] | None, at: datetime, emaid: str | None
    ) -> ContractVerdict:
        from cryptography import x509

        try:
            chain = list(x509.load_pem_x509_certificates(pem.encode()))
        except ValueError:
            chain = []
        if not chain:
            empty = "-----BEGIN" not in pem
            return ContractVerdict(
                "NoCertificateAvailable" if empty else "CertChainError",
                reason="no certificate in the chain" if empty else "chain does not parse",
            )
        if len(chain) > MAX_CHAIN_LENGTH:
            return ContractVerdict("CertChainError", reason="chain too long")
        broken = _broken_link(chain)
        if broken is not None:
            return broken
        if emaid is not None and _emaid(_common_name(chain[0])) != _emaid(emaid):
            return ContractVerdict("CertChainError", reason="not the eMAID's certificate")
        root = self._anchor(chain[-1])
        if root is None:
            return ContractVerdict("CertChainError", reason="no trusted root")
        if any(not _valid_at(c, at) for c in (*chain, root)):
            return ContractVerdict("CertificateExpired", reason="outside validity")
        # Every certificate but a trusted root itself gets an OCSP check, CertID from the chain.
        issuers = [*chain[1:], root]
        urls = {r.key: r.responder_url for r in hash_data or []}
        checks: list[tuple[OcspRequestData, bytes | None]] = []
        for cert, issuer in zip(chain, issuers, strict=True):
            if cert == root:
                continue
            request = _cert_id(cert, issuer)
            url = _ocsp_url(cert) or urls.get(request.key, "")
            checks.append((_with_url(request, url), _der(issuer)))
        return self._ocsp_verdict(checks)

    def _anchor(self, top: Any) -> Any | None:
        """The trusted certificate the chain ends in: `top` itself, or its trusted issuer."""
        for trusted in self._trusted:
            if trusted == top:
                return trusted
        for trusted in self._trusted:
            if top.issuer != trusted.subject:
                continue
            if _issued_by(top, trusted):
                return trusted
        return None

    def _issuer_of(self, request: OcspRequestData) -> bytes | None:
        """The trusted certificate the CertID names as issuer (to verify the OCSP answer)."""
        for trusted in self._trusted:
            candidate = _cert_id(trusted, trusted, request.hash_algorithm)
            if (candidate.issuer_name_hash, candidate.issuer_key_hash) == (
                request.issuer_name_hash.lower(),
                request.issuer_key_hash.lower(),
            ):
                return _der(trusted)
        return None

    def _ocsp_verdict(self, checks: list[tuple[OcspRequestData, bytes | None]]) -> ContractVerdict:
        if not checks:
            return ContractVerdict("CertChainError", reason="nothing to check")
        if self.ocsp is None:
            return ContractVerdict("CertChainError", transient=True, reason="no OCSP responder")
        answers: list[OcspAnswer] = []
        unavailable = ""
        for request, issuer in checks:
            try:
                answers.append(self.ocsp.status(request, issuer))
            except OcspUnavailable as exc:
                unavailable = str(exc)
        if any(a.state == "revoked" for a in answers):
            return ContractVerdict("CertificateRevoked", reason="revoked")
        if any(a.signature_verified is False for a in answers):
            return ContractVerdict("SignatureError", reason="OCSP response signature")
        if unavailable:
            return ContractVerdict("CertChainError", transient=True, reason=unavailable[:200])
        if any(a.state == "unknown" for a in answers):
            return ContractVerdict("CertChainError", reason="unknown to the responder")
        return ContractVerdict("Accepted")


def _request_data(items: list[Any]) -> list[OcspRequestData] | None:
    parsed = [OcspRequestData.from_ocpp(item) for item in items]
    if not parsed or any(p is None for p in parsed):
        return None
    return [p for p in parsed if p is not None]


def _cert_id(cert: Any, issuer: Any, algorithm: str = "SHA256") -> OcspRequestData:
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    digests: dict[str, hashes.HashAlgorithm] = {
        "SHA256": hashes.SHA256(),
        "SHA384": hashes.SHA384(),
        "SHA512": hashes.SHA512(),
    }
    digest = digests[algorithm]
    built = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, digest).build()
    return OcspRequestData(
        hash_algorithm=algorithm,  # type: ignore[arg-type]
        issuer_name_hash=built.issuer_name_hash.hex(),
        issuer_key_hash=built.issuer_key_hash.hex(),
        serial_number=format(built.serial_number, "X"),
        responder_url="",
    )


def _with_url(request: OcspRequestData, url: str) -> OcspRequestData:
    from dataclasses import replace

    return replace(request, responder_url=url)


def _ocsp_url(cert: Any) -> str:
    from cryptography import x509
    from cryptography.x509.oid import AuthorityInformationAccessOID

    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return ""
    for description in access:
        if description.access_method == AuthorityInformationAccessOID.OCSP and isinstance(
            description.access_location, x509.UniformResourceIdentifier
        ):
            return str(description.access_location.value)
    return ""


def _issued_by(cert: Any, issuer: Any) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _broken_link(chain: list[Any]) -> ContractVerdict | None:
    """Why the chain does not hold together (each certificate issued by the next), if not."""
    from cryptography.exceptions import InvalidSignature

    for cert, issuer in itertools.pairwise(chain):
        if cert.issuer != issuer.subject:
            return ContractVerdict("CertChainError", reason="names do not chain")
        if not _is_ca(issuer):
            return ContractVerdict("CertChainError", reason="issuer is not a CA")
        try:
            cert.verify_directly_issued_by(issuer)
        except InvalidSignature:
            return ContractVerdict("SignatureError", reason="chain signature")
        except (ValueError, TypeError):
            return ContractVerdict("CertChainError", reason="chain not verifiable")
    return None


def _is_ca(cert: Any) -> bool:
    from cryptography import x509

    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _common_name(cert: Any) -> str:
    from cryptography.x509.oid import NameOID

    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _emaid(value: str) -> str:
    """An eMAID as compared: ISO 15118 writes it with or without dashes, in any case."""
    return value.replace("-", "").upper()


def _valid_at(cert: Any, at: datetime) -> bool:
    return bool(cert.not_valid_before_utc <= at <= cert.not_valid_after_utc)


def _der(cert: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return bytes(cert.public_bytes(Encoding.DER))
