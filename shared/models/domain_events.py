"""Domain events published on the EventBridge bus.

Every detail carries `version` so consumers can evolve; docs/events.md is the catalogue.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EVENT_SCHEMA_VERSION = "1"

CHARGER_CONNECTED = "ChargerConnected"
CHARGER_DISCONNECTED = "ChargerDisconnected"
CHARGER_BOOTED = "ChargerBooted"
CONNECTOR_STATUS_CHANGED = "ConnectorStatusChanged"
TRANSACTION_STARTED = "TransactionStarted"
TRANSACTION_STOPPED = "TransactionStopped"
TRANSACTION_REPLACED = "TransactionReplaced"
TRANSACTION_ORPHAN_STOP = "TransactionOrphanStop"
METER_VALUES_RECEIVED = "MeterValuesReceived"
FIRMWARE_STATUS_CHANGED = "FirmwareStatusChanged"
DIAGNOSTICS_STATUS_CHANGED = "DiagnosticsStatusChanged"
DATA_TRANSFER_RECEIVED = "DataTransferReceived"
COMMAND_COMPLETED = "CommandCompleted"
RECEIPT_ISSUED = "ReceiptIssued"
CHARGER_ALERT_RAISED = "ChargerAlertRaised"
CHARGER_ALERT_CLEARED = "ChargerAlertCleared"
SECURITY_EVENT_RECEIVED = "SecurityEventReceived"
CHARGING_LIMIT_CHANGED = "ChargingLimitChanged"
EV_CHARGING_NEEDS_RECEIVED = "EVChargingNeedsReceived"
EV_CHARGING_SCHEDULE_RECEIVED = "EVChargingScheduleReceived"
FIRMWARE_PUBLISH_STATUS_CHANGED = "FirmwarePublishStatusChanged"
CERTIFICATE_SIGNING_REQUESTED = "CertificateSigningRequested"
# Site load management (docs/adr/0048): an EVSE that does not take its limits.
EVSE_CONTROL_LOST = "EvseControlLost"
EVSE_CONTROL_RESTORED = "EvseControlRestored"
# The site load management loop (docs/adr/0051).
SITE_MODEL_CHANGED = "SiteModelChanged"
# Grid signals (docs/adr/0052): the limit a site is allocated under changed.
GRID_LIMIT_CHANGED = "GridLimitChanged"


@dataclass(frozen=True)
class DomainEvent:
    detail_type: str
    charge_point_id: str
    time: datetime
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def event_id(self) -> str:
        """Stable: the same change gives the same id however often it is published (a replayed
        message re-runs its follow-ups), so consumers can tell a repeat from a new event."""
        content = json.dumps(
            [self.detail_type, self.charge_point_id, self.detail],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
            default=str,
        )
        return hashlib.sha256(content.encode()).hexdigest()[:32]

    def full_detail(self) -> dict[str, Any]:
        return {
            "version": EVENT_SCHEMA_VERSION,
            "eventId": self.event_id,
            "chargePointId": self.charge_point_id,
            **self.detail,
        }
