"""Live EVSE status (OCPI EVSE Status) from the chargers' last OCPP status reports.

A charger without a live connection says nothing current about its EVSEs: UNKNOWN. A charger
that is not Accepted cannot serve sessions: INOPERATIVE. Otherwise each EVSE takes the status
of its connector (1.6) or the most telling of its connectors' (2.0.1: one in use makes the
EVSE in use), and a whole-charger Unavailable/Faulted (1.6 connector 0) outranks AVAILABLE.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from shared.models.charger import ChargerRecord
from shared.models.connection import ConnectorStatus
from shared.models.location import Evse

EvseStatus = Literal[
    "AVAILABLE",
    "BLOCKED",
    "CHARGING",
    "INOPERATIVE",
    "OUTOFORDER",
    "PLANNED",
    "REMOVED",
    "RESERVED",
    "UNKNOWN",
]

# OCPP 1.6 ChargePointStatus and 2.0.1 ConnectorStatusEnum -> OCPI. Preparing and Finishing
# hold the connector (a car is plugged in): in use for anyone else, like Occupied.
OCPP_TO_OCPI: dict[str, EvseStatus] = {
    "Available": "AVAILABLE",
    "Preparing": "CHARGING",
    "Charging": "CHARGING",
    "SuspendedEV": "CHARGING",
    "SuspendedEVSE": "CHARGING",
    "Finishing": "CHARGING",
    "Occupied": "CHARGING",
    "Reserved": "RESERVED",
    "Unavailable": "INOPERATIVE",
    "Faulted": "OUTOFORDER",
}
# Which connector status an EVSE shows when its connectors differ.
_PRECEDENCE: tuple[EvseStatus, ...] = (
    "CHARGING",
    "RESERVED",
    "AVAILABLE",
    "BLOCKED",
    "OUTOFORDER",
    "INOPERATIVE",
    "UNKNOWN",
)
WHOLE_CHARGER_KEY = "0"  # OCPP 1.6 connectorId 0: the charge point itself


def evse_status(
    evse: Evse, charger: ChargerRecord | None, statuses: Iterable[ConnectorStatus]
) -> EvseStatus:
    """The OCPI status of `evse` given its charger's record and last connector statuses."""
    binding = evse.binding
    if binding is None:
        return "PLANNED"
    if charger is None or not charger.online:
        return "UNKNOWN"
    if charger.registration_status != "Accepted":
        return "INOPERATIVE"
    by_key = {s.connector_key: s for s in statuses}
    if binding.evse_id is None:
        keys = [str(binding.connector_id)]
    else:
        prefix = f"{binding.evse_id}/"
        keys = [key for key in by_key if key.startswith(prefix)]
    found = [OCPP_TO_OCPI.get(by_key[key].status, "UNKNOWN") for key in keys if key in by_key]
    status: EvseStatus = min(found, key=_PRECEDENCE.index, default="UNKNOWN")
    whole = by_key.get(WHOLE_CHARGER_KEY)
    if whole is not None and status == "AVAILABLE":
        overall = OCPP_TO_OCPI.get(whole.status, "UNKNOWN")
        if overall in ("INOPERATIVE", "OUTOFORDER"):
            return overall
    return status
