"""Cost profile bodies: the profiles with their OCPP settings, and applying one to chargers."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, model_validator

from shared.api.models.common import ApiModel, ChargePointId
from shared.commands.cost_profiles import MAX_GROUP, ChargerOutcome
from shared.station.cost_profiles import CostProfile


class ConfigurationKeyValue(ApiModel):
    key: str
    value: str


class VariableValue(ApiModel):
    component: str
    variable: str
    value: str


class CostProfileView(ApiModel):
    name: str
    description: str
    meterValueSampleIntervalS: int = Field(description="Meter values while charging, every … s")
    sampledMeasurands: list[str]
    clockAlignedDataIntervalS: int = Field(description="0: no clock-aligned meter values")
    alignedMeasurands: list[str]
    heartbeatIntervalS: int
    ocpp16: list[ConfigurationKeyValue] = Field(
        description="OCPP 1.6: one ChangeConfiguration per key, in this order"
    )
    ocpp201: list[VariableValue] = Field(description="OCPP 2.0.1: one SetVariables with all")

    @classmethod
    def of(cls, p: CostProfile) -> CostProfileView:
        return cls(
            name=p.name,
            description=p.description,
            meterValueSampleIntervalS=p.sample_interval_s,
            sampledMeasurands=list(p.sampled_measurands),
            clockAlignedDataIntervalS=p.aligned_interval_s,
            alignedMeasurands=list(p.aligned_measurands),
            heartbeatIntervalS=p.heartbeat_interval_s,
            ocpp16=[ConfigurationKeyValue(key=k, value=v) for k, v in p.configuration_v16()],
            ocpp201=[
                VariableValue(component=c, variable=n, value=v) for c, n, v in p.variables_v201()
            ],
        )


class CostProfileList(ApiModel):
    items: list[CostProfileView]


class ChargerSelector(ApiModel):
    """The filters of the charger listing (GET /api/chargers)."""

    registrationStatus: Literal["Accepted", "Pending", "Rejected"] | None = None
    online: bool | None = None


class ChargerGroup(ApiModel):
    chargePointIds: list[ChargePointId] | None = Field(
        default=None,
        description=f"The chargers, 1 to {MAX_GROUP} (422 otherwise); duplicates count once",
    )
    selector: ChargerSelector | None = Field(
        default=None,
        description=f"Or the chargers the listing filters name (at most {MAX_GROUP})",
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if (self.chargePointIds is None) == (self.selector is None):
            raise ValueError("name the chargers with chargePointIds or selector (one of them)")
        return self


class PlannedCommandView(ApiModel):
    commandId: str = Field(description="GET /api/chargers/{chargePointId}/commands/{commandId}")
    action: str
    request: dict[str, Any]
    sent: bool = Field(description="false: sent once the charger answered the command before")


class RefusalView(ApiModel):
    code: str = Field(description="NotFound | ChargerOffline | CommandInFlight | …")
    message: str


class ChargerApplyOutcome(ApiModel):
    chargePointId: str
    protocol: str | None
    status: Literal["sent", "refused"]
    commands: list[PlannedCommandView]
    refusal: RefusalView | None

    @classmethod
    def of(cls, o: ChargerOutcome) -> ChargerApplyOutcome:
        return cls(
            chargePointId=o.charge_point_id,
            protocol=o.protocol,
            status="refused" if o.refusal else "sent",
            commands=[
                PlannedCommandView(
                    commandId=c.command_id, action=c.action, request=c.payload, sent=c.sent
                )
                for c in o.commands
            ],
            refusal=RefusalView(code=o.refusal[0], message=o.refusal[1]) if o.refusal else None,
        )


class CostProfileApplied(ApiModel):
    profile: str
    sent: int = Field(description="Chargers that got their first command")
    refused: int
    chargers: list[ChargerApplyOutcome]
