"""A charging station's certificate (OCPP 2.0.1 A02/A03, the 1.6 security extension): one
record per signing request the station sent, from the request to the certificate it got."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

CertificateType = Literal["ChargingStationCertificate", "V2GCertificate"]
# requested: the CSR was accepted and waits for its signature; issued: signed (and being sent);
# installed / rejected: the station's answer to CertificateSigned.
CertificateStatus = Literal["requested", "issued", "installed", "rejected"]


@dataclass(frozen=True)
class StationCertificate:
    charge_point_id: str
    # Names the CSR: a digest of its DER bytes, so a resent request finds its own record.
    request_key: str
    certificate_type: CertificateType
    status: CertificateStatus
    csr: str
    requested_at: str
    protocol: str
    serial: str | None = None
    subject: str | None = None
    not_before: str | None = None
    not_after: str | None = None
    # The chain sent to the station: its certificate first, then the CA's.
    chain: str | None = None
    issued_at: str | None = None
    # CertificateSigned sends so far; the nth goes out with command id `send_id(n)`.
    send_attempt: int = 0
    answered_at: str | None = None

    def send_id(self, attempt: int | None = None) -> str:
        """The message id of a CertificateSigned send: derived, so the engine's record of it
        tells whether it went out, and its answer finds this record again."""
        return f"{CERTIFICATE_SEND_PREFIX}{attempt or self.send_attempt}-{self.request_key}"

    def summary(self) -> dict[str, Any]:
        return {
            "chargePointId": self.charge_point_id,
            "requestKey": self.request_key,
            "certificateType": self.certificate_type,
            "status": self.status,
            "serialNumber": self.serial,
            "subject": self.subject,
            "notBefore": self.not_before,
            "notAfter": self.not_after,
            "requestedAt": self.requested_at,
            "issuedAt": self.issued_at,
            "answeredAt": self.answered_at,
            "sends": self.send_attempt,
        }


CERTIFICATE_SEND_PREFIX = "cs"


def request_key_of_send(message_id: str) -> str | None:
    """The request key a CertificateSigned command id names (`cs<n>-<key>`), if it is one."""
    if not message_id.startswith(CERTIFICATE_SEND_PREFIX):
        return None
    attempt, sep, key = message_id[len(CERTIFICATE_SEND_PREFIX) :].partition("-")
    if not sep or not attempt.isdigit() or not key:
        return None
    return key
