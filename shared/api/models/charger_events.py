"""A charger's reported events: NotifyEvent entries, security events and the other 2.0.1
notifications (docs/adr/0036), and the external charging limits and EV needs in force."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.api.models.common import ApiModel
from shared.models.charger_event import NOTIFICATION_KINDS, ChargerEvent, ChargerEventKind
from shared.station.notifications import unpacked

Trigger = Literal["Alerting", "Delta", "Periodic"]
NotificationType = Literal[
    "HardWiredNotification", "HardWiredMonitor", "PreconfiguredMonitor", "CustomMonitor"
]


class StationEventView(ApiModel):
    """A NotifyEvent eventData entry (OCPP 2.0.1 N07/N08) as the charger reported it."""

    eventId: int | None = Field(default=None, description="The charger's id of the event")
    timestamp: str = Field(description="When it happened, by the charger's clock (UTC)")
    trigger: str | None = Field(default=None, description="Alerting, Delta or Periodic")
    cause: int | None = Field(default=None, description="eventId of the event that caused it")
    component: str = Field(description="Component name, e.g. Connector, EVSE, ChargingStation")
    componentInstance: str | None = None
    evseId: int | None = None
    connectorId: int | None = None
    variable: str = Field(description="Variable name, e.g. AvailabilityState, Problem")
    variableInstance: str | None = None
    actualValue: str = Field(description="The variable's value when the event happened")
    techCode: str | None = None
    techInfo: str | None = None
    cleared: bool | None = Field(default=None, description="The problem is gone")
    transactionId: str | None = None
    variableMonitoringId: int | None = None
    eventNotificationType: str | None = Field(
        default=None, description="HardWiredNotification, HardWiredMonitor, ... (the monitor's)"
    )
    seqNo: int | None = Field(default=None, description="Part of the NotifyEvent that carried it")
    tbc: bool = Field(default=False, description="More parts of that NotifyEvent followed")


class SecurityEventView(ApiModel):
    """A SecurityEventNotification (OCPP 2.0.1 A04, or 1.6's security extension)."""

    type: str = Field(description="Security event type, e.g. TamperDetectionActivated")
    timestamp: str = Field(description="When it happened, by the charger's clock (UTC)")
    techInfo: str | None = None
    alarmed: bool = Field(description="Counted toward the CriticalSecurityEvents alarm")
    protocol: str = Field(description="ocpp1.6 or ocpp2.0.1")


class StationNotificationView(ApiModel):
    """One of a 2.0.1 station's other notifications, per kind (fields the kind has no use for
    are null): monitoring/customer report parts, display messages, charging limits, EV needs
    and schedules, charging profiles, firmware publishing status."""

    timestamp: str = Field(
        description="The station's time where the message has one (generatedAt, timeBase), "
        "else the receipt time (UTC)"
    )
    requestId: int | None = Field(default=None, description="The CSMS request it answers")
    seqNo: int | None = Field(default=None, description="Part of a multi-part report")
    tbc: bool | None = Field(default=None, description="More parts followed")
    evseId: int | None = Field(default=None, description="EVSE (0: the whole station)")
    messageId: int | None = Field(default=None, description="kind=display: the message's id")
    profileId: int | None = Field(default=None, description="kind=charging-profiles")
    chargingLimitSource: str | None = Field(default=None, description="EMS, Other, SO or CSO")
    isGridCritical: bool | None = None
    cleared: bool | None = Field(
        default=None, description="kind=charging-limit: lifted by ClearedChargingLimit"
    )
    requestedEnergyTransfer: str | None = Field(default=None, description="kind=ev-needs")
    departureTime: str | None = Field(default=None, description="kind=ev-needs")
    maxScheduleTuples: int | None = Field(default=None, description="kind=ev-needs")
    answer: str | None = Field(
        default=None, description="kind=ev-needs: the CSMS's answer (Accepted/Rejected/Processing)"
    )
    status: str | None = Field(default=None, description="kind=firmware-publish")
    content: Any = Field(
        default=None,
        description="The message's content as reported (monitor list, customer data, message "
        "info, charging schedules, EV charging needs, profile, locations)",
    )


class ChargerEventView(ApiModel):
    kind: ChargerEventKind
    receivedAt: str = Field(description="When the platform received it (UTC)")
    event: StationEventView | None = Field(
        default=None, description="Set for kind=event: the NotifyEvent entry"
    )
    security: SecurityEventView | None = Field(
        default=None, description="Set for kind=security: the security event"
    )
    notification: StationNotificationView | None = Field(
        default=None, description="Set for the other kinds: the notification"
    )

    @classmethod
    def of(cls, e: ChargerEvent) -> ChargerEventView:
        detail: dict[str, Any] = dict(e.detail)
        if e.kind in NOTIFICATION_KINDS:
            known = set(StationNotificationView.model_fields) - {"timestamp", "content"}
            return cls(
                kind=e.kind,
                receivedAt=e.received_at,
                notification=StationNotificationView(
                    **{k: v for k, v in detail.items() if k in known},
                    timestamp=e.timestamp,
                    content=unpacked(detail),
                ),
            )
        if e.kind == "security":
            return cls(
                kind="security",
                receivedAt=e.received_at,
                security=SecurityEventView(
                    type=str(detail.get("type", "")),
                    timestamp=e.timestamp,
                    techInfo=detail.get("techInfo"),
                    alarmed=bool(detail.get("alarmed", False)),
                    protocol=str(detail.get("protocol", "")),
                ),
            )
        known = set(StationEventView.model_fields)
        return cls(
            kind="event",
            receivedAt=e.received_at,
            event=StationEventView(
                **{k: v for k, v in detail.items() if k in known}
                | {
                    "timestamp": e.timestamp,
                    "component": str(detail.get("component", "")),
                    "variable": str(detail.get("variable", "")),
                    "actualValue": str(detail.get("actualValue", "")),
                }
            ),
        )


class ChargerEventPage(ApiModel):
    items: list[ChargerEventView] = Field(description="Newest first (by the charger's clock)")
    nextCursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )

    @classmethod
    def of(cls, items: list[ChargerEvent], next_cursor: str | None) -> ChargerEventPage:
        return cls(items=[ChargerEventView.of(e) for e in items], nextCursor=next_cursor)


class ExternalLimitView(ApiModel):
    """An external charging limit in force (NotifyChargingLimit, K11), not yet cleared (K12)."""

    evseId: int = Field(description="EVSE (0: the whole station)")
    chargingLimitSource: str = Field(description="EMS, Other, SO or CSO")
    isGridCritical: bool | None = None
    chargingSchedule: list[Any] | None = Field(
        default=None, description="ChargingScheduleType objects as the station reported them"
    )
    receivedAt: str


class EvNeedsView(ApiModel):
    """The latest charging needs an EV reported on an EVSE (NotifyEVChargingNeeds, K15)."""

    evseId: int
    requestedEnergyTransfer: str
    departureTime: str | None = None
    maxScheduleTuples: int | None = None
    chargingNeeds: Any = Field(description="ChargingNeedsType as the station reported it")
    answer: str = Field(description="What the CSMS answered: Accepted, Rejected or Processing")
    receivedAt: str


class ChargingLimitsView(ApiModel):
    externalLimits: list[ExternalLimitView] = Field(description="By EVSE, then source")
    evNeeds: list[EvNeedsView] = Field(description="By EVSE")

    @classmethod
    def of(cls, limits: list[ChargerEvent], needs: list[ChargerEvent]) -> ChargingLimitsView:
        return cls(
            externalLimits=[
                ExternalLimitView(
                    evseId=int(e.detail.get("evseId", 0)),
                    chargingLimitSource=str(e.detail.get("chargingLimitSource", "")),
                    isGridCritical=e.detail.get("isGridCritical"),
                    chargingSchedule=unpacked(e.detail),
                    receivedAt=e.received_at,
                )
                for e in sorted(limits, key=lambda e: e.event_key)
                if not e.detail.get("cleared")
            ],
            evNeeds=[
                EvNeedsView(
                    evseId=int(e.detail.get("evseId", 0)),
                    requestedEnergyTransfer=str(e.detail.get("requestedEnergyTransfer", "")),
                    departureTime=e.detail.get("departureTime"),
                    maxScheduleTuples=e.detail.get("maxScheduleTuples"),
                    chargingNeeds=unpacked(e.detail),
                    answer=str(e.detail.get("answer", "")),
                    receivedAt=e.received_at,
                )
                for e in sorted(needs, key=lambda e: e.event_key)
            ],
        )
