"""Status reports a charger sends about long-running jobs: firmware updates, diagnostics and
log uploads. Stored on the charger record and published for operators and workflows.

The 1.6 security extension reports its signed firmware updates and log uploads (the commands
SignedUpdateFirmware, GetLog) as 2.0.1 does: SignedFirmwareStatusNotification and 1.6
LogStatusNotification are stored and published as 2.0.1's FirmwareStatusNotification and
LogStatusNotification, `requestId` included."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.models.domain_events import (
    DIAGNOSTICS_STATUS_CHANGED,
    FIRMWARE_STATUS_CHANGED,
    DomainEvent,
)
from shared.ocpp.fields import text
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import ChargerRepository, EventPublisher
from shared.ports.publishing import publish_safely
from shared.timeutil import iso_utc

Payload = dict[str, Any]


@dataclass
class StatusReportHandlers:
    reports: ChargerRepository
    publisher: EventPublisher
    # An upload's status on its job (charger, status, requestId or None, received at):
    # docs/adr/0045; None where no upload jobs are kept.
    upload_status: Callable[[str, str, int | None, str], None] | None = None

    def register(self, router: Router) -> None:
        v16, v201 = OcppVersion.V16, OcppVersion.V201
        router.route(v16, "FirmwareStatusNotification", self.firmware)
        router.route(v16, "DiagnosticsStatusNotification", self.diagnostics)
        router.route(v16, "SignedFirmwareStatusNotification", self.firmware)
        router.route(v16, "LogStatusNotification", self.diagnostics)
        router.route(v201, "FirmwareStatusNotification", self.firmware)
        router.route(v201, "LogStatusNotification", self.diagnostics)

    def _report(self, ctx: MessageContext, kind: str, detail_type: str, payload: Payload) -> None:
        status = text(payload, "status")
        at = iso_utc(ctx.received_at)
        self.reports.record_status_report(ctx.charge_point_id, kind, status, at)
        publish_safely(
            self.publisher,
            DomainEvent(
                detail_type,
                ctx.charge_point_id,
                ctx.received_at,
                {"status": status, "requestId": payload.get("requestId"), "receivedAt": at},
            ),
        )

    def firmware(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._report(ctx, "firmware", FIRMWARE_STATUS_CHANGED, payload)
        return {}

    def diagnostics(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._report(ctx, "diagnostics", DIAGNOSTICS_STATUS_CHANGED, payload)
        if self.upload_status is not None:
            request_id = payload.get("requestId")
            self.upload_status(
                ctx.charge_point_id,
                text(payload, "status"),
                request_id if isinstance(request_id, int) else None,
                iso_utc(ctx.received_at),
            )
        return {}
