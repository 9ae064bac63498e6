"""NotifyEvent (2.0.1, N07/N08) and SecurityEventNotification (2.0.1 A04, 1.6 security
extension): what a charger reports about itself, stored per charger, reflected on its
connectors, raised as alerts (docs/adr/0036-station-events.md).

Idempotency contract: every event is stored under a key made of what the charger reported
(`<timestamp>#<eventId>`, security events `<timestamp>#<type>`), with an unconditional Put; a
resend (new message id, same content) writes the same items again. The follow-ups are re-run
on a resend and are idempotent too: the connector status report is ordered (an older one is
ignored), and the domain events are built from the stored content alone, so their ids repeat
(DomainEvent.event_id) and consumers see a repeat, not a new alert. Nothing is answered before
the events are stored: a failed write raises, the charger gets an error and resends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from shared.models.charger_event import ChargerEvent
from shared.models.connection import ConnectorStatus
from shared.models.domain_events import (
    CHARGER_ALERT_CLEARED,
    CHARGER_ALERT_RAISED,
    SECURITY_EVENT_RECEIVED,
    DomainEvent,
)
from shared.observability import count_metric
from shared.ocpp.fields import as_list, as_object, optional_id, text
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import ChargerEventLog, EventPublisher, publish_safely
from shared.station.connector_status import ConnectorStatuses
from shared.timeutil import iso_utc, parse_timestamp, to_epoch_ms

logger = logging.getLogger("csms.station.events")

Payload = dict[str, Any]
Alert = Literal["raised", "cleared"]

# A Connector's AvailabilityState takes the values of 2.0.1's ConnectorStatusEnumType, the
# statuses StatusNotification reports (OCPP 2.0.1 Part 2, appendix 3 "AvailabilityState").
AVAILABILITY_STATES = frozenset({"Available", "Occupied", "Reserved", "Unavailable", "Faulted"})
# Security event types that count toward the CriticalSecurityEvents alarm: signs of an attack
# or of tampering. The spec's appendix marks routine ones critical too (StartupOfTheDevice,
# ResetOrReboot, FirmwareUpdated, SettingSystemTime): the charger must push those at once, but
# an alarm on every reboot would be ignored (docs/adr/0036). 1.6 names of the same events too.
ALARMED_SECURITY_EVENTS = frozenset(
    {
        "TamperDetectionActivated",
        "FirmwareTampered",
        "InvalidFirmwareSignature",
        "InvalidFirmwareSigningCertificate",
        "InvalidCsmsCertificate",
        "InvalidCentralSystemCertificate",
        "InvalidChargingStationCertificate",
        "InvalidChargePointCertificate",
        "AttemptedReplayAttacks",
        "SecurityLogWasCleared",
        "InvalidTLSVersion",
        "InvalidTLSCipherSuite",
    }
)
CRITICAL_SECURITY_EVENTS_METRIC = "CriticalSecurityEvents"
# An eventId's digits in the key: keys of one timestamp sort by eventId.
_EVENT_ID_DIGITS = 10
_DAY_S = 86_400


def alert_of(entry: Payload) -> Alert | None:
    """Whether a stored eventData entry raises an alert, clears one, or neither.

    Cleared: the charger says so (cleared=true). Raised: a monitor's threshold was crossed
    (trigger Alerting), a component reports Problem=true, or a Connector/EVSE turned Faulted.
    Periodic entries are readings, not changes: they raise nothing.
    """
    if entry.get("cleared") is True:
        return "cleared"
    trigger = entry.get("trigger")
    if trigger == "Periodic":
        return None
    if trigger == "Alerting":
        return "raised"
    variable = entry.get("variable")
    value = str(entry.get("actualValue", "")).strip().lower()
    if variable == "Problem" and value == "true":
        return "raised"
    if variable == "AvailabilityState" and value == "faulted":
        return "raised"
    return None


def connector_status_of(
    charge_point_id: str, entry: Payload, received_at_ms: int
) -> ConnectorStatus | None:
    """The connector status a Connector component's AvailabilityState entry reports, if any:
    only with the EVSE and connector named and a value StatusNotification could have sent."""
    if entry.get("component") != "Connector" or entry.get("variable") != "AvailabilityState":
        return None
    status = entry.get("actualValue")
    evse_id, connector_id = entry.get("evseId"), entry.get("connectorId")
    if status not in AVAILABILITY_STATES or evse_id is None or connector_id is None:
        return None
    return ConnectorStatus(
        charge_point_id=charge_point_id,
        evse_id=evse_id,
        connector_id=connector_id,
        status=status,
        timestamp=entry["timestamp"],
        received_at_ms=received_at_ms,
    )


def _timestamp(value: Any, received_at: datetime) -> str:
    # Unreadable (a lenient charger's): the receipt time, so the event is still kept.
    parsed = parse_timestamp(value)
    return iso_utc(parsed if parsed else received_at)


def event_entry(raw: Any, received_at: datetime, seq_no: int | None, tbc: bool) -> Payload:
    """An eventData entry in the stored (and API) shape; None values are left out."""
    data = as_object(raw)
    component = as_object(data.get("component"))
    evse = as_object(component.get("evse"))
    variable = as_object(data.get("variable"))
    entry = {
        "eventId": optional_id(data.get("eventId")),
        "timestamp": _timestamp(data.get("timestamp"), received_at),
        "trigger": text(data, "trigger") or None,
        "cause": optional_id(data.get("cause")),
        "actualValue": text(data, "actualValue"),
        "techCode": text(data, "techCode") or None,
        "techInfo": text(data, "techInfo") or None,
        "cleared": data.get("cleared") if isinstance(data.get("cleared"), bool) else None,
        "transactionId": text(data, "transactionId") or None,
        "variableMonitoringId": optional_id(data.get("variableMonitoringId")),
        "eventNotificationType": text(data, "eventNotificationType") or None,
        "component": text(component, "name"),
        "componentInstance": text(component, "instance") or None,
        "evseId": optional_id(evse.get("id")),
        "connectorId": optional_id(evse.get("connectorId")),
        "variable": text(variable, "name"),
        "variableInstance": text(variable, "instance") or None,
        "seqNo": seq_no,
        "tbc": tbc,
    }
    return {k: v for k, v in entry.items() if v is not None}


# What an alert event carries: the entry's fields, every one present (null when not reported);
# the station's eventId as stationEventId (a detail's eventId is the domain event's own id).
ALERT_FIELDS = (
    "timestamp",
    "trigger",
    "component",
    "componentInstance",
    "evseId",
    "connectorId",
    "variable",
    "variableInstance",
    "actualValue",
    "techCode",
    "techInfo",
    "cleared",
    "eventNotificationType",
    "transactionId",
)


def _event_key(entry: Payload) -> str:
    event_id = entry.get("eventId")
    name = str(event_id).zfill(_EVENT_ID_DIGITS) if event_id is not None else "-"
    return f"{entry['timestamp']}#{name}"


@dataclass
class StationEvents:
    log: ChargerEventLog
    statuses: ConnectorStatuses
    publisher: EventPublisher
    retention_days: int

    def register(self, router: Router) -> None:
        router.route(OcppVersion.V201, "NotifyEvent", self.notify_event)
        router.route(OcppVersion.V201, "SecurityEventNotification", self.security_event)
        router.route(OcppVersion.V16, "SecurityEventNotification", self.security_event)

    def _expires_at(self, ctx: MessageContext) -> int:
        return to_epoch_ms(ctx.received_at) // 1000 + self.retention_days * _DAY_S

    # NotifyEvent (N07 alerting, N08 periodic); multi-part messages are stored as they come.

    def notify_event(self, ctx: MessageContext, payload: Payload) -> Payload:
        seq_no = optional_id(payload.get("seqNo"))
        tbc = payload.get("tbc") is True
        received_at = iso_utc(ctx.received_at)
        expires_at = self._expires_at(ctx)
        entries = [
            event_entry(raw, ctx.received_at, seq_no, tbc)
            for raw in as_list(payload.get("eventData"))
        ]
        events = [
            ChargerEvent(
                charge_point_id=ctx.charge_point_id,
                kind="event",
                event_key=_event_key(entry),
                timestamp=entry["timestamp"],
                received_at=received_at,
                detail=entry,
                expires_at=expires_at,
            )
            for entry in entries
        ]
        if events:
            self.log.record(events)
        received_at_ms = to_epoch_ms(ctx.received_at)
        alerts: list[DomainEvent] = []
        for entry in entries:
            status = connector_status_of(ctx.charge_point_id, entry, received_at_ms)
            if status is not None:
                self.statuses.report(status)
            alert = alert_of(entry)
            if alert is not None:
                detail_type = CHARGER_ALERT_RAISED if alert == "raised" else CHARGER_ALERT_CLEARED
                detail = {
                    "stationEventId": entry.get("eventId"),
                    **{name: entry.get(name) for name in ALERT_FIELDS},
                }
                alerts.append(
                    DomainEvent(detail_type, ctx.charge_point_id, ctx.received_at, detail)
                )
        if alerts:
            publish_safely(self.publisher, *alerts)
        return {}

    # SecurityEventNotification (2.0.1 A04 and the 1.6 security extension: the same payload).

    def security_event(self, ctx: MessageContext, payload: Payload) -> Payload:
        event_type = text(payload, "type")
        timestamp = _timestamp(payload.get("timestamp"), ctx.received_at)
        alarmed = event_type in ALARMED_SECURITY_EVENTS
        detail = {
            "type": event_type,
            "timestamp": timestamp,
            "techInfo": text(payload, "techInfo") or None,
            "alarmed": alarmed,
            "protocol": ctx.version.value,
        }
        self.log.record(
            [
                ChargerEvent(
                    charge_point_id=ctx.charge_point_id,
                    kind="security",
                    event_key=f"{timestamp}#{event_type}",
                    timestamp=timestamp,
                    received_at=iso_utc(ctx.received_at),
                    detail={k: v for k, v in detail.items() if v is not None},
                    expires_at=self._expires_at(ctx),
                )
            ]
        )
        if alarmed:
            # Counted again on a resend: the alarm fires at one, so a repeat changes nothing.
            count_metric(CRITICAL_SECURITY_EVENTS_METRIC, {})
            logger.warning(
                "critical security event",
                extra={"chargePointId": ctx.charge_point_id, "type": event_type},
            )
        publish_safely(
            self.publisher,
            DomainEvent(SECURITY_EVENT_RECEIVED, ctx.charge_point_id, ctx.received_at, detail),
        )
        return {}
