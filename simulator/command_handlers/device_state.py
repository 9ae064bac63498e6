"""What a charger keeps that commands read and change (`charger.device`): configuration keys
(1.6), the device model (2.0.1), the local authorization list, reservations, charging
profiles, availability and the sessions started remotely."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from simulator.job_faults import NO_FAULTS, JobFaults
from simulator.protocols import RFID_CARD
from simulator.transaction_messages import TransactionId

log = logging.getLogger("simulator.commands")

# A remote session that nobody stops ends after this (the driver unplugs, reason EVDisconnected).
DEFAULT_REMOTE_SESSION_S = 8 * 3600.0
# Pause between the steps of a firmware update or diagnostics upload (accelerated).
DEFAULT_JOB_STEP_S = 0.05


@dataclass
class Setting:
    """One configuration key (1.6) or device-model variable (2.0.1), kept as its string."""

    value: str
    kind: Literal["int", "bool", "text"] = "text"
    readonly: bool = False

    def normalise(self, value: str) -> str | None:
        """The value as stored, or None when it is not valid for this setting."""
        text = value.strip()
        if self.kind == "int":
            return str(int(text)) if text.isdigit() else None
        if self.kind == "bool":
            return text.lower() if text.lower() in ("true", "false") else None
        return value


def _configuration_16(connectors: int, heartbeat_s: float) -> dict[str, Setting]:
    csl = "Energy.Active.Import.Register,Power.Active.Import"
    return {
        "AllowOfflineTxForUnknownId": Setting("false", "bool"),
        "AuthorizationCacheEnabled": Setting("true", "bool"),
        "AuthorizeRemoteTxRequests": Setting("true", "bool"),
        "ClockAlignedDataInterval": Setting("0", "int"),
        "ConnectionTimeOut": Setting("60", "int"),
        "GetConfigurationMaxKeys": Setting("100", "int", readonly=True),
        "HeartbeatInterval": Setting(str(int(heartbeat_s)), "int"),
        "LocalAuthorizeOffline": Setting("true", "bool"),
        "LocalPreAuthorize": Setting("false", "bool"),
        "MeterValuesAlignedData": Setting("Energy.Active.Import.Register"),
        "MeterValuesSampledData": Setting(csl),
        "MeterValueSampleInterval": Setting("60", "int"),
        "NumberOfConnectors": Setting(str(connectors), "int", readonly=True),
        "ResetRetries": Setting("1", "int"),
        "StopTransactionOnEVSideDisconnect": Setting("true", "bool"),
        "StopTransactionOnInvalidId": Setting("true", "bool"),
        "StopTxnAlignedData": Setting(""),
        "StopTxnSampledData": Setting("Energy.Active.Import.Register"),
        "SupportedFeatureProfiles": Setting(
            "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,"
            "RemoteTrigger",
            readonly=True,
        ),
        "TransactionMessageAttempts": Setting("3", "int"),
        "TransactionMessageRetryInterval": Setting("30", "int"),
        "UnlockConnectorOnEVSideDisconnect": Setting("true", "bool"),
        "WebSocketPingInterval": Setting("0", "int"),
        "LocalAuthListEnabled": Setting("true", "bool"),
        "LocalAuthListMaxLength": Setting("1000", "int", readonly=True),
        "SendLocalListMaxLength": Setting("1000", "int", readonly=True),
        "ReserveConnectorZeroSupported": Setting("true", "bool", readonly=True),
        "ChargeProfileMaxStackLevel": Setting("10", "int", readonly=True),
        "ChargingScheduleAllowedChargingRateUnit": Setting("Current,Power", readonly=True),
        "ChargingScheduleMaxPeriods": Setting("24", "int", readonly=True),
        "MaxChargingProfilesInstalled": Setting("20", "int", readonly=True),
    }


def _device_model_201(heartbeat_s: float) -> dict[tuple[str, str], Setting]:
    return {
        ("OCPPCommCtrlr", "HeartbeatInterval"): Setting(str(int(heartbeat_s)), "int"),
        ("OCPPCommCtrlr", "ResetRetries"): Setting("1", "int"),
        ("AuthCtrlr", "Enabled"): Setting("true", "bool"),
        ("AuthCtrlr", "AuthorizeRemoteStart"): Setting("true", "bool"),
        ("AuthCtrlr", "LocalAuthorizeOffline"): Setting("true", "bool"),
        ("AuthCtrlr", "LocalPreAuthorize"): Setting("false", "bool"),
        ("AuthCacheCtrlr", "Enabled"): Setting("true", "bool"),
        ("LocalAuthListCtrlr", "Enabled"): Setting("true", "bool"),
        ("LocalAuthListCtrlr", "Entries"): Setting("0", "int", readonly=True),
        ("LocalAuthListCtrlr", "ItemsPerMessage"): Setting("1000", "int", readonly=True),
        ("SampledDataCtrlr", "TxUpdatedInterval"): Setting("60", "int"),
        ("SampledDataCtrlr", "TxUpdatedMeasurands"): Setting(
            "Energy.Active.Import.Register,Power.Active.Import"
        ),
        ("AlignedDataCtrlr", "Interval"): Setting("0", "int"),
        ("AlignedDataCtrlr", "Measurands"): Setting("Energy.Active.Import.Register"),
        ("TxCtrlr", "EVConnectionTimeOut"): Setting("60", "int"),
        ("TxCtrlr", "StopTxOnEVSideDisconnect"): Setting("true", "bool"),
        ("TxCtrlr", "TxStartPoint"): Setting("PowerPathClosed"),
        ("TxCtrlr", "TxStopPoint"): Setting("EVConnected,Authorized"),
        ("ChargingStation", "AvailabilityState"): Setting("Available", readonly=True),
        ("ClockCtrlr", "DateTime"): Setting("", readonly=True),
    }


@dataclass(frozen=True)
class Reservation:
    reservation_id: int
    connector_id: int
    id_tag: str
    expiry: datetime
    parent_id_tag: str | None = None

    def expired(self) -> bool:
        return self.expiry <= datetime.now(UTC)


@dataclass(eq=False)
class RemoteSession:
    """A session the CSMS started; it runs until stopped (or the driver unplugs)."""

    connector_id: int  # 2.0.1: the EVSE
    id_tag: str
    id_token_type: str = RFID_CARD
    remote_start_id: int | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stop_reason: str = "Local"
    transaction_id: TransactionId | None = None
    task: asyncio.Task[None] | None = None

    def request_stop(self, reason: str) -> None:
        if not self.stop.is_set():
            self.stop_reason = reason
            self.stop.set()


@dataclass
class DeviceState:
    """What a charger keeps that commands read and change (`charger.device`).

    Tests may set `unlock_result` ("Unlocked", "UnlockFailed", "NotSupported": a charger
    without a lock actuator), `job_step_s`, `faults` (how firmware updates and uploads go,
    simulator/job_faults.py) and `remote_session_duration_s`.
    """

    connectors: int
    power_kw: float
    configuration: dict[str, Setting] = field(default_factory=dict)
    variables: dict[tuple[str, str], Setting] = field(default_factory=dict)
    local_list_version: int = 0
    # Id tag -> its idTagInfo (1.6) / idTokenInfo (2.0.1).
    local_list: dict[str, dict[str, Any]] = field(default_factory=dict)
    reservations: dict[int, Reservation] = field(default_factory=dict)
    # Connector (0: the whole charger) -> installed charging profiles (1.6 csChargingProfiles).
    charging_profiles: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    # Connectors / EVSEs set Inoperative (0: the whole charger): no new transactions there;
    # a running one goes on and the connector reports Unavailable once it ends.
    inoperative: set[int] = field(default_factory=set)
    remote_sessions: dict[int, RemoteSession] = field(default_factory=dict)
    unlock_result: str = "Unlocked"
    firmware_status: str = "Idle"
    diagnostics_status: str = "Idle"
    # OCPP 2.0.1: display messages by id (SetDisplayMessage), variable monitors by id
    # (SetVariableMonitoring), installed certificates (InstallCertificate, CertificateSigned).
    display_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    monitors: dict[int, dict[str, Any]] = field(default_factory=dict)
    certificates: list[dict[str, str]] = field(default_factory=list)
    # Certificate signing (simulator/certificates.py): keys waiting for their certificate,
    # the CSMS CA a signed chain must verify against, the organizationName of the CSRs.
    signing: dict[str, Any] = field(default_factory=dict)
    # OCPP 2.0.1 CostUpdated: transaction id -> the running total cost shown.
    running_costs: dict[str, float] = field(default_factory=dict)
    job_step_s: float = DEFAULT_JOB_STEP_S
    faults: JobFaults = NO_FAULTS
    remote_session_duration_s: float = DEFAULT_REMOTE_SESSION_S
    _background: set[asyncio.Task[Any]] = field(default_factory=set)
    _rng: random.Random | None = None

    @classmethod
    def for_charger(
        cls, connectors: int, *, heartbeat_interval_s: float, power_kw: float
    ) -> DeviceState:
        return cls(
            connectors,
            power_kw,
            configuration=_configuration_16(connectors, heartbeat_interval_s),
            variables=_device_model_201(heartbeat_interval_s),
        )

    # Settings the charger itself acts on.

    def flag(self, key: str | tuple[str, str]) -> bool:
        return self._setting(key).value == "true"

    def number(self, key: str | tuple[str, str]) -> int:
        return int(self._setting(key).value or 0)

    def _setting(self, key: str | tuple[str, str]) -> Setting:
        return self.configuration[key] if isinstance(key, str) else self.variables[key]

    # Jobs (firmware updates, uploads).

    @property
    def step_s(self) -> float:
        """The pause before each job status report."""
        return self.job_step_s if self.faults.step_s is None else self.faults.step_s

    def fault_rng(self, charge_point_id: str) -> random.Random:
        """The charger's stream of job outcomes (repeatable for the faults' seed)."""
        if self._rng is None:
            self._rng = self.faults.rng(charge_point_id)
        return self._rng

    # Connectors.

    def knows(self, connector_id: int) -> bool:
        return 1 <= connector_id <= self.connectors

    def is_operative(self, connector_id: int) -> bool:
        return 0 not in self.inoperative and connector_id not in self.inoperative

    def reservation_on(self, connector_id: int) -> Reservation | None:
        for reservation in list(self.reservations.values()):
            if reservation.expired():
                del self.reservations[reservation.reservation_id]
            elif reservation.connector_id == connector_id:
                return reservation
        return None

    def claim_reservation(self, connector_id: int, id_tag: str) -> int | None:
        """The reservation a start on this connector by this id tag uses up, if any."""
        for candidate in (connector_id, 0):
            reservation = self.reservation_on(candidate)
            if reservation is not None and reservation.id_tag == id_tag:
                del self.reservations[reservation.reservation_id]
                return reservation.reservation_id
        return None

    # Work that outlives reconnects (remote sessions, reservation expiry, scheduled resets).

    def start_background(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work failed", exc_info=task.exception())

    def cancel_background(self) -> None:
        for task in list(self._background):
            task.cancel()
