"""A charger's reported events: NotifyEvent entries and security events (docs/adr/0036)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.api.models.common import ApiModel
from shared.models.charger_event import ChargerEvent

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


class ChargerEventView(ApiModel):
    kind: Literal["event", "security"]
    receivedAt: str = Field(description="When the platform received it (UTC)")
    event: StationEventView | None = Field(
        default=None, description="Set for kind=event: the NotifyEvent entry"
    )
    security: SecurityEventView | None = Field(
        default=None, description="Set for kind=security: the security event"
    )

    @classmethod
    def of(cls, e: ChargerEvent) -> ChargerEventView:
        detail: dict[str, Any] = dict(e.detail)
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
