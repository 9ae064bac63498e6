"""Stations' certificates (OCPP 2.0.1 A02/A03, 1.6 security extension; docs/adr/0041)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.api.models.common import ApiModel
from shared.models.certificate import StationCertificate


class StationCertificateView(ApiModel):
    """One signing request of the station, and the certificate it was given."""

    requestKey: str = Field(description="Names the CSR (a digest of it): one record per CSR")
    certificateType: Literal["ChargingStationCertificate", "V2GCertificate"]
    status: Literal["requested", "issued", "installed", "rejected"] = Field(
        description="requested: accepted, not signed yet; issued: signed and sent (or being "
        "sent); installed / rejected: the station's answer to CertificateSigned"
    )
    serialNumber: str | None = Field(description="Hexadecimal serial number, once issued")
    subject: str | None = Field(description="The certificate's subject (RFC 4514), once issued")
    notBefore: str | None
    notAfter: str | None
    requestedAt: str
    issuedAt: str | None
    answeredAt: str | None
    sends: int = Field(description="CertificateSigned messages sent for it so far")
    certificateChain: str | None = Field(
        default=None, description="The PEM chain sent: the station's certificate, then the CA's"
    )

    @classmethod
    def of(cls, record: StationCertificate) -> StationCertificateView:
        summary = {k: v for k, v in record.summary().items() if k != "chargePointId"}
        return cls.model_validate({**summary, "certificateChain": record.chain})


class StationCertificateList(ApiModel):
    certificates: list[StationCertificateView] = Field(description="Newest request first")
