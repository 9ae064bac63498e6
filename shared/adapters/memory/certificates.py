"""In-memory certificates and CA key: the Certificates table's and the secret's behaviour."""

from __future__ import annotations

from dataclasses import replace

from shared.models.certificate import StationCertificate
from shared.ports.certificates import AuthorityMaterial


class MemoryCertificateStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], StationCertificate] = {}

    def request(self, certificate: StationCertificate) -> bool:
        key = (certificate.charge_point_id, certificate.request_key)
        if key in self.records:
            return False
        self.records[key] = certificate
        return True

    def get(self, charge_point_id: str, request_key: str) -> StationCertificate | None:
        return self.records.get((charge_point_id, request_key))

    def issue(self, issued: StationCertificate) -> bool:
        key = (issued.charge_point_id, issued.request_key)
        current = self.records.get(key)
        if current is None or current.status != "requested":
            return False
        self.records[key] = replace(
            current,
            status="issued",
            serial=issued.serial,
            subject=issued.subject,
            not_before=issued.not_before,
            not_after=issued.not_after,
            chain=issued.chain,
            issued_at=issued.issued_at,
        )
        return True

    def claim_send(self, charge_point_id: str, request_key: str, attempt: int) -> bool:
        current = self.records.get((charge_point_id, request_key))
        if current is None or current.send_attempt != attempt - 1:
            return False
        self.records[(charge_point_id, request_key)] = replace(current, send_attempt=attempt)
        return True

    def answered(
        self, charge_point_id: str, request_key: str, status: str, at: str, attempt: int
    ) -> None:
        current = self.records.get((charge_point_id, request_key))
        if current is None or current.send_attempt != attempt:
            return
        self.records[(charge_point_id, request_key)] = replace(
            current,
            status="installed" if status == "installed" else "rejected",
            answered_at=at,
        )

    def list(self, charge_point_id: str) -> list[StationCertificate]:
        mine = [r for (cp, _), r in self.records.items() if cp == charge_point_id]
        return sorted(mine, key=lambda r: (r.requested_at, r.request_key), reverse=True)


class MemoryAuthorityKeys:
    def __init__(self, material: AuthorityMaterial | None = None) -> None:
        self.material = material

    def load(self) -> AuthorityMaterial | None:
        return self.material

    def initialise(self, material: AuthorityMaterial) -> AuthorityMaterial:
        if self.material is None:
            self.material = material
        return self.material
