"""Command, local list and reservation bodies."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from shared.api.models.common import ApiModel, ErrorDetail, IdTag
from shared.api.models.id_tags import TokenType
from shared.commands.local_list import MAX_LOCAL_LIST
from shared.models.command import CommandRecord
from shared.models.reservation import ReservationRecord


class CommandView(ApiModel):
    commandId: str
    chargePointId: str
    action: str
    protocol: str
    status: Literal["pending", "answered", "error", "invalid_response", "timeout", "offline"]
    request: dict[str, Any]
    result: dict[str, Any] | None = Field(description="The charger's CALLRESULT payload")
    error: dict[str, Any] | None = Field(description="CALLERROR, schema violation or timeout")
    createdAt: str
    completedAt: str | None
    requestedBy: str | None

    @classmethod
    def of(cls, record: CommandRecord) -> CommandView:
        return cls.model_validate(record.summary())


class CommandNotAnsweredBody(ApiModel):
    """504 (no answer within the wait) or 503: the error plus the command as it stands."""

    error: ErrorDetail
    command: CommandView
    reservation: ReservationView | None = None


class LocalListUpdate(ApiModel):
    updateType: Literal["Full", "Differential"]
    idTags: list[IdTag] = Field(
        default_factory=list,
        max_length=MAX_LOCAL_LIST,
        description="Differential: the tags to send (a deleted tag is removed from the list)",
    )


ConnectorType = Literal[
    "cCCS1", "cCCS2", "cG105", "cTesla", "cType1", "cType2", "s309-1P-16A", "s309-1P-32A",
    "s309-3P-16A", "s309-3P-32A", "sBS1361", "sCEE-7-7", "sType2", "sType3", "Other1PhMax16A",
    "Other1PhOver16A", "Other3Ph", "Pan", "wInductive", "wResonant", "Undetermined", "Unknown",
]  # fmt: skip


class ReservationRequest(ApiModel):
    connectorId: int = Field(
        ge=0, le=2**31 - 1, description="0: any connector (on OCPP 2.0.1: the EVSE id, 0: any)"
    )
    idTag: IdTag
    expiryDate: AwareDatetime
    parentIdTag: IdTag | None = Field(
        default=None, description="1.6 parentIdTag; 2.0.1 groupIdToken"
    )
    idTokenType: TokenType | None = Field(
        default=None,
        description="OCPP 2.0.1 idToken.type; default: the id tag's stored tokenType, else "
        "ISO14443",
    )
    connectorType: ConnectorType | None = Field(
        default=None, description="OCPP 2.0.1 only: reserve a connector of this type"
    )


class ReservationView(ApiModel):
    reservationId: int
    chargePointId: str
    connectorId: int
    idTag: str
    parentIdTag: str | None
    expiryDate: str
    status: str = Field(
        description="requested | accepted | rejected | failed | cancelled | used | expired | "
        "removed (2.0.1: the station removed it)"
    )
    chargerStatus: str | None
    transactionId: str | None
    createdAt: str

    @classmethod
    def of(cls, r: ReservationRecord) -> ReservationView:
        return cls(
            reservationId=r.reservation_id,
            chargePointId=r.charge_point_id,
            connectorId=r.connector_id,
            idTag=r.id_tag,
            parentIdTag=r.parent_id_tag,
            expiryDate=r.expiry_date,
            status=r.status,
            chargerStatus=r.charger_status,
            transactionId=r.transaction_id,
            createdAt=r.created_at,
        )


class ReservationCommand(ApiModel):
    reservation: ReservationView
    command: CommandView


class ReservationList(ApiModel):
    chargePointId: str
    items: list[ReservationView]


CommandNotAnsweredBody.model_rebuild()
