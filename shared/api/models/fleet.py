"""Bodies of the operator console's fleet views: the charger list with states, a charger's
state, its command history and the network overview."""

from __future__ import annotations

from pydantic import Field

from shared.admin.chargers import ChargerDetails
from shared.api.models.chargers import ChargerSummary, ChargerView, _summary_fields
from shared.api.models.commands import CommandView
from shared.api.models.common import ApiModel
from shared.models.command import CommandRecord
from shared.models.connection import ConnectorStatus
from shared.station.fleet import ChargerState, FleetEntry, charger_state, connector_order
from shared.station.overview import Overview

STATE_DESCRIPTION = (
    "offline: not connected; unknown: no connector status yet; faulted: a connector is "
    "Faulted or reports an errorCode other than NoError; charging: a connector is Charging, "
    "SuspendedEV or SuspendedEVSE (OCPP 2.0.1: Occupied, with that chargingState); occupied: "
    "Preparing, Finishing, Reserved or Occupied; unavailable: every connector (or "
    "the 1.6 charge point, connector 0) Unavailable; available: at least one Available. The "
    "first that applies, in this order."
)

CHARGING_STATE_DESCRIPTION = (
    "OCPP 2.0.1: the chargingState (Charging, SuspendedEV, SuspendedEVSE, EVConnected, Idle) "
    "of the latest TransactionEvent that named one for this connector, null once its session "
    "ended without naming one; null for OCPP 1.6 (its status says it)"
)


class ConnectorBrief(ApiModel):
    connectorId: int
    evseId: int | None = Field(description="OCPP 2.0.1 EVSE id; null for OCPP 1.6")
    status: str = Field(description="The connector's latest StatusNotification status")
    errorCode: str | None = Field(description="OCPP 1.6 errorCode; null for OCPP 2.0.1")
    updatedAt: str = Field(description="The charger's timestamp of that status")
    chargingState: str | None = Field(description=CHARGING_STATE_DESCRIPTION)

    @classmethod
    def of(cls, s: ConnectorStatus) -> ConnectorBrief:
        return cls(
            connectorId=s.connector_id,
            evseId=s.evse_id,
            status=s.status,
            errorCode=s.error_code,
            updatedAt=s.timestamp,
            chargingState=s.charging_state,
        )


class ChargerListItem(ChargerSummary):
    state: ChargerState = Field(description=STATE_DESCRIPTION)
    locationId: str | None = Field(
        description="The location whose EVSE this charger serves (/api/locations); null if none"
    )
    connectors: list[ConnectorBrief] = Field(description="By EVSE, then connector")

    @classmethod
    def of(cls, e: FleetEntry) -> ChargerListItem:  # type: ignore[override]
        return cls(
            **_summary_fields(e.record),
            state=e.state,
            locationId=e.location_id,
            connectors=[ConnectorBrief.of(s) for s in e.connectors],
        )


class ChargerListPage(ApiModel):
    items: list[ChargerListItem]
    nextCursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end. A page may hold "
        "fewer than `limit` items (even none) while more follow: filters are applied to "
        "each bounded read of the registry."
    )


class ChargerDetailView(ChargerView):
    state: ChargerState = Field(description=STATE_DESCRIPTION)

    @classmethod
    def of_details(cls, d: ChargerDetails) -> ChargerDetailView:
        ordered = sorted(d.connectors, key=connector_order)
        view = ChargerView.of_details(
            ChargerDetails(d.record, ordered, d.connection, d.connection_state)
        )
        return cls(**view.model_dump(), state=charger_state(d.record.online, ordered))


class CommandPage(ApiModel):
    items: list[CommandView] = Field(description="Newest first")
    nextCursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end. A page may hold "
        "fewer than `limit` items while more follow when a filter leaves commands out."
    )

    @classmethod
    def of(cls, items: list[CommandRecord], next_cursor: str | None) -> CommandPage:
        return cls(items=[CommandView.of(r) for r in items], nextCursor=next_cursor)


class StateCounts(ApiModel):
    available: int
    occupied: int
    charging: int
    faulted: int
    unavailable: int
    offline: int
    unknown: int


class ChargerCounts(ApiModel):
    total: int
    byState: StateCounts = Field(description="Every state, zeros included")


class SessionCountsView(ApiModel):
    charging: int = Field(
        description="Connectors of online chargers charging now (Charging, SuspendedEV, "
        "SuspendedEVSE)"
    )
    stoppedToday: int = Field(description="Sessions that stopped today (UTC)")
    energyTodayWh: int = Field(
        description="Energy of the sessions that stopped today (UTC): the sum of today's "
        "bars of GET /api/energy?granularity=hour"
    )


class FaultView(ApiModel):
    chargePointId: str
    connectorId: int
    evseId: int | None
    status: str
    errorCode: str | None
    info: str | None
    vendorErrorCode: str | None
    at: str = Field(description="The charger's timestamp of the status")


class OverviewView(ApiModel):
    generatedAt: str
    chargers: ChargerCounts
    sessions: SessionCountsView
    recentFaults: list[FaultView] = Field(
        description="Connectors whose latest status is Faulted or carries an errorCode other "
        "than NoError, most recently received first, at most 20"
    )

    @classmethod
    def of(cls, o: Overview) -> OverviewView:
        return cls(
            generatedAt=o.generated_at,
            chargers=ChargerCounts(total=o.chargers_total, byState=StateCounts(**o.by_state)),
            sessions=SessionCountsView(
                charging=o.sessions.charging,
                stoppedToday=o.sessions.stopped_today,
                energyTodayWh=o.sessions.energy_today_wh,
            ),
            recentFaults=[
                FaultView(
                    chargePointId=s.charge_point_id,
                    connectorId=s.connector_id,
                    evseId=s.evse_id,
                    status=s.status,
                    errorCode=s.error_code,
                    info=s.info,
                    vendorErrorCode=s.vendor_error_code,
                    at=s.timestamp,
                )
                for s in o.recent_faults
            ],
        )
