"""Stations' certificates: what the CSMS's CA issued them, and renewal (OCPP 2.0.1 A02; the
1.6 security extension), docs/adr/0041-certificate-authority.md."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.errors import CommandNotAnswered
from shared.api.models.certificates import StationCertificateList, StationCertificateView
from shared.api.models.commands import CommandView
from shared.api.routes.commands import OUTCOMES
from shared.api.routes.responses import errors
from shared.certificates.signing import CertificateSigning
from shared.commands.engine import MAX_SYNC_WAIT_S

TAGS = ["chargers"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    deps = ctx.services.deps

    def signing() -> CertificateSigning:
        if ctx.services.certificates is None:  # dependencies without a certificate store
            raise NotFound("certificates are not kept here")
        return ctx.services.certificates

    @routes.get(
        "/api/chargers/<chargePointId>/certificates",
        tags=TAGS,
        summary="The certificates the CSMS's CA issued a charger, newest request first",
        description="One entry per signing request (SignCertificate) the charger sent and the "
        "CSMS accepted: its status, and once signed the certificate's serial number, subject, "
        "validity and the chain sent in CertificateSigned.",
        responses=errors(404),
    )
    def list_certificates(chargePointId: str) -> StationCertificateList:
        charge_point_id = path_value(chargePointId)
        if deps.chargers.get(charge_point_id) is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        records = signing().certificates(charge_point_id)
        return StationCertificateList(
            certificates=[StationCertificateView.of(record) for record in records]
        )

    @routes.post(
        "/api/chargers/<chargePointId>/certificates/renew",
        tags=TAGS,
        summary="Renew a charger's certificate (A02)",
        description="Sends TriggerMessage SignChargingStationCertificate (OCPP 2.0.1) or "
        "ExtendedTriggerMessage SignChargePointCertificate (1.6 security extension): a charger "
        "that accepts makes a new key and sends SignCertificate; its new certificate then "
        "appears in the list once signed. The answer is the trigger command's outcome.",
        responses=OUTCOMES,
    )
    def renew_certificate(
        chargePointId: str,
        wait: Annotated[bool, Query(description="Wait (at most 20 s) for the answer")] = True,
    ) -> Response[CommandView]:
        charge_point_id = path_value(chargePointId)
        charger = deps.chargers.get(charge_point_id)
        if charger is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        sent = signing().renew(
            charge_point_id, charger.protocol or "ocpp2.0.1", requested_by=ctx.operator()
        )
        if not wait:
            return Response(
                status_code=202,
                content_type=content_types.APPLICATION_JSON,
                body=CommandView.of(sent),
            )
        final = ctx.services.engine.wait(charge_point_id, sent.message_id, MAX_SYNC_WAIT_S) or sent
        if final.status in ("pending", "timeout", "offline"):
            raise CommandNotAnswered(final, None)
        return Response(
            status_code=200, content_type=content_types.APPLICATION_JSON, body=CommandView.of(final)
        )
