"""What installing or updating an EV's contract certificate talks to (ISO 15118, OCPP 2.0.1
M01/M02): a contract certificate pool that turns the EV's EXI CertificateInstallationReq /
CertificateUpdateReq into the EXI response the station hands back to the EV.

The CSMS does not decode the EXI: it passes it through. A production pool is an external
service (e.g. Hubject's Plug&Charge CCP; docs/adr/0042); locally a static fake answers
(shared/adapters/contract_pool.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

CertificateAction = Literal["Install", "Update"]


@dataclass(frozen=True)
class PoolAnswer:
    accepted: bool
    # Base64 EXI response for the EV; may be "" when not accepted.
    exi_response: str = ""
    # Why not (a short OCPP reasonCode, at most 20 characters) and more detail.
    reason: str | None = None
    detail: str | None = None


class PoolUnavailable(Exception):
    """The pool could not be asked or did not answer in time."""


class ContractCertificatePool(Protocol):
    def certificate(
        self, schema_version: str, action: CertificateAction, exi_request: str
    ) -> PoolAnswer:
        """The pool's answer to the EV's request. Raises PoolUnavailable."""
        ...
