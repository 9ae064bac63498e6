"""The domain event catalogue as pydantic models: one model per detail-type, versioned.

Not imported on the WebSocket hot path (the handlers build plain dicts); tests validate every
published event against these models, and `python -m shared.models.event_catalogue` writes the
JSON schemas to docs/events.schema.json. Consumers may parse details with them.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class EventDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal["1"]
    # The same for every publication of one change (a replay re-publishes): consumers that
    # must act once deduplicate on it.
    eventId: str
    chargePointId: str


class ChargerConnected(EventDetail):
    connectionId: str
    protocol: Literal["ocpp1.6", "ocpp2.0.1"]
    sourceIp: str | None


class ChargerDisconnected(EventDetail):
    connectionId: str
    reason: str | None


class ChargerBooted(EventDetail):
    registrationStatus: Literal["Accepted", "Pending", "Rejected"]
    protocol: Literal["ocpp1.6", "ocpp2.0.1"]
    vendor: str
    model: str
    serialNumber: str | None
    firmwareVersion: str | None
    reason: str | None


class ConnectorStatusChanged(EventDetail):
    evseId: int | None
    connectorId: int
    status: str
    previousStatus: str | None
    errorCode: str | None
    info: str | None
    vendorErrorCode: str | None
    timestamp: str


class TransactionStarted(EventDetail):
    transactionId: str
    protocol: str | None
    evseId: int | None
    connectorId: int | None
    idTag: str | None
    meterStartWh: int | None
    startedAt: str | None
    reservationId: int | None
    remoteStartId: int | None
    authorizationStatus: str | None


class TransactionStopped(EventDetail):
    transactionId: str
    protocol: str | None
    evseId: int | None
    connectorId: int | None
    idTag: str | None
    stopIdTag: str | None
    meterStartWh: int | None
    meterStopWh: int | None
    energyWh: int | None
    durationS: int | None
    startedAt: str | None
    stoppedAt: str | None
    stopReason: str | None
    anomaly: str | None
    replacedBy: str | None


class TransactionReplaced(EventDetail):
    transactionId: str
    replacedBy: str
    reason: str


class TransactionOrphanStop(EventDetail):
    transactionId: str
    meterStopWh: int | None
    stoppedAt: str
    stopReason: str
    idTag: str | None


class MeterValuesReceived(EventDetail):
    transactionId: str
    connectorId: int | None
    evseId: int | None
    samples: int
    latestEnergyWh: int
    latestReadingAt: str
    sessionEnergyWh: int | None


class FirmwareStatusChanged(EventDetail):
    status: str
    requestId: int | None
    receivedAt: str


class DiagnosticsStatusChanged(EventDetail):
    status: str
    requestId: int | None
    receivedAt: str


class DataTransferReceived(EventDetail):
    vendorId: str
    messageId: str | None
    status: str


class CommandCompleted(EventDetail):
    commandId: str
    action: str
    protocol: str
    status: Literal["answered", "error", "invalid_response", "timeout", "offline"]
    request: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    createdAt: str
    completedAt: str | None
    requestedBy: str | None


class ReceiptIssued(EventDetail):
    transactionId: str
    driverId: str
    currency: str
    totalInclTax: int
    totalExclTax: int
    tax: int
    energyWh: int
    outcome: Literal["captured", "charged", "released", "outstanding", "invoice"]
    paidMinor: int
    outstandingMinor: int
    startRequestId: str | None


class _ChargerAlert(EventDetail):
    """A NotifyEvent entry (OCPP 2.0.1 N07) as the charger reported it."""

    # The station's eventId (`eventId` is the domain event's own id).
    stationEventId: int | None
    timestamp: str
    trigger: str | None
    component: str
    componentInstance: str | None
    evseId: int | None
    connectorId: int | None
    variable: str
    variableInstance: str | None
    actualValue: str
    techCode: str | None
    techInfo: str | None
    cleared: bool | None
    eventNotificationType: str | None
    transactionId: str | None


class ChargerAlertRaised(_ChargerAlert):
    pass


class ChargerAlertCleared(_ChargerAlert):
    pass


class SecurityEventReceived(EventDetail):
    type: str
    timestamp: str
    techInfo: str | None
    alarmed: bool
    protocol: Literal["ocpp1.6", "ocpp2.0.1"]


class ChargingLimitChanged(EventDetail):
    """An external charging limit set (NotifyChargingLimit, K11) or lifted
    (ClearedChargingLimit, K12) on an EVSE (0: the whole station)."""

    evseId: int
    chargingLimitSource: str
    isGridCritical: bool | None
    cleared: bool
    # ChargingScheduleType objects as the station reported them; null when cleared or absent.
    chargingSchedule: list[dict[str, Any]] | None
    receivedAt: str


class EVChargingNeedsReceived(EventDetail):
    """An EV's charging needs (NotifyEVChargingNeeds, ISO 15118, K15) and the CSMS's answer."""

    evseId: int
    requestedEnergyTransfer: str
    departureTime: str | None
    maxScheduleTuples: int | None
    # ChargingNeedsType as reported (acChargingParameters / dcChargingParameters).
    chargingNeeds: dict[str, Any]
    answer: Literal["Accepted", "Rejected", "Processing"]
    receivedAt: str


class EVChargingScheduleReceived(EventDetail):
    """The schedule an EV chose (NotifyEVChargingSchedule, ISO 15118, K17)."""

    evseId: int
    timeBase: str
    chargingSchedule: dict[str, Any]
    receivedAt: str


class FirmwarePublishStatusChanged(EventDetail):
    """A local controller's firmware publishing progress (PublishFirmwareStatusNotification,
    L03)."""

    status: str
    requestId: int | None
    locations: list[str]
    receivedAt: str


class CertificateSigningRequested(EventDetail):
    """A station's certificate signing request was accepted (SignCertificate, 2.0.1 A02/A03,
    1.6 security extension): the certificate_signer function signs it and sends the chain."""

    requestKey: str
    certificateType: str


class EvseControlLost(EventDetail):
    """An EVSE's charger did not take its charging limit after the retries (rejected, a
    CALLERROR, no answer, offline): held uncontrollable until `until`, its worst case
    reserved (docs/adr/0048)."""

    siteEvseId: str
    evseId: int
    reason: str
    outcome: Literal["rejected", "not_supported", "error", "timeout", "offline"]
    attempts: int
    lostAt: str
    until: str


class SiteModelChanged(EventDetail):
    """A site's electrical model was stored or deleted (docs/adr/0051): the site is allocated
    again, and chargers new to it get their fallback layer. `chargePointId` is empty (the
    change is the site's)."""

    siteId: str
    revision: int
    deleted: bool
    changedAt: str


class EvseControlRestored(EventDetail):
    """The EVSE's charger accepted a limit again after losing control (docs/adr/0048)."""

    siteEvseId: str
    evseId: int
    restoredAt: str
    holds: int


class GridLimitChanged(EventDetail):
    """The grid limit a site is allocated under changed (docs/adr/0052): a new schedule, a
    poll or a notification of its sources. A site event: `chargePointId` is empty. The
    allocation loop re-plans the site and asks grid_limit_for again at `nextChange`."""

    locationId: str
    limited: bool
    # Amperes per phase {L1, L2, L3}; a phase null is not limited; all null: no grid signal.
    limitA: dict[str, float | None] | None
    allocatorLimitA: dict[str, float | None] | None
    source: str | None
    sources: list[str] | None
    upcomingAt: str | None
    nextChange: str | None
    receivedAt: str


CATALOGUE: dict[str, type[EventDetail]] = {
    model.__name__: model
    for model in (
        ChargerConnected,
        ChargerDisconnected,
        ChargerBooted,
        ConnectorStatusChanged,
        TransactionStarted,
        TransactionStopped,
        TransactionReplaced,
        TransactionOrphanStop,
        MeterValuesReceived,
        FirmwareStatusChanged,
        DiagnosticsStatusChanged,
        DataTransferReceived,
        CommandCompleted,
        ReceiptIssued,
        ChargerAlertRaised,
        ChargerAlertCleared,
        SecurityEventReceived,
        ChargingLimitChanged,
        EVChargingNeedsReceived,
        EVChargingScheduleReceived,
        FirmwarePublishStatusChanged,
        CertificateSigningRequested,
        EvseControlLost,
        EvseControlRestored,
        SiteModelChanged,
        GridLimitChanged,
    )
}


def json_schemas() -> dict[str, object]:
    return {name: model.model_json_schema() for name, model in CATALOGUE.items()}


if __name__ == "__main__":
    json.dump(json_schemas(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
