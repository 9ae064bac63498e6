"""BootNotification, Heartbeat and StatusNotification for OCPP 1.6 and 2.0.1.

Both versions share one model; only the payload shapes differ.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from shared.models.charger import BootInfo, RegistrationStatus
from shared.models.connection import ConnectorStatus
from shared.models.domain_events import CHARGER_BOOTED, DomainEvent
from shared.ocpp.fields import as_object, integer, text
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import ChargerRepository, EventPublisher
from shared.ports.publishing import publish_safely
from shared.station.connector_status import ConnectorStatuses
from shared.timeutil import iso_utc, parse_timestamp, to_epoch_ms

logger = logging.getLogger("csms.station.handlers")

Payload = dict[str, Any]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def boot_info_v16(payload: Payload) -> BootInfo:
    return BootInfo(
        vendor=text(payload, "chargePointVendor"),
        model=text(payload, "chargePointModel"),
        serial_number=_text(payload.get("chargePointSerialNumber"))
        or _text(payload.get("chargeBoxSerialNumber")),
        firmware_version=_text(payload.get("firmwareVersion")),
        iccid=_text(payload.get("iccid")),
        imsi=_text(payload.get("imsi")),
        meter_type=_text(payload.get("meterType")),
        meter_serial_number=_text(payload.get("meterSerialNumber")),
    )


def boot_info_v201(payload: Payload) -> BootInfo:
    station = as_object(payload.get("chargingStation"))
    modem = as_object(station.get("modem"))
    return BootInfo(
        vendor=text(station, "vendorName"),
        model=text(station, "model"),
        serial_number=_text(station.get("serialNumber")),
        firmware_version=_text(station.get("firmwareVersion")),
        iccid=_text(modem.get("iccid")),
        imsi=_text(modem.get("imsi")),
        reason=_text(payload.get("reason")),
    )


@dataclass
class StationHandlers:
    chargers: ChargerRepository
    statuses: ConnectorStatuses
    publisher: EventPublisher
    heartbeat_interval_s: int
    boot_retry_interval_s: int

    def register(self, router: Router) -> None:
        v16, v201 = OcppVersion.V16, OcppVersion.V201
        router.route(v16, "BootNotification", self.boot_notification_v16)
        router.route(v201, "BootNotification", self.boot_notification_v201)
        router.route(v16, "Heartbeat", self.heartbeat)
        router.route(v201, "Heartbeat", self.heartbeat)
        router.route(v16, "StatusNotification", self.status_notification_v16)
        router.route(v201, "StatusNotification", self.status_notification_v201)

    # BootNotification

    def _boot(self, ctx: MessageContext, info: BootInfo) -> tuple[RegistrationStatus, int]:
        record = self.chargers.record_boot(
            ctx.charge_point_id, info, ctx.version.value, ctx.received_at
        )
        # The record can only be missing if an operator deleted the charger while it was connected.
        status: RegistrationStatus = record.registration_status if record else "Rejected"
        interval = self.heartbeat_interval_s if status == "Accepted" else self.boot_retry_interval_s
        # One line per boot (rare: after a reboot or a reconnect), what an operator looks for.
        logger.info(
            "charger booted: %s",
            status,
            extra={
                "chargePointId": ctx.charge_point_id,
                "vendor": info.vendor,
                "model": info.model,
            },
        )
        publish_safely(
            self.publisher,
            DomainEvent(
                CHARGER_BOOTED,
                ctx.charge_point_id,
                ctx.received_at,
                {
                    "registrationStatus": status,
                    "protocol": ctx.version.value,
                    "vendor": info.vendor,
                    "model": info.model,
                    "serialNumber": info.serial_number,
                    "firmwareVersion": info.firmware_version,
                    "reason": info.reason,
                },
            ),
        )
        return status, interval

    def boot_notification_v16(self, ctx: MessageContext, payload: Payload) -> Payload:
        status, interval = self._boot(ctx, boot_info_v16(payload))
        return {"status": status, "currentTime": iso_utc(ctx.received_at), "interval": interval}

    def boot_notification_v201(self, ctx: MessageContext, payload: Payload) -> Payload:
        status, interval = self._boot(ctx, boot_info_v201(payload))
        return {"status": status, "currentTime": iso_utc(ctx.received_at), "interval": interval}

    # Heartbeat: answered without touching storage. An open connection is itself the liveness
    # signal (API Gateway drops a connection idle for 10 minutes), connect/disconnect times are
    # stored, and API Gateway's GetConnection gives the exact last activity when asked.

    def heartbeat(self, ctx: MessageContext, payload: Payload) -> Payload:
        return {"currentTime": iso_utc(ctx.received_at)}

    # StatusNotification

    def _status(self, ctx: MessageContext, status: ConnectorStatus) -> None:
        if not self.statuses.report(status):
            logger.info(
                "older status report ignored",
                extra={"chargePointId": ctx.charge_point_id, "connector": status.connector_key},
            )

    def _reported_time(self, ctx: MessageContext, value: Any) -> str:
        parsed = parse_timestamp(value)
        return iso_utc(parsed if parsed else ctx.received_at)

    def status_notification_v16(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._status(
            ctx,
            ConnectorStatus(
                charge_point_id=ctx.charge_point_id,
                connector_id=integer(payload, "connectorId"),
                status=text(payload, "status"),
                error_code=text(payload, "errorCode"),
                info=_text(payload.get("info")),
                vendor_id=_text(payload.get("vendorId")),
                vendor_error_code=_text(payload.get("vendorErrorCode")),
                timestamp=self._reported_time(ctx, payload.get("timestamp")),
                received_at_ms=to_epoch_ms(ctx.received_at),
            ),
        )
        return {}

    def status_notification_v201(self, ctx: MessageContext, payload: Payload) -> Payload:
        self._status(
            ctx,
            ConnectorStatus(
                charge_point_id=ctx.charge_point_id,
                evse_id=integer(payload, "evseId"),
                connector_id=integer(payload, "connectorId"),
                status=text(payload, "connectorStatus"),
                timestamp=self._reported_time(ctx, payload.get("timestamp")),
                received_at_ms=to_epoch_ms(ctx.received_at),
            ),
        )
        return {}
