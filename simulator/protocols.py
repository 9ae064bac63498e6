"""Per-edition payloads: what a charger says in OCPP 1.6J and in OCPP 2.0.1.

Everything edition-specific lives here so the charger itself stays edition-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from simulator.frames import utc_timestamp

ProtocolName = Literal["ocpp1.6", "ocpp2.0.1"]
PROTOCOLS: tuple[ProtocolName, ...] = ("ocpp1.6", "ocpp2.0.1")


@dataclass(frozen=True)
class ChargerIdentity:
    vendor: str = "CSMS-Sim"
    model: str = "SimCharger"
    serial_number: str = "SIM-0"
    firmware_version: str = "sim-1.0.0"


@dataclass(frozen=True)
class ConnectorRef:
    """One connector to report on: 2.0.1 addresses it as (evse, connector), 1.6 by connector."""

    connector_id: int
    evse_id: int | None = None


class ProtocolProfile(Protocol):
    name: ProtocolName

    def boot_notification(self, identity: ChargerIdentity) -> dict[str, Any]: ...

    def status_notification(
        self, connector: ConnectorRef, status: str, error_code: str
    ) -> dict[str, Any]: ...

    def startup_connectors(self, connectors: int) -> list[ConnectorRef]:
        """The connectors to report after an accepted boot, in order."""
        ...


class Ocpp16:
    name: ProtocolName = "ocpp1.6"

    def boot_notification(self, identity: ChargerIdentity) -> dict[str, Any]:
        # Field length limits of the 1.6 schema: vendor/model 20, serial 25, firmware 50.
        return {
            "chargePointVendor": identity.vendor[:20],
            "chargePointModel": identity.model[:20],
            "chargePointSerialNumber": identity.serial_number[:25],
            "firmwareVersion": identity.firmware_version[:50],
        }

    def status_notification(
        self, connector: ConnectorRef, status: str, error_code: str
    ) -> dict[str, Any]:
        return {
            "connectorId": connector.connector_id,
            "errorCode": error_code,
            "status": status,
            "timestamp": utc_timestamp(),
        }

    def startup_connectors(self, connectors: int) -> list[ConnectorRef]:
        # Connector 0 stands for the charge point as a whole in 1.6.
        return [ConnectorRef(connector_id) for connector_id in range(connectors + 1)]


class Ocpp201:
    name: ProtocolName = "ocpp2.0.1"

    def boot_notification(self, identity: ChargerIdentity) -> dict[str, Any]:
        # Field length limits of the 2.0.1 schema: model 20, vendor 50, serial 25, firmware 50.
        return {
            "reason": "PowerUp",
            "chargingStation": {
                "vendorName": identity.vendor[:50],
                "model": identity.model[:20],
                "serialNumber": identity.serial_number[:25],
                "firmwareVersion": identity.firmware_version[:50],
            },
        }

    def status_notification(
        self, connector: ConnectorRef, status: str, error_code: str
    ) -> dict[str, Any]:
        # 2.0.1 has no error code here (faults go through NotifyEvent).
        return {
            "timestamp": utc_timestamp(),
            "connectorStatus": status,
            "evseId": connector.evse_id if connector.evse_id is not None else 1,
            "connectorId": connector.connector_id,
        }

    def startup_connectors(self, connectors: int) -> list[ConnectorRef]:
        # The simulated station has one EVSE per connector, each with its connector 1.
        return [
            ConnectorRef(connector_id=1, evse_id=evse_id) for evse_id in range(1, connectors + 1)
        ]


def profile_for(protocol: str) -> ProtocolProfile:
    if protocol == "ocpp1.6":
        return Ocpp16()
    if protocol == "ocpp2.0.1":
        return Ocpp201()
    raise ValueError(f"unsupported protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
