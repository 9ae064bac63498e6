"""The certificate authority's key and the stations' certificates (docs/adr/0041)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shared.models.certificate import StationCertificate


@dataclass(frozen=True)
class AuthorityMaterial:
    """The CA's private key (PKCS#8 PEM) and its certificate chain (PEM, the CA's own
    certificate first, then any issuers above it up to the root)."""

    key_pem: str
    chain_pem: str


class AuthorityKeys(Protocol):
    """Where the CA's key is kept (Secrets Manager on AWS and locally; a field in tests)."""

    def load(self) -> AuthorityMaterial | None:
        """The CA, or None when none was set up yet."""
        ...

    def initialise(self, material: AuthorityMaterial) -> AuthorityMaterial:
        """Keep `material` as the CA unless one exists already; the CA in force either way
        (two first signings at once agree on one CA)."""
        ...


class CertificateStore(Protocol):
    """One record per (station, CSR), written by conditional updates."""

    def request(self, certificate: StationCertificate) -> bool:
        """Store a new request; False if this station sent this CSR before (kept as it is)."""
        ...

    def get(self, charge_point_id: str, request_key: str) -> StationCertificate | None: ...

    def issue(self, issued: StationCertificate) -> bool:
        """Store the signature of a `requested` record; False if it was issued already."""
        ...

    def claim_send(self, charge_point_id: str, request_key: str, attempt: int) -> bool:
        """Move the record's send counter from `attempt - 1` to `attempt`; False if another
        sender did first."""
        ...

    def answered(
        self, charge_point_id: str, request_key: str, status: str, at: str, attempt: int
    ) -> None:
        """Record the station's answer to send number `attempt` (ignored for an older one)."""
        ...

    def list(self, charge_point_id: str) -> list[StationCertificate]:
        """The station's records, newest request first."""
        ...
