"""A station's device model as it reported it (OCPP 2.0.1 NotifyReport, B07/B08)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from shared.api.models.commands import CommandView
from shared.api.models.common import ApiModel
from shared.commands.variables import VariablesOutcome
from shared.ports.device_models import ReportProgress, VariableEntry
from shared.station.device_model_reader import ComponentModel, DeviceModel

# As the station sent them: the enums below, or (from a charger in lenient mode) anything else.
AttributeType = Annotated[str, Field(examples=["Actual", "Target", "MinSet", "MaxSet"])]
Mutability = Annotated[str, Field(examples=["ReadOnly", "WriteOnly", "ReadWrite"])]
DataType = Annotated[
    str,
    Field(
        examples=[
            "string",
            "decimal",
            "integer",
            "dateTime",
            "boolean",
            "OptionList",
            "SequenceList",
            "MemberList",
        ]
    ),
]
RequestAttributeType = Literal["Actual", "Target", "MinSet", "MaxSet"]


class VariableAttributeView(ApiModel):
    type: AttributeType = Field(default="Actual", description="Actual, Target, MinSet or MaxSet")
    value: str | None = Field(default=None, description="Absent for a WriteOnly variable")
    mutability: Mutability = "ReadWrite"
    persistent: bool = False
    constant: bool = False


class VariableCharacteristicsView(ApiModel):
    unit: str | None = None
    dataType: DataType
    minLimit: float | None = None
    maxLimit: float | None = Field(
        default=None, description="For string and list types: the longest value allowed"
    )
    valuesList: str | None = Field(
        default=None, description="Allowed values (CSV) of an OptionList, SequenceList, MemberList"
    )
    supportsMonitoring: bool = False


class ReportRef(ApiModel):
    requestId: int = Field(description="requestId of the GetBaseReport or GetReport")
    reportedAt: str = Field(description="generatedAt of the report's part (station clock, UTC)")
    receivedAt: str = Field(description="When that part arrived (UTC)")
    complete: bool = Field(description="Every part of the report (seqNo 0 to the last) arrived")


class VariableView(ApiModel):
    name: str
    instance: str | None = None
    attributes: list[VariableAttributeView]
    characteristics: VariableCharacteristicsView | None = None
    report: ReportRef = Field(description="The report this variable was last reported in")

    @classmethod
    def of(cls, entry: VariableEntry, reports: dict[int, ReportProgress]) -> VariableView:
        progress = reports.get(entry.request_id)
        characteristics: dict[str, Any] | None = entry.characteristics
        return cls(
            name=entry.variable,
            instance=entry.variable_instance,
            attributes=[VariableAttributeView.model_validate(a) for a in entry.attributes],
            characteristics=VariableCharacteristicsView.model_validate(characteristics)
            if characteristics and characteristics.get("dataType")
            else None,
            report=ReportRef(
                requestId=entry.request_id,
                reportedAt=entry.reported_at,
                receivedAt=entry.received_at,
                complete=progress.complete if progress else False,
            ),
        )


class ComponentView(ApiModel):
    name: str
    instance: str | None = None
    evseId: int | None = None
    connectorId: int | None = None
    variables: list[VariableView]

    @classmethod
    def of(cls, component: ComponentModel, reports: dict[int, ReportProgress]) -> ComponentView:
        return cls(
            name=component.name,
            instance=component.instance,
            evseId=component.evse_id,
            connectorId=component.connector_id,
            variables=[VariableView.of(v, reports) for v in component.variables],
        )


class ReportView(ApiModel):
    requestId: int
    startedAt: str = Field(description="When its first part (seqNo 0) arrived (UTC)")
    updatedAt: str = Field(description="When its latest part arrived (UTC)")
    partsReceived: list[int] = Field(description="seqNo of every part that arrived")
    lastSeqNo: int | None = Field(description="seqNo of its last part (tbc false), once arrived")
    complete: bool


class DeviceModelView(ApiModel):
    chargePointId: str
    components: list[ComponentView] = Field(
        description="Components (name, instance, EVSE, connector) with their variables; "
        "names compare case-insensitively"
    )
    reports: list[ReportView] = Field(description="The reports the variables come from")

    @classmethod
    def of(cls, model: DeviceModel) -> DeviceModelView:
        used = {v.request_id for c in model.components for v in c.variables}
        return cls(
            chargePointId=model.charge_point_id,
            components=[ComponentView.of(c, model.reports) for c in model.components],
            reports=[
                ReportView(
                    requestId=p.request_id,
                    startedAt=p.started_at,
                    updatedAt=p.updated_at,
                    partsReceived=sorted(p.parts),
                    lastSeqNo=p.last_seq_no,
                    complete=p.complete,
                )
                for p in sorted(model.reports.values(), key=lambda p: p.started_at)
                if p.request_id in used
            ],
        )


# Device-model aware GetVariables / SetVariables (shared/commands/variables.py).

Identifier = Annotated[str, Field(min_length=1, max_length=50)]


class EvseRef(ApiModel):
    id: int = Field(ge=0, le=2**31 - 1)
    connectorId: int | None = Field(default=None, ge=0, le=2**31 - 1)


class ComponentRef(ApiModel):
    name: Identifier
    instance: Identifier | None = None
    evse: EvseRef | None = None


class VariableRef(ApiModel):
    name: Identifier
    instance: Identifier | None = None


class GetVariableData(ApiModel):
    component: ComponentRef
    variable: VariableRef
    attributeType: RequestAttributeType | None = Field(default=None, description="Default: Actual")


class SetVariableData(ApiModel):
    component: ComponentRef
    variable: VariableRef
    attributeType: RequestAttributeType | None = Field(default=None, description="Default: Actual")
    attributeValue: str = Field(max_length=1000)


class GetVariablesBody(ApiModel):
    getVariableData: list[GetVariableData] = Field(min_length=1, max_length=1000)


class SetVariablesBody(ApiModel):
    setVariableData: list[SetVariableData] = Field(min_length=1, max_length=1000)


class MessageLimitsView(ApiModel):
    itemsPerMessage: int | None = Field(
        description="DeviceCtrlr ItemsPerMessage the charger reported (None: not reported)"
    )
    bytesPerMessage: int | None = Field(
        description="DeviceCtrlr BytesPerMessage the charger reported (None: not reported)"
    )


class VariablesOutcomeView(ApiModel):
    status: Literal["answered", "error", "invalid_response", "timeout", "offline", "pending"] = (
        Field(
            description="answered: every CALL was answered; otherwise the outcome of the first "
            "CALL that was not (the later entries were not sent)"
        )
    )
    limits: MessageLimitsView
    results: list[dict[str, Any]] = Field(
        description="getVariableResult / setVariableResult of every answered CALL, in order"
    )
    unsent: list[dict[str, Any]] = Field(description="Entries not sent, in order")
    error: dict[str, Any] | None = None
    commands: list[CommandView] = Field(description="The CALLs sent, in order")

    @classmethod
    def of(cls, outcome: VariablesOutcome) -> VariablesOutcomeView:
        return cls(
            status=outcome.status,  # type: ignore[arg-type]
            limits=MessageLimitsView(
                itemsPerMessage=outcome.limits.items, bytesPerMessage=outcome.limits.bytes
            ),
            results=outcome.results,
            unsent=outcome.unsent,
            error=outcome.error,
            commands=[CommandView.of(record) for record in outcome.commands],
        )
