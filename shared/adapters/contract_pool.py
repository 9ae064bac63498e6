"""The local contract certificate pool (ISO 15118 M01/M02): a stand-in that answers every EV
request with a generated EXI response, so the station's flow can be exercised end to end.

Its answer is not a valid CertificateInstallationRes (that needs the pool's signing keys and
the EV's contract data): it is base64 bytes derived from the request, marked as local, and
the same for a resent request. A production pool is a separate adapter (docs/adr/0042).
"""

from __future__ import annotations

import base64
import hashlib

from shared.ports.contract_pool import CertificateAction, PoolAnswer

LOCAL_MARKER = b"LOCAL-CONTRACT-POOL"


class LocalContractPool:
    def certificate(
        self, schema_version: str, action: CertificateAction, exi_request: str
    ) -> PoolAnswer:
        digest = hashlib.sha256(f"{schema_version}|{action}|{exi_request}".encode()).digest()
        return PoolAnswer(True, base64.b64encode(LOCAL_MARKER + b":" + digest).decode())
