"""Charging session and energy bodies."""

from __future__ import annotations

from pydantic import Field

from shared.admin.sessions import EnergyReport
from shared.api.models.common import ApiModel
from shared.models.transaction import TransactionRecord
from shared.telemetry.session_curve import PowerPoint


class SessionView(ApiModel):
    chargePointId: str
    transactionId: str
    status: str = Field(description="active | completed | replaced | orphan")
    protocol: str | None
    connectorId: int | None
    evseId: int | None
    idTag: str | None
    reservationId: int | None
    remoteStartId: int | None
    authorizationStatus: str | None
    startedAt: str | None
    meterStartWh: int | None
    lastMeterWh: int | None
    lastMeterAt: str | None
    stoppedAt: str | None
    meterStopWh: int | None
    stopReason: str | None
    stopIdTag: str | None
    energyWh: int | None
    durationS: int | None
    anomaly: str | None
    replacedBy: str | None

    @classmethod
    def of(cls, r: TransactionRecord) -> SessionView:
        return cls(
            chargePointId=r.charge_point_id,
            transactionId=r.transaction_id,
            status=r.status,
            protocol=r.protocol,
            connectorId=r.connector_id,
            evseId=r.evse_id,
            idTag=r.id_tag,
            reservationId=r.reservation_id,
            remoteStartId=r.remote_start_id,
            authorizationStatus=r.authorization_status,
            startedAt=r.started_at,
            meterStartWh=r.meter_start_wh,
            lastMeterWh=r.last_meter_wh,
            lastMeterAt=r.last_meter_at,
            stoppedAt=r.stopped_at,
            meterStopWh=r.meter_stop_wh,
            stopReason=r.stop_reason,
            stopIdTag=r.stop_id_tag,
            energyWh=r.energy_wh,
            durationS=r.duration_s,
            anomaly=r.anomaly,
            replacedBy=r.replaced_by,
        )


class SessionPage(ApiModel):
    items: list[SessionView]
    nextCursor: str | None


class EnergyDayView(ApiModel):
    day: str = Field(description="UTC day, YYYY-MM-DD")
    energyWh: int
    sessions: int


class EnergyReportView(ApiModel):
    chargePointId: str
    firstDay: str
    lastDay: str
    energyWh: int
    sessions: int
    days: list[EnergyDayView] = Field(description="Days with sessions, oldest first")

    @classmethod
    def of(cls, r: EnergyReport) -> EnergyReportView:
        return cls(
            chargePointId=r.charge_point_id,
            firstDay=r.first_day,
            lastDay=r.last_day,
            energyWh=r.energy_wh,
            sessions=r.sessions,
            days=[
                EnergyDayView(day=d.day, energyWh=d.energy_wh, sessions=d.sessions) for d in r.days
            ],
        )


class MeterValuePointView(ApiModel):
    at: str = Field(description="RFC 3339 UTC time of the reading")
    energyWh: int = Field(description="Energy delivered since the session's start")
    powerW: int | None = Field(
        description="Mean power since the previous point; null on the first point"
    )

    @classmethod
    def of(cls, p: PowerPoint) -> MeterValuePointView:
        return cls(at=p.at, energyWh=p.energy_wh, powerW=p.power_w)


class SessionMeterValuesView(ApiModel):
    chargePointId: str
    transactionId: str
    points: list[MeterValuePointView] = Field(
        description="Oldest first: the start (energy 0), the stored live-energy readings, "
        "and the stop once the session stopped. Empty for a session without a start reading."
    )
