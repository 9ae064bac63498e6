"""Per-edition payloads: what a charger says in OCPP 1.6J and in OCPP 2.0.1.

Everything edition-specific lives here so the charger itself stays edition-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from simulator.frames import utc_timestamp
from simulator.meter import MeterSample

# The 2.0.1 idToken type of an RFID card, how sessions in the simulator are authorized.
RFID_CARD = "ISO14443"

ProtocolName = Literal["ocpp1.6", "ocpp2.0.1"]
PROTOCOLS: tuple[ProtocolName, ...] = ("ocpp1.6", "ocpp2.0.1")


@dataclass(frozen=True)
class ChargerIdentity:
    vendor: str = "CSMS-Sim"
    model: str = "SimCharger"
    serial_number: str = "SIM-0"
    firmware_version: str = "sim-1.0.0"
    # Why the next 2.0.1 boot happens (BootReasonEnumType): FirmwareUpdate after an update.
    boot_reason: str = "PowerUp"


@dataclass(frozen=True)
class ConnectorRef:
    """One connector to report on: 2.0.1 addresses it as (evse, connector), 1.6 by connector."""

    connector_id: int
    evse_id: int | None = None


@dataclass(frozen=True)
class SessionStatuses:
    """Connector statuses a charging session passes through."""

    plugged: str
    charging: str
    finishing: str
    available: str = "Available"


class ProtocolProfile(Protocol):
    name: ProtocolName
    session_statuses: SessionStatuses

    def boot_notification(self, identity: ChargerIdentity) -> dict[str, Any]: ...

    def status_notification(
        self, connector: ConnectorRef, status: str, error_code: str
    ) -> dict[str, Any]: ...

    def startup_connectors(self, connectors: int) -> list[ConnectorRef]:
        """The connectors to report after an accepted boot, in order."""
        ...

    def outlet(self, number: int) -> ConnectorRef:
        """Where a session on outlet `number` (1..connectors) takes place."""
        ...

    def authorize(self, id_tag: str) -> dict[str, Any]: ...

    def meter_value(self, sample: MeterSample) -> dict[str, Any]:
        """One MeterValue: the sample's timestamp and its sampled values."""
        ...


class Ocpp16:
    name: ProtocolName = "ocpp1.6"
    session_statuses = SessionStatuses(
        plugged="Preparing", charging="Charging", finishing="Finishing"
    )

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

    def outlet(self, number: int) -> ConnectorRef:
        return ConnectorRef(connector_id=number)

    def authorize(self, id_tag: str) -> dict[str, Any]:
        return {"idTag": id_tag}

    def meter_value(self, sample: MeterSample) -> dict[str, Any]:
        # 1.6 sends every value as a decimal string.
        return {
            "timestamp": sample.timestamp,
            "sampledValue": [
                {"value": str(value), **fields} for value, fields in _sampled_values(sample)
            ],
        }

    def start_transaction(
        self,
        connector_id: int,
        id_tag: str,
        meter_start: int,
        timestamp: str,
        reservation_id: int | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "connectorId": connector_id,
            "idTag": id_tag,
            "meterStart": meter_start,
            "timestamp": timestamp,
        }
        if reservation_id is not None:
            payload["reservationId"] = reservation_id
        return payload

    def meter_values(
        self, connector_id: int, transaction_id: int | None, sample: MeterSample
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"connectorId": connector_id}
        if transaction_id is not None:
            payload["transactionId"] = transaction_id
        payload["meterValue"] = [self.meter_value(sample)]
        return payload

    def stop_transaction(
        self,
        transaction_id: int,
        meter_stop: int,
        timestamp: str,
        reason: str,
        id_tag: str | None,
        transaction_data: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "transactionId": transaction_id,
            "meterStop": meter_stop,
            "timestamp": timestamp,
            "reason": reason,
        }
        if id_tag is not None:
            payload["idTag"] = id_tag
        if transaction_data:
            payload["transactionData"] = transaction_data
        return payload


class Ocpp201:
    name: ProtocolName = "ocpp2.0.1"
    # 2.0.1 connector status only tells whether something is plugged in.
    session_statuses = SessionStatuses(
        plugged="Occupied", charging="Occupied", finishing="Occupied"
    )

    def boot_notification(self, identity: ChargerIdentity) -> dict[str, Any]:
        # Field length limits of the 2.0.1 schema: model 20, vendor 50, serial 25, firmware 50.
        return {
            "reason": identity.boot_reason,
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
        return [self.outlet(evse_id) for evse_id in range(1, connectors + 1)]

    def outlet(self, number: int) -> ConnectorRef:
        return ConnectorRef(connector_id=1, evse_id=number)

    def authorize(self, id_tag: str) -> dict[str, Any]:
        return {"idToken": id_token(id_tag)}

    def meter_value(self, sample: MeterSample) -> dict[str, Any]:
        # 2.0.1 sends numbers, with the unit in unitOfMeasure.
        values = []
        for value, fields in _sampled_values(sample):
            entry: dict[str, Any] = {"value": value}
            entry.update({key: item for key, item in fields.items() if key != "unit"})
            entry["unitOfMeasure"] = {"unit": fields["unit"]}
            values.append(entry)
        return {"timestamp": sample.timestamp, "sampledValue": values}

    def meter_values(self, evse_id: int, sample: MeterSample) -> dict[str, Any]:
        return {"evseId": evse_id, "meterValue": [self.meter_value(sample)]}

    def transaction_event(
        self,
        event_type: str,
        *,
        transaction_id: str,
        seq_no: int,
        trigger_reason: str,
        timestamp: str,
        evse: ConnectorRef | None = None,
        id_tag: str | None = None,
        id_token_type: str = RFID_CARD,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        offline: bool = False,
        reservation_id: int | None = None,
        remote_start_id: int | None = None,
    ) -> dict[str, Any]:
        info: dict[str, Any] = {"transactionId": transaction_id}
        if charging_state is not None:
            info["chargingState"] = charging_state
        if stopped_reason is not None:
            info["stoppedReason"] = stopped_reason
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": timestamp,
            "triggerReason": trigger_reason,
            "seqNo": seq_no,
            "transactionInfo": info,
        }
        if offline:
            payload["offline"] = True
        if evse is not None:
            payload["evse"] = {"id": evse.evse_id or 1, "connectorId": evse.connector_id}
        if id_tag is not None:
            payload["idToken"] = id_token(id_tag, id_token_type)
        if meter_value:
            payload["meterValue"] = meter_value
        if reservation_id is not None:
            payload["reservationId"] = reservation_id
        return payload


def id_token(id_tag: str, token_type: str = RFID_CARD) -> dict[str, Any]:
    return {"idToken": id_tag, "type": token_type}


def authorization_status(response: dict[str, Any]) -> str | None:
    """The status in an answer carrying idTagInfo (1.6) or idTokenInfo (2.0.1), if any."""
    info = response.get("idTagInfo") or response.get("idTokenInfo")
    status = info.get("status") if isinstance(info, dict) else None
    return status if isinstance(status, str) else None


def _sampled_values(sample: MeterSample) -> list[tuple[float | int, dict[str, str]]]:
    """(value, fields) pairs shared by both editions; fields carry the 1.6 'unit' spelling."""
    context = sample.context
    values: list[tuple[float | int, dict[str, str]]] = [
        (
            sample.register_wh,
            {"context": context, "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        ),
        (
            round(sample.power_w),
            {"context": context, "measurand": "Power.Active.Import", "unit": "W"},
        ),
    ]
    if sample.dc:
        values += [
            (
                round(sample.current_a, 1),
                {"context": context, "measurand": "Current.Import", "unit": "A"},
            ),
            (round(sample.voltage_v, 1), {"context": context, "measurand": "Voltage", "unit": "V"}),
        ]
        if sample.soc_percent is not None:
            values.append(
                (
                    round(sample.soc_percent),
                    {"context": context, "measurand": "SoC", "location": "EV", "unit": "Percent"},
                )
            )
        return values
    currents = sample.phase_currents or (sample.current_a,) * 3
    for phase, current in zip(("L1", "L2", "L3"), currents, strict=True):
        values.append(
            (
                round(current, 1),
                {"context": context, "measurand": "Current.Import", "phase": phase, "unit": "A"},
            )
        )
    for phase in ("L1-N", "L2-N", "L3-N"):
        values.append(
            (
                round(sample.voltage_v, 1),
                {"context": context, "measurand": "Voltage", "phase": phase, "unit": "V"},
            )
        )
    return values


def profile_for(protocol: str) -> ProtocolProfile:
    if protocol == "ocpp1.6":
        return Ocpp16()
    if protocol == "ocpp2.0.1":
        return Ocpp201()
    raise ValueError(f"unsupported protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
