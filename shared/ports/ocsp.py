"""What checking an ISO 15118 certificate's status talks to: an OCSP responder (RFC 6960).

The request is the OCPP OCSPRequestData (the certificate's CertID: hash algorithm, issuer name
hash, issuer key hash, serial number, all hex; and the responder's URL). The answer keeps the
DER response as received: GetCertificateStatus (M06) hands it on to the station unchanged.
Adapters: shared/adapters/ocsp_http.py (HTTP, with the in-process cache); the local platform
serves a fake responder (local/ocsp_responder.py) that the same adapter talks to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

HashAlgorithm = Literal["SHA256", "SHA384", "SHA512"]
HASH_ALGORITHMS: tuple[HashAlgorithm, ...] = ("SHA256", "SHA384", "SHA512")
# good: not revoked; revoked; unknown: the responder does not know the certificate (RFC 6960).
CertificateState = Literal["good", "revoked", "unknown"]


@dataclass(frozen=True)
class OcspRequestData:
    hash_algorithm: HashAlgorithm
    issuer_name_hash: str  # hex
    issuer_key_hash: str  # hex
    serial_number: str  # hex, as OCPP carries it
    responder_url: str

    @classmethod
    def from_ocpp(cls, item: Any) -> OcspRequestData | None:
        """OCPP OCSPRequestData as a port value; None when it is not usable (the schema checked
        the fields are there and short; the hex is checked here)."""
        if not isinstance(item, dict) or item.get("hashAlgorithm") not in HASH_ALGORITHMS:
            return None
        try:
            data = cls(
                hash_algorithm=item["hashAlgorithm"],
                issuer_name_hash=str(item["issuerNameHash"]),
                issuer_key_hash=str(item["issuerKeyHash"]),
                serial_number=str(item["serialNumber"]),
                responder_url=str(item.get("responderURL", "")),
            )
            bytes.fromhex(data.issuer_name_hash)
            bytes.fromhex(data.issuer_key_hash)
            _ = data.key  # the serial number is hex
        except (KeyError, ValueError):
            return None
        return data

    @property
    def key(self) -> tuple[str, str, str, int]:
        """The CertID, normalized (case, leading zeros): what an answer is cached under.
        Raises ValueError for a serial number that is not hex."""
        return (
            self.hash_algorithm,
            self.issuer_name_hash.lower(),
            self.issuer_key_hash.lower(),
            int(self.serial_number, 16),
        )


@dataclass(frozen=True)
class OcspAnswer:
    state: CertificateState
    # The OCSPResponse as the responder sent it (DER).
    der: bytes
    this_update: datetime | None = None
    next_update: datetime | None = None
    # True: signed by the certificate's issuer (or its delegated OCSP signer); False: the
    # signature does not verify; None: the issuer was not known, so it could not be checked.
    signature_verified: bool | None = None


class OcspUnavailable(Exception):
    """No usable answer: the responder is unreachable, not allowed, timed out, answered with an
    error status or with a response that does not parse or does not answer the request."""


class OcspResponder(Protocol):
    def status(self, request: OcspRequestData, issuer_der: bytes | None = None) -> OcspAnswer:
        """The certificate's status. `issuer_der`: the issuer's certificate, when known, to
        verify the response's signature with. Raises OcspUnavailable."""
        ...
