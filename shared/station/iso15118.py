"""The ISO 15118 certificate messages a 2.0.1 station forwards for its EVs (block M):

- GetCertificateStatus (M06): the station asks for the OCSP status of a certificate (its
  ocspRequestData); the CSMS asks the OCSP responder (shared/ports/ocsp.py) and answers
  Accepted with the responder's DER response in base64 (`ocspResult`), which the station
  caches and hands to EVs; Failed with a reason when there is no answer.
- Get15118EVCertificate (M01 install, M02 update): the EV's EXI request, passed through to
  the contract certificate pool (shared/ports/contract_pool.py); its EXI response goes back.
  Without a pool the answer is Failed with a reason: the message is part of the spec's
  optional ISO 15118 support, but a station is never told NotSupported for it.

Nothing is stored and nothing is published: the answers are the responder's and the pool's,
so a resent message is answered again the same way (the OCSP answer from the cache).
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any

from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports.contract_pool import ContractCertificatePool, PoolUnavailable
from shared.ports.ocsp import OcspRequestData, OcspResponder, OcspUnavailable

logger = logging.getLogger("csms.station.iso15118")

Payload = dict[str, Any]
# The schemas' limits on what the CSMS sends back.
MAX_OCSP_RESULT = 5500
MAX_EXI_RESPONSE = 7500
MAX_REASON_CODE = 20
MAX_ADDITIONAL_INFO = 512


def failed(reason: str, detail: str | None = None, **more: Any) -> Payload:
    info: Payload = {"reasonCode": reason[:MAX_REASON_CODE]}
    if detail:
        info["additionalInfo"] = detail[:MAX_ADDITIONAL_INFO]
    return {"status": "Failed", "statusInfo": info, **more}


@dataclass
class Iso15118Handlers:
    # None: no OCSP responder configured / no contract certificate pool.
    ocsp: OcspResponder | None
    pool: ContractCertificatePool | None

    def register(self, router: Router) -> None:
        v201 = OcppVersion.V201
        router.route(v201, "GetCertificateStatus", self.get_certificate_status)
        router.route(v201, "Get15118EVCertificate", self.get_15118_ev_certificate)

    def get_certificate_status(self, ctx: MessageContext, payload: Payload) -> Payload:
        request = OcspRequestData.from_ocpp(payload.get("ocspRequestData"))
        if request is None:
            return failed("InvalidRequestData", "hashes and serial number must be hex")
        if self.ocsp is None:
            return failed("NoOcspResponder", "no OCSP responder is configured")
        try:
            answer = self.ocsp.status(request)
        except OcspUnavailable as exc:
            logger.warning(
                "no OCSP answer for a station",
                extra={"chargePointId": ctx.charge_point_id, "reason": str(exc)[:200]},
            )
            return failed("ResponderUnavailable", str(exc))
        result = base64.b64encode(answer.der).decode("ascii")
        if len(result) > MAX_OCSP_RESULT:
            return failed("ResponseTooLarge", f"the OCSP response has {len(answer.der)} bytes")
        return {"status": "Accepted", "ocspResult": result}

    def get_15118_ev_certificate(self, ctx: MessageContext, payload: Payload) -> Payload:
        if self.pool is None:
            return failed("NoCertificatePool", "no contract pool is configured", exiResponse="")
        action = payload["action"]
        exi_request = str(payload["exiRequest"])
        try:  # an EXI stream the pool could not read is not sent to it
            base64.b64decode(exi_request.encode("ascii"), validate=True)
        except ValueError:
            return failed("InvalidExiRequest", "exiRequest is not base64", exiResponse="")
        try:
            answer = self.pool.certificate(
                str(payload["iso15118SchemaVersion"]), action, exi_request
            )
        except PoolUnavailable as exc:
            logger.warning(
                "the contract certificate pool did not answer",
                extra={"chargePointId": ctx.charge_point_id, "action": action},
            )
            return failed("PoolUnavailable", str(exc), exiResponse="")
        if not answer.accepted:
            exi = answer.exi_response if len(answer.exi_response) <= MAX_EXI_RESPONSE else ""
            return failed(answer.reason or "PoolRejected", answer.detail, exiResponse=exi)
        if len(answer.exi_response) > MAX_EXI_RESPONSE:
            return failed("ResponseTooLarge", "the pool's EXI response is too long", exiResponse="")
        return {"status": "Accepted", "exiResponse": answer.exi_response}
