"""Charger registry bodies."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from shared.access.passwords import password_problem
from shared.admin.chargers import ChargerDetails
from shared.api.models.common import ApiModel, ChargePointId
from shared.models.charger import MAX_TAGS, TAG_PATTERN, ChargerRecord
from shared.models.connection import ConnectorStatus

RegistrationStatus = Literal["Accepted", "Pending", "Rejected"]
ValidationMode = Literal["strict", "lenient"]


def _password_ok(value: str) -> str:
    problem = password_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Password = Annotated[
    str,
    AfterValidator(_password_ok),
    Field(description="16 to 40 printable ASCII characters (HTTP Basic auth, profiles 1/2)"),
]

Tag = Annotated[
    str,
    Field(pattern=TAG_PATTERN, description="1 to 32 letters, digits or -_.: (e.g. pilot)"),
]


class ChargerRegistration(ApiModel):
    chargePointId: ChargePointId
    registrationStatus: RegistrationStatus = "Accepted"
    validationMode: ValidationMode = Field(
        default="strict", description="lenient tolerates known vendor schema deviations"
    )
    password: Password | None = None
    generatePassword: bool = Field(
        default=False, description="Generate a password; it is returned once, in this response"
    )

    @model_validator(mode="after")
    def _one_password_source(self) -> Self:
        if self.password is not None and self.generatePassword:
            raise ValueError("give a password or generatePassword, not both")
        return self


class ChargerUpdate(ApiModel):
    """Fields left out stay as they are; `"password": null` removes the password."""

    registrationStatus: RegistrationStatus | None = None
    validationMode: ValidationMode | None = None
    password: Password | None = None
    generatePassword: bool = False
    addTags: list[Tag] = Field(default=[], max_length=MAX_TAGS)
    removeTags: list[Tag] = Field(default=[], max_length=MAX_TAGS)

    @model_validator(mode="after")
    def _one_password_source(self) -> Self:
        if "password" in self.model_fields_set and self.generatePassword:
            raise ValueError("give a password or generatePassword, not both")
        return self

    @property
    def clears_password(self) -> bool:
        return "password" in self.model_fields_set and self.password is None


class ConnectorView(ApiModel):
    evseId: int | None
    connectorId: int
    status: str
    errorCode: str | None
    info: str | None
    vendorId: str | None
    vendorErrorCode: str | None
    timestamp: str
    chargingState: str | None = Field(
        description="OCPP 2.0.1: the chargingState of the latest TransactionEvent that named "
        "one for this connector (Charging, SuspendedEV, SuspendedEVSE, EVConnected, Idle), "
        "null once its session ended without naming one; null for OCPP 1.6",
    )

    @classmethod
    def of(cls, s: ConnectorStatus) -> ConnectorView:
        return cls(
            evseId=s.evse_id,
            connectorId=s.connector_id,
            status=s.status,
            errorCode=s.error_code,
            info=s.info,
            vendorId=s.vendor_id,
            vendorErrorCode=s.vendor_error_code,
            timestamp=s.timestamp,
            chargingState=s.charging_state,
        )


class ChargerSummary(ApiModel):
    chargePointId: str
    registrationStatus: str
    validationMode: str
    hasPassword: bool
    autoRegistered: bool
    online: bool
    protocol: str | None
    vendor: str | None
    model: str | None
    firmwareVersion: str | None
    tags: list[str] = Field(description="Set by operators, sorted")
    createdAt: str | None
    lastBootAt: str | None
    connectedAt: str | None
    disconnectedAt: str | None

    @classmethod
    def of(cls, r: ChargerRecord) -> ChargerSummary:
        return cls(**_summary_fields(r))


def _summary_fields(r: ChargerRecord) -> dict[str, Any]:
    return {
        "chargePointId": r.charge_point_id,
        "registrationStatus": r.registration_status,
        "validationMode": r.validation_mode,
        "hasPassword": r.password_hash is not None,
        "autoRegistered": r.auto_registered,
        "online": r.online,
        "protocol": r.protocol,
        "vendor": r.vendor,
        "model": r.model,
        "firmwareVersion": r.firmware_version,
        "tags": sorted(r.tags),
        "createdAt": r.created_at,
        "lastBootAt": r.last_boot_at,
        "connectedAt": r.connected_at,
        "disconnectedAt": r.disconnected_at,
    }


class ChargerSaved(ChargerSummary):
    password: str | None = Field(
        default=None, description="The generated password: shown once, never again"
    )

    @classmethod
    def saved(cls, r: ChargerRecord, generated_password: str | None) -> ChargerSaved:
        return cls(**_summary_fields(r), password=generated_password)


class ConnectionView(ApiModel):
    connectionId: str
    protocol: str | None
    connectedAt: str | None
    state: Literal["live", "gone", "unknown"] = Field(
        description="live: API Gateway has the connection; gone: it has not (stale record); "
        "unknown: the management API could not be asked"
    )
    lastActiveAt: str | None
    sourceIp: str | None


class ChargerView(ChargerSummary):
    connectionId: str | None = Field(description="The current WebSocket connection, if online")
    serialNumber: str | None
    iccid: str | None
    imsi: str | None
    meterType: str | None
    meterSerialNumber: str | None
    bootReason: str | None
    firmwareStatus: str | None
    firmwareStatusAt: str | None
    diagnosticsStatus: str | None
    diagnosticsStatusAt: str | None
    localListVersion: int | None
    costProfile: str | None = Field(
        description="The cost profile the charger last accepted in full (/api/cost-profiles)"
    )
    costProfileAppliedAt: str | None
    connectors: list[ConnectorView]
    connection: ConnectionView | None

    @classmethod
    def of_details(cls, d: ChargerDetails) -> ChargerView:
        r = d.record
        connection = None
        if r.connection_id is not None and d.connection_state is not None:
            live = d.connection
            connection = ConnectionView(
                connectionId=r.connection_id,
                protocol=r.protocol,
                connectedAt=r.connected_at,
                state=d.connection_state,
                lastActiveAt=live.last_active_at if live else None,
                sourceIp=live.source_ip if live else None,
            )
        return cls(
            **_summary_fields(r),
            connectionId=r.connection_id,
            serialNumber=r.serial_number,
            iccid=r.iccid,
            imsi=r.imsi,
            meterType=r.meter_type,
            meterSerialNumber=r.meter_serial_number,
            bootReason=r.boot_reason,
            firmwareStatus=r.firmware_status,
            firmwareStatusAt=r.firmware_status_at,
            diagnosticsStatus=r.diagnostics_status,
            diagnosticsStatusAt=r.diagnostics_status_at,
            localListVersion=r.local_list_version,
            costProfile=r.cost_profile,
            costProfileAppliedAt=r.cost_profile_applied_at,
            connectors=[ConnectorView.of(s) for s in d.connectors],
            connection=connection,
        )


class ChargerPage(ApiModel):
    items: list[ChargerSummary]
    nextCursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


class ConnectorList(ApiModel):
    chargePointId: str
    connectors: list[ConnectorView]
