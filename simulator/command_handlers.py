"""How a simulated charger answers the commands a CSMS sends, in OCPP 1.6 and 2.0.1.

Every command has an answer — what a working charger does: look at its state, answer, then
act (start or stop a session, reboot, send the requested message, report the progress of a
firmware update or a diagnostics upload) — and a refusal, the negative answer of a charger
that will not do it. `default_handlers()` (simulator/handlers.py) registers the answers, or
the refusals for the actions a test wants refused.

What commands read and change lives in `DeviceState` (`charger.device`): configuration keys
(1.6), the device model (2.0.1), the local authorization list, reservations, charging
profiles, availability and the sessions started remotely. Progress reports are accelerated
(`job_step_s` between steps) and remote sessions end by themselves after
`remote_session_duration_s` (the driver unplugs), unless stopped first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from simulator.errors import CallErrorReceived, ConnectionLost, ResponseTimeout
from simulator.frames import utc_timestamp
from simulator.offline_queue import START_FAILED
from simulator.protocols import RFID_CARD, authorization_status
from simulator.sessions import ActiveTransaction, TransactionId

if TYPE_CHECKING:
    from simulator.charger import SimulatedCharger

log = logging.getLogger("simulator.commands")

Payload = dict[str, Any]
Answer = Callable[["SimulatedCharger", Payload], Awaitable[Payload]]

V16, V201 = "ocpp1.6", "ocpp2.0.1"
ACCEPTED: Payload = {"status": "Accepted"}
REJECTED: Payload = {"status": "Rejected"}
AC_PHASE_VOLTAGE_V = 230.0
DEFAULT_PHASES = 3
# A remote session that nobody stops ends after this (the driver unplugs, reason EVDisconnected).
DEFAULT_REMOTE_SESSION_S = 8 * 3600.0
# Pause between the steps of a firmware update or diagnostics upload (accelerated).
DEFAULT_JOB_STEP_S = 0.05
# A reset waits at most this long for its transactions to stop before it reboots.
STOP_BEFORE_REBOOT_S = 10.0
# Connector statuses in which a remote start may use the connector.
FREE_STATUSES = frozenset({"Available", "Reserved"})


@dataclass(frozen=True)
class Command:
    """A command's answer and the refusal given instead when the charger refuses it."""

    answer: Answer
    refuse: Answer


# ----- state ---------------------------------------------------------------------------


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
    without a lock actuator), `job_step_s` and `remote_session_duration_s`.
    """

    connectors: int
    power_kw: float
    configuration: dict[str, Setting] = field(default_factory=dict)
    variables: dict[tuple[str, str], Setting] = field(default_factory=dict)
    local_list_version: int = 0
    # Id tag -> its idTagInfo (1.6) / idTokenInfo (2.0.1).
    local_list: dict[str, Payload] = field(default_factory=dict)
    reservations: dict[int, Reservation] = field(default_factory=dict)
    # Connector (0: the whole charger) -> installed charging profiles (1.6 csChargingProfiles).
    charging_profiles: dict[int, list[Payload]] = field(default_factory=dict)
    # Connectors / EVSEs set Inoperative (0: the whole charger): no new transactions there;
    # a running one goes on and the connector reports Unavailable once it ends.
    inoperative: set[int] = field(default_factory=set)
    remote_sessions: dict[int, RemoteSession] = field(default_factory=dict)
    unlock_result: str = "Unlocked"
    firmware_status: str = "Idle"
    diagnostics_status: str = "Idle"
    job_step_s: float = DEFAULT_JOB_STEP_S
    remote_session_duration_s: float = DEFAULT_REMOTE_SESSION_S
    _background: set[asyncio.Task[Any]] = field(default_factory=set)

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


# ----- helpers ---------------------------------------------------------------------------


def refusal(answer: Payload) -> Answer:
    """A refusal that always gives `answer`."""

    async def refuse(cp: SimulatedCharger, payload: Payload) -> Payload:
        return dict(answer)

    return refuse


async def _quietly(call: Awaitable[Any]) -> None:
    """Send a follow-up message; failures are counted by the charger and otherwise ignored."""
    with contextlib.suppress(ConnectionLost, ResponseTimeout, CallErrorReceived):
        await call


def _current_status(cp: SimulatedCharger, connector_id: int) -> str:
    device = cp.device
    if connector_id == 0:
        return "Available" if device.is_operative(0) else "Unavailable"
    return cp.connector_status.get(connector_id, "Available")


def _idle_status(cp: SimulatedCharger, connector_id: int) -> str:
    """The status of a connector without a session: Unavailable, Reserved or Available."""
    if not cp.device.is_operative(connector_id):
        return "Unavailable"
    if cp.device.reservation_on(connector_id) is not None:
        return "Reserved"
    return "Available"


def _is_free(cp: SimulatedCharger, connector_id: int, id_tag: str) -> bool:
    device = cp.device
    if not device.knows(connector_id) or not device.is_operative(connector_id):
        return False
    if cp.transaction_on(connector_id) is not None or connector_id in device.remote_sessions:
        return False
    reservation = device.reservation_on(connector_id)
    if reservation is not None and reservation.id_tag != id_tag:
        return False
    return cp.connector_status.get(connector_id, "Available") in FREE_STATUSES


def _free_connector(cp: SimulatedCharger, requested: int | None, id_tag: str) -> int | None:
    candidates = [requested] if requested is not None else range(1, cp.connectors + 1)
    return next((c for c in candidates if _is_free(cp, c, id_tag)), None)


async def _settle(cp: SimulatedCharger, connector_id: int) -> None:
    """Report a connector whose session ended (Unavailable if it was set Inoperative)."""
    await cp.set_connector_status(connector_id, _idle_status(cp, connector_id))


# ----- sessions started and stopped by the CSMS -----------------------------------------


async def _authorized(cp: SimulatedCharger, id_tag: str) -> bool:
    try:
        response = await cp.authorize(id_tag)
    except (ConnectionLost, ResponseTimeout):
        return True  # no answer: the charger authorizes locally (LocalAuthorizeOffline)
    except CallErrorReceived:
        return False
    return authorization_status(response) == "Accepted"


def _start_remote_session(
    cp: SimulatedCharger, session: RemoteSession, charging_profile: Payload | None
) -> None:
    """Claim the connector now (so a second remote start is refused) and run the session
    once the answer went out."""
    cp.device.remote_sessions[session.connector_id] = session
    if charging_profile is not None:
        cp.device.charging_profiles.setdefault(session.connector_id, []).append(charging_profile)

    async def launch() -> None:
        runner = _remote_session_16 if cp.protocol == V16 else _remote_session_201
        session.task = cp.device.start_background(_run_remote_session(cp, session, runner))

    cp.after_answer(launch())


SessionRunner = Callable[["SimulatedCharger", RemoteSession], Awaitable[bool]]


async def _run_remote_session(
    cp: SimulatedCharger, session: RemoteSession, runner: SessionRunner
) -> None:
    connector = session.connector_id
    cp.stats.sessions_started += 1
    meter = cp.meter(connector)
    register_before = meter.register_wh
    completed = False
    try:
        completed = await runner(cp, session)
    finally:
        if cp.device.remote_sessions.get(connector) is session:
            del cp.device.remote_sessions[connector]
        profiles = cp.device.charging_profiles.get(connector, [])
        # Transaction profiles end with their transaction.
        profiles[:] = [p for p in profiles if p.get("chargingProfilePurpose") != "TxProfile"]
        if completed:
            cp.stats.sessions_completed += 1
            cp.stats.energy_wh += meter.register_wh - register_before
        else:
            cp.stats.sessions_failed += 1
    await _settle(cp, connector)


async def _remote_session_16(cp: SimulatedCharger, session: RemoteSession) -> bool:
    """Preparing, Authorize (unless AuthorizeRemoteTxRequests is false), StartTransaction,
    Charging, MeterValues every MeterValueSampleInterval, StopTransaction, Finishing."""
    connector = session.connector_id
    await cp.set_connector_status(connector, "Preparing")
    authorize = cp.device.flag("AuthorizeRemoteTxRequests")
    if session.stop.is_set() or (authorize and not await _authorized(cp, session.id_tag)):
        return False
    try:
        transaction_id = await cp.start_transaction(connector, session.id_tag)
    except CallErrorReceived:
        return False
    session.transaction_id = transaction_id
    await cp.set_connector_status(connector, "Charging")

    async def sample() -> None:
        await cp.meter_values(connector, transaction_id)

    reason = await _charge(cp, session, sample, "MeterValueSampleInterval")
    if reason is None:
        return False
    meter = cp.meter(connector)
    meter.stop()
    with contextlib.suppress(CallErrorReceived):
        await cp.stop_transaction(transaction_id, int(meter.register_wh), reason=reason)
    await cp.set_connector_status(connector, "Finishing")
    return reason != "DeAuthorized"


async def _remote_session_201(cp: SimulatedCharger, session: RemoteSession) -> bool:
    """Occupied, Authorize (unless AuthCtrlr.AuthorizeRemoteStart is false), TransactionEvent
    Started (RemoteStart, remoteStartId) / Updated every TxUpdatedInterval / Ended."""
    evse = session.connector_id
    await cp.set_connector_status(evse, "Occupied")
    authorize = cp.device.flag(("AuthCtrlr", "AuthorizeRemoteStart"))
    if session.stop.is_set() or (authorize and not await _authorized(cp, session.id_tag)):
        return False
    try:
        started = await cp.transaction_event(
            "Started",
            evse_id=evse,
            trigger_reason="RemoteStart",
            id_token=session.id_tag,
            id_token_type=session.id_token_type,
            charging_state="Charging",
            remote_start_id=session.remote_start_id,
        )
    except CallErrorReceived:
        return False
    transaction_id = started.transaction_id
    session.transaction_id = transaction_id

    async def sample() -> None:
        await cp.transaction_event("Updated", transaction_id=transaction_id, evse_id=evse)

    reason = await _charge(cp, session, sample, ("SampledDataCtrlr", "TxUpdatedInterval"))
    if reason is None:
        return False
    with contextlib.suppress(CallErrorReceived):
        await cp.transaction_event(
            "Ended", transaction_id=transaction_id, evse_id=evse, stopped_reason=reason
        )
    return reason != "DeAuthorized"


async def _charge(
    cp: SimulatedCharger,
    session: RemoteSession,
    sample: Callable[[], Awaitable[None]],
    interval_key: str | tuple[str, str],
) -> str | None:
    """Meter until stopped; the stop reason, or None when the CSMS never took the start."""
    assert session.transaction_id is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + cp.device.remote_session_duration_s
    while True:
        verdict = cp.start_authorization(session.transaction_id)
        if verdict == START_FAILED:
            cp.forget_transaction(session.transaction_id)
            return None
        if verdict not in (None, "Accepted"):
            return "DeAuthorized"
        remaining = deadline - loop.time()
        # Read each time: the CSMS may change the interval while the car charges.
        interval = cp.device.number(interval_key)
        wait = min(interval, remaining) if interval > 0 else remaining
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.stop.wait(), max(wait, 0))
        if session.stop.is_set():
            return session.stop_reason
        if loop.time() >= deadline:
            return "EVDisconnected"
        with contextlib.suppress(CallErrorReceived):
            await sample()


async def _stop_transaction(cp: SimulatedCharger, active: ActiveTransaction, reason: str) -> None:
    """Stop a running transaction with `reason` and wait until it is stopped."""
    session = cp.device.remote_sessions.get(active.connector_id)
    if session is not None and session.task is not None:
        session.request_stop(reason)
        await asyncio.wait({session.task}, timeout=STOP_BEFORE_REBOOT_S)
        return
    # A transaction no remote session drives (started step by step or by a session plan) is
    # stopped here; a session plan's flow on that connector still goes on by its own clock.
    connector = active.connector_id
    if cp.protocol == V16:
        assert isinstance(active.transaction_id, int)
        await _quietly(cp.stop_transaction(active.transaction_id, reason=reason))
        await cp.set_connector_status(connector, "Finishing")
    else:
        assert isinstance(active.transaction_id, str)
        await _quietly(
            cp.transaction_event(
                "Ended",
                transaction_id=active.transaction_id,
                evse_id=connector,
                stopped_reason=reason,
            )
        )
    await _settle(cp, connector)


async def _stop_everything(cp: SimulatedCharger, reason: str) -> None:
    for session in list(cp.device.remote_sessions.values()):
        session.request_stop(reason)  # also those still authorizing: they must not start
    for active in list(cp.transactions.values()):
        await _stop_transaction(cp, active, reason)


async def _reset(cp: SimulatedCharger, reason: str) -> None:
    await _stop_everything(cp, reason)
    log.info("%s rebooting (%s)", cp.charge_point_id, reason)
    await cp.reboot()


# ----- OCPP 1.6 ---------------------------------------------------------------------------


async def remote_start_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    id_tag = payload["idTag"]
    connector = _free_connector(cp, payload.get("connectorId"), id_tag)
    profile = payload.get("chargingProfile")
    if connector is None or (
        profile is not None and profile.get("chargingProfilePurpose") != "TxProfile"
    ):
        return dict(REJECTED)
    _start_remote_session(cp, RemoteSession(connector, id_tag), profile)
    return dict(ACCEPTED)


async def remote_stop_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    active = cp.find_transaction(payload["transactionId"])
    if active is None:
        return dict(REJECTED)
    cp.after_answer(_stop_transaction(cp, active, "Remote"))
    return dict(ACCEPTED)


async def reset_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    cp.after_answer(_reset(cp, f"{payload['type']}Reset"))
    return dict(ACCEPTED)


async def unlock_connector_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    result = cp.device.unlock_result
    if not cp.device.knows(connector):
        return {"status": "NotSupported"}
    active = cp.transaction_on(connector)
    if active is not None and result == "Unlocked":
        # Unlocking ends the transaction first (1.6: reason UnlockCommand).
        cp.after_answer(_stop_transaction(cp, active, "UnlockCommand"))
    return {"status": result}


async def change_availability_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    if connector != 0 and not cp.device.knows(connector):
        return dict(REJECTED)
    operative = payload["type"] == "Operative"
    return _change_availability(cp, connector, operative)


def _change_availability(cp: SimulatedCharger, target: int, operative: bool) -> Payload:
    """target 0: the whole charger. A busy connector keeps charging and reports Unavailable
    when its transaction ends (Scheduled)."""
    device = cp.device
    connectors = list(range(1, cp.connectors + 1)) if target == 0 else [target]
    busy = [c for c in connectors if cp.transaction_on(c) is not None]
    if operative:
        device.inoperative.difference_update([target, *(connectors if target == 0 else [])])
    else:
        device.inoperative.add(target)
    status = "Scheduled" if busy and not operative else "Accepted"

    async def report() -> None:
        if target == 0 and cp.protocol == V16:
            await _quietly(cp.status_notification(0, _current_status(cp, 0)))
        for connector in connectors:
            if connector not in busy:
                await cp.set_connector_status(connector, _idle_status(cp, connector))

    cp.after_answer(report())
    return {"status": status}


async def change_configuration_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    setting = cp.device.configuration.get(payload["key"])
    if setting is None:
        return {"status": "NotSupported"}
    value = setting.normalise(payload["value"])
    if setting.readonly or value is None or not _side_effect(cp, payload["key"], value):
        return dict(REJECTED)
    setting.value = value
    return dict(ACCEPTED)


def _side_effect(cp: SimulatedCharger, name: str, value: str) -> bool:
    """Apply a changed setting the charger acts on at once; False when it cannot."""
    if name in ("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval"):
        if int(value) < 1:
            return False
        cp.set_heartbeat_interval(float(value))
    return True


def _live_value(cp: SimulatedCharger, name: str, stored: str) -> str:
    """Settings that mirror the charger's state rather than a stored value."""
    if name in ("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval"):
        return str(int(cp.heartbeat_interval_s)) if cp.heartbeat_interval_s else stored
    if name == "LocalAuthListCtrlr.Entries":
        return str(len(cp.device.local_list))
    if name == "ChargingStation.AvailabilityState":
        return "Available" if cp.device.is_operative(0) else "Unavailable"
    if name == "ClockCtrlr.DateTime":
        return utc_timestamp()
    return stored


async def get_configuration_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    configuration = cp.device.configuration
    keys = payload.get("key") or list(configuration)
    known = [
        {
            "key": key,
            "readonly": configuration[key].readonly,
            "value": _live_value(cp, key, configuration[key].value),
        }
        for key in keys
        if key in configuration
    ]
    unknown = [key for key in keys if key not in configuration]
    answer: Payload = {"configurationKey": known}
    if unknown:
        answer["unknownKey"] = unknown
    return answer


async def refuse_get_configuration_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    keys = payload.get("key") or []
    return {"unknownKey": keys} if keys else {}


async def clear_cache(cp: SimulatedCharger, payload: Payload) -> Payload:
    return dict(ACCEPTED)


async def trigger_message_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    message = payload["requestedMessage"]
    connector = payload.get("connectorId")
    if connector is not None and connector != 0 and not cp.device.knows(connector):
        return dict(REJECTED)
    connectors = [connector] if connector is not None else list(range(cp.connectors + 1))
    outlets = [c for c in connectors if c != 0] or list(range(1, cp.connectors + 1))
    follow_ups: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
        "BootNotification": lambda: _quietly(cp.boot()),
        "Heartbeat": lambda: _quietly(cp.heartbeat()),
        "StatusNotification": lambda: _report_statuses(cp, connectors),
        "MeterValues": lambda: _report_meters(cp, outlets),
        "DiagnosticsStatusNotification": lambda: _quietly(
            cp.call("DiagnosticsStatusNotification", {"status": _diagnostics_now(cp)})
        ),
        "FirmwareStatusNotification": lambda: _quietly(
            cp.call("FirmwareStatusNotification", {"status": _firmware_now(cp)})
        ),
    }
    follow_up = follow_ups.get(message)
    if follow_up is None:
        return {"status": "NotImplemented"}
    cp.after_answer(follow_up())
    return dict(ACCEPTED)


def _firmware_now(cp: SimulatedCharger) -> str:
    """A triggered report says what is going on now: Idle unless an update is under way."""
    status = cp.device.firmware_status
    return status if status in ("Downloading", "Downloaded", "Installing") else "Idle"


def _diagnostics_now(cp: SimulatedCharger) -> str:
    return "Uploading" if cp.device.diagnostics_status == "Uploading" else "Idle"


async def _report_statuses(cp: SimulatedCharger, connectors: Iterable[int]) -> None:
    for connector in connectors:
        status = _current_status(cp, connector)
        if cp.protocol == V16:
            await _quietly(cp.status_notification(connector, status))
        else:
            await _quietly(cp.status_notification(1, status, evse_id=connector))


async def _report_meters(cp: SimulatedCharger, outlets: Iterable[int]) -> None:
    for outlet in outlets:
        active = cp.transaction_on(outlet)
        if cp.protocol == V16 and active is not None:
            assert isinstance(active.transaction_id, int)
            await _quietly(cp.meter_values(outlet, active.transaction_id, context="Trigger"))
        else:
            await _quietly(cp.meter_values(outlet, context="Trigger"))


async def send_local_list_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    device = cp.device
    if not device.flag("LocalAuthListEnabled"):
        return {"status": "NotSupported"}
    entries = {
        entry["idTag"]: entry.get("idTagInfo")
        for entry in payload.get("localAuthorizationList", [])
    }
    return {
        "status": _update_local_list(cp, payload["updateType"], payload["listVersion"], entries)
    }


def _update_local_list(
    cp: SimulatedCharger, update_type: str, version: int, entries: dict[str, Payload | None]
) -> str:
    """Full replaces the list; Differential adds/updates entries with info and removes those
    without, and must move the version forward."""
    device = cp.device
    limit = (
        device.number("SendLocalListMaxLength")
        if cp.protocol == V16
        else device.number(("LocalAuthListCtrlr", "ItemsPerMessage"))
    )
    if len(entries) > limit:
        return "Failed"
    if update_type == "Full":
        updated = {tag: info for tag, info in entries.items() if info is not None}
    else:
        if version <= device.local_list_version:
            return "VersionMismatch"
        updated = dict(device.local_list)
        for tag, info in entries.items():
            if info is None:
                updated.pop(tag, None)
            else:
                updated[tag] = info
    if cp.protocol == V16 and len(updated) > device.number("LocalAuthListMaxLength"):
        return "Failed"
    device.local_list = updated
    device.local_list_version = version
    return "Accepted"


async def get_local_list_version_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    # -1: this charger does not support (has disabled) the local authorization list.
    if not cp.device.flag("LocalAuthListEnabled"):
        return {"listVersion": -1}
    return {"listVersion": cp.device.local_list_version}


async def reserve_now_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    status = _reservation_verdict(cp, payload)
    if status != "Accepted":
        return {"status": status}
    device = cp.device
    previous = device.reservations.pop(payload["reservationId"], None)
    reservation = Reservation(
        payload["reservationId"],
        payload["connectorId"],
        payload["idTag"],
        _parse_time(payload["expiryDate"]),
        payload.get("parentIdTag"),
    )
    device.reservations[reservation.reservation_id] = reservation
    device.start_background(_expire(cp, reservation))

    async def report() -> None:
        if previous is not None and previous.connector_id not in (0, reservation.connector_id):
            await _settle(cp, previous.connector_id)
        if reservation.connector_id != 0:
            await cp.set_connector_status(reservation.connector_id, "Reserved")

    cp.after_answer(report())
    return dict(ACCEPTED)


def _reservation_verdict(cp: SimulatedCharger, payload: Payload) -> str:
    device = cp.device
    connector = payload["connectorId"]
    if connector == 0:
        zero_ok = device.flag("ReserveConnectorZeroSupported")
        return "Accepted" if zero_ok and device.is_operative(0) else "Rejected"
    if not device.knows(connector) or _parse_time(payload["expiryDate"]) <= datetime.now(UTC):
        return "Rejected"
    if not device.is_operative(connector):
        return "Unavailable"
    status = cp.connector_status.get(connector, "Available")
    if status == "Faulted":
        return "Faulted"
    existing = device.reservation_on(connector)
    taken = existing is not None and existing.reservation_id != payload["reservationId"]
    busy = cp.transaction_on(connector) is not None or connector in device.remote_sessions
    if taken or busy or status not in FREE_STATUSES:
        return "Occupied"
    return "Accepted"


async def _expire(cp: SimulatedCharger, reservation: Reservation) -> None:
    while (remaining := (reservation.expiry - datetime.now(UTC)).total_seconds()) > 0:
        await asyncio.sleep(min(remaining, 3600.0))
    if cp.device.reservations.get(reservation.reservation_id) is reservation:
        del cp.device.reservations[reservation.reservation_id]
        if reservation.connector_id != 0 and cp.transaction_on(reservation.connector_id) is None:
            await cp.set_connector_status(
                reservation.connector_id, _idle_status(cp, reservation.connector_id)
            )


async def cancel_reservation_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    reservation = cp.device.reservations.pop(payload["reservationId"], None)
    if reservation is None:
        return dict(REJECTED)
    if reservation.connector_id != 0 and cp.transaction_on(reservation.connector_id) is None:
        cp.after_answer(_settle(cp, reservation.connector_id))
    return dict(ACCEPTED)


async def data_transfer(cp: SimulatedCharger, payload: Payload) -> Payload:
    return {"status": "UnknownVendorId"}


async def get_diagnostics_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    file_name = f"diagnostics-{cp.charge_point_id}-{stamp}.log"[:255]
    cp.after_answer(_progress(cp, "diagnostics", ["Uploading", "Uploaded"]))
    return {"fileName": file_name}


async def update_firmware_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    # Starts at once rather than at retrieveDate: runs are accelerated.
    steps = ["Downloading", "Downloaded", "Installing", "Installed"]
    cp.after_answer(_progress(cp, "firmware", steps, new_version=_version_of(payload["location"])))
    return {}


async def refuse_update_firmware_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    cp.after_answer(_progress(cp, "firmware", ["Downloading", "DownloadFailed"]))
    return {}


def _version_of(location: str) -> str:
    name = location.rstrip("/").rsplit("/", 1)[-1] or location
    return name[:50]


async def _progress(
    cp: SimulatedCharger,
    job: Literal["firmware", "diagnostics"],
    steps: list[str],
    *,
    new_version: str | None = None,
) -> None:
    """Report a job's steps one after the other (accelerated); an installed firmware is the
    version the next boot reports."""
    if job == "firmware":
        action = "FirmwareStatusNotification"
    else:
        action = "DiagnosticsStatusNotification" if cp.protocol == V16 else "LogStatusNotification"
    for step in steps:
        await asyncio.sleep(cp.device.job_step_s)
        if job == "firmware":
            cp.device.firmware_status = step
        else:
            cp.device.diagnostics_status = step
        if step == "Installed" and new_version is not None:
            cp.identity = replace(cp.identity, firmware_version=new_version)
        await _quietly(cp.call(action, {"status": step}))


async def set_charging_profile_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    profile = payload["csChargingProfiles"]
    if not _profile_fits(cp, connector, profile):
        return dict(REJECTED)
    device = cp.device
    for installed in device.charging_profiles.values():
        installed[:] = [
            p for p in installed if p["chargingProfileId"] != profile["chargingProfileId"]
        ]
    on_connector = device.charging_profiles.setdefault(connector, [])
    on_connector[:] = [
        p
        for p in on_connector
        if (p["stackLevel"], p["chargingProfilePurpose"])
        != (profile["stackLevel"], profile["chargingProfilePurpose"])
    ]
    on_connector.append(profile)
    return dict(ACCEPTED)


def _profile_fits(cp: SimulatedCharger, connector: int, profile: Payload) -> bool:
    device = cp.device
    purpose = profile["chargingProfilePurpose"]
    schedule = profile["chargingSchedule"]
    units = {"A": "Current", "W": "Power"}
    installed = sum(len(p) for p in device.charging_profiles.values())
    active = cp.transaction_on(connector) if connector != 0 else None
    checks = [
        connector == 0 or device.knows(connector),
        purpose != "ChargePointMaxProfile" or connector == 0,
        purpose != "TxProfile" or active is not None,
        "transactionId" not in profile
        or (active is not None and profile["transactionId"] == active.transaction_id),
        profile["stackLevel"] <= device.number("ChargeProfileMaxStackLevel"),
        units[schedule["chargingRateUnit"]]
        in device.configuration["ChargingScheduleAllowedChargingRateUnit"].value.split(","),
        len(schedule["chargingSchedulePeriod"]) <= device.number("ChargingScheduleMaxPeriods"),
        installed < device.number("MaxChargingProfilesInstalled"),
    ]
    return all(checks)


async def clear_charging_profile_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    removed = 0
    for connector, profiles in cp.device.charging_profiles.items():
        kept = [p for p in profiles if not _clear_matches(connector, p, payload)]
        removed += len(profiles) - len(kept)
        profiles[:] = kept
    return {"status": "Accepted" if removed else "Unknown"}


def _clear_matches(connector: int, profile: Payload, criteria: Payload) -> bool:
    if "id" in criteria:
        return bool(profile["chargingProfileId"] == criteria["id"])
    wanted = {
        "connectorId": criteria.get("connectorId", connector),
        "chargingProfilePurpose": criteria.get(
            "chargingProfilePurpose", profile["chargingProfilePurpose"]
        ),
        "stackLevel": criteria.get("stackLevel", profile["stackLevel"]),
    }
    found = {**profile, "connectorId": connector}
    return all(found[key] == value for key, value in wanted.items())


async def get_composite_schedule_16(cp: SimulatedCharger, payload: Payload) -> Payload:
    connector = payload["connectorId"]
    if connector != 0 and not cp.device.knows(connector):
        return dict(REJECTED)
    duration = payload["duration"]
    profile = _active_profile(cp, connector)
    if profile is None:
        # No profile: the connector's own maximum all along.
        schedule: Payload = {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": round(cp.power_kw * 1000)}],
        }
    else:
        schedule = profile["chargingSchedule"]
    unit = str(payload.get("chargingRateUnit", schedule["chargingRateUnit"]))
    periods = [
        _in_unit(period, schedule["chargingRateUnit"], unit)
        for period in schedule["chargingSchedulePeriod"]
        if period["startPeriod"] < duration
    ]
    return {
        "status": "Accepted",
        "connectorId": connector,
        "scheduleStart": utc_timestamp(),
        "chargingSchedule": {
            "duration": duration,
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        },
    }


def _active_profile(cp: SimulatedCharger, connector: int) -> Payload | None:
    """The profile in force: a TxProfile, else a TxDefaultProfile (the connector's, else the
    charger's), else the ChargePointMaxProfile — the highest stack level of its purpose."""
    profiles = cp.device.charging_profiles
    own, shared = profiles.get(connector, []), profiles.get(0, [])
    for purpose, candidates in (
        ("TxProfile", own),
        ("TxDefaultProfile", own),
        ("TxDefaultProfile", shared),
        ("ChargePointMaxProfile", shared),
    ):
        matching = [p for p in candidates if p["chargingProfilePurpose"] == purpose]
        if matching:
            return max(matching, key=lambda p: int(p["stackLevel"]))
    return None


def _in_unit(period: Payload, unit: str, wanted: str) -> Payload:
    if unit == wanted:
        return dict(period)
    watts_per_amp = AC_PHASE_VOLTAGE_V * period.get("numberPhases", DEFAULT_PHASES)
    limit = period["limit"] * watts_per_amp if wanted == "W" else period["limit"] / watts_per_amp
    # Whole numbers: the schema wants multiples of 0.1, which floats rarely are exactly.
    return {**period, "limit": round(limit)}


# ----- OCPP 2.0.1 -------------------------------------------------------------------------


async def request_start_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    token = payload["idToken"]
    evse = _free_connector(cp, payload.get("evseId"), token["idToken"])
    profile = payload.get("chargingProfile")
    if evse is None or (
        profile is not None and profile.get("chargingProfilePurpose") != "TxProfile"
    ):
        return dict(REJECTED)
    session = RemoteSession(
        evse, token["idToken"], token["type"], remote_start_id=payload["remoteStartId"]
    )
    _start_remote_session(cp, session, profile)
    return dict(ACCEPTED)


async def request_stop_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    active = cp.find_transaction(payload["transactionId"])
    if active is None:
        return dict(REJECTED)
    cp.after_answer(_stop_transaction(cp, active, "Remote"))
    return dict(ACCEPTED)


async def reset_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    if "evseId" in payload:
        # Resetting a single EVSE is optional in 2.0.1; this charger resets only as a whole.
        return {"status": "Rejected", "statusInfo": {"reasonCode": "UnsupportedParam"}}
    if payload["type"] == "Immediate" or not cp.transactions:
        cp.after_answer(_reset(cp, "ImmediateReset"))
        return dict(ACCEPTED)

    async def when_idle() -> None:
        while cp.transactions:
            await asyncio.sleep(0.2)
        await cp.reboot()

    async def schedule() -> None:
        cp.device.start_background(when_idle())

    cp.after_answer(schedule())
    return {"status": "Scheduled"}


def _variable_problem(cp: SimulatedCharger, item: Payload) -> tuple[str, Setting | None]:
    """The attributeStatus a request for this component/variable gets, and the setting."""
    component, variable = item["component"], item["variable"]
    components = {name for name, _ in cp.device.variables}
    if component["name"] not in components or "evse" in component or "instance" in component:
        return "UnknownComponent", None
    setting = cp.device.variables.get((component["name"], variable["name"]))
    if setting is None or "instance" in variable:
        return "UnknownVariable", None
    if item.get("attributeType", "Actual") != "Actual":
        return "NotSupportedAttributeType", None
    return "Accepted", setting


def _variable_result(item: Payload, status: str) -> Payload:
    result: Payload = {
        "attributeStatus": status,
        "component": item["component"],
        "variable": item["variable"],
    }
    if "attributeType" in item:
        result["attributeType"] = item["attributeType"]
    return result


async def set_variables_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    results = []
    for item in payload["setVariableData"]:
        status, setting = _variable_problem(cp, item)
        if setting is not None:
            name = f"{item['component']['name']}.{item['variable']['name']}"
            value = setting.normalise(item["attributeValue"])
            if setting.readonly or value is None or not _side_effect(cp, name, value):
                status = "Rejected"
            else:
                setting.value = value
        results.append(_variable_result(item, status))
    return {"setVariableResult": results}


async def get_variables_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    results = []
    for item in payload["getVariableData"]:
        status, setting = _variable_problem(cp, item)
        result = _variable_result(item, status)
        if setting is not None:
            name = f"{item['component']['name']}.{item['variable']['name']}"
            result["attributeValue"] = _live_value(cp, name, setting.value)
        results.append(result)
    return {"getVariableResult": results}


def _refuse_each(key: str, results_key: str) -> Answer:
    async def refuse(cp: SimulatedCharger, payload: Payload) -> Payload:
        return {results_key: [_variable_result(item, "Rejected") for item in payload[key]]}

    return refuse


async def trigger_message_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    message = payload["requestedMessage"]
    evse = (payload.get("evse") or {}).get("id")
    if evse is not None and not cp.device.knows(evse):
        return dict(REJECTED)
    evses = [evse] if evse is not None else list(range(1, cp.connectors + 1))
    running = [t for t in cp.transactions.values() if t.connector_id in evses]
    follow_ups: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
        "BootNotification": lambda: _quietly(
            cp.call(
                "BootNotification",
                {**cp.profile.boot_notification(cp.identity), "reason": "Triggered"},
            )
        ),
        "Heartbeat": lambda: _quietly(cp.heartbeat()),
        "StatusNotification": lambda: _report_statuses(cp, evses),
        "MeterValues": lambda: _report_meters(cp, evses),
        "FirmwareStatusNotification": lambda: _quietly(
            cp.call("FirmwareStatusNotification", {"status": _firmware_now(cp)})
        ),
        "LogStatusNotification": lambda: _quietly(
            cp.call("LogStatusNotification", {"status": _diagnostics_now(cp)})
        ),
        "TransactionEvent": lambda: _report_transactions(cp, running),
    }
    follow_up = follow_ups.get(message)
    if follow_up is None:
        return {"status": "NotImplemented"}
    if message == "TransactionEvent" and not running:
        return dict(REJECTED)
    cp.after_answer(follow_up())
    return dict(ACCEPTED)


async def _report_transactions(cp: SimulatedCharger, running: list[ActiveTransaction]) -> None:
    for active in running:
        assert isinstance(active.transaction_id, str)
        await _quietly(
            cp.transaction_event(
                "Updated",
                transaction_id=active.transaction_id,
                evse_id=active.connector_id,
                trigger_reason="Trigger",
            )
        )


async def change_availability_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    evse = (payload.get("evse") or {}).get("id", 0)
    if evse != 0 and not cp.device.knows(evse):
        return dict(REJECTED)
    return _change_availability(cp, evse, payload["operationalStatus"] == "Operative")


async def unlock_connector_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    evse = payload["evseId"]
    if not cp.device.knows(evse) or payload["connectorId"] != 1:
        return {"status": "UnknownConnector"}
    if cp.transaction_on(evse) is not None:
        return {"status": "OngoingAuthorizedTransaction"}
    result = cp.device.unlock_result
    return {"status": result if result != "NotSupported" else "UnlockFailed"}


async def send_local_list_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    if not cp.device.flag(("LocalAuthListCtrlr", "Enabled")):
        return {"status": "Failed"}
    entries = {
        entry["idToken"]["idToken"]: entry.get("idTokenInfo")
        for entry in payload.get("localAuthorizationList", [])
    }
    status = _update_local_list(cp, payload["updateType"], payload["versionNumber"], entries)
    return {"status": status}


async def get_local_list_version_201(cp: SimulatedCharger, payload: Payload) -> Payload:
    return {"versionNumber": cp.device.local_list_version}


# ----- the tables -------------------------------------------------------------------------


COMMANDS: dict[str, dict[str, Command]] = {
    V16: {
        "RemoteStartTransaction": Command(remote_start_16, refusal(REJECTED)),
        "RemoteStopTransaction": Command(remote_stop_16, refusal(REJECTED)),
        "Reset": Command(reset_16, refusal(REJECTED)),
        "UnlockConnector": Command(unlock_connector_16, refusal({"status": "UnlockFailed"})),
        "ChangeAvailability": Command(change_availability_16, refusal(REJECTED)),
        "ChangeConfiguration": Command(change_configuration_16, refusal(REJECTED)),
        "GetConfiguration": Command(get_configuration_16, refuse_get_configuration_16),
        "ClearCache": Command(clear_cache, refusal(REJECTED)),
        "TriggerMessage": Command(trigger_message_16, refusal(REJECTED)),
        "SendLocalList": Command(send_local_list_16, refusal({"status": "Failed"})),
        "GetLocalListVersion": Command(get_local_list_version_16, refusal({"listVersion": -1})),
        "ReserveNow": Command(reserve_now_16, refusal(REJECTED)),
        "CancelReservation": Command(cancel_reservation_16, refusal(REJECTED)),
        "DataTransfer": Command(data_transfer, refusal(REJECTED)),
        "GetDiagnostics": Command(get_diagnostics_16, refusal({})),
        "UpdateFirmware": Command(update_firmware_16, refuse_update_firmware_16),
        "SetChargingProfile": Command(set_charging_profile_16, refusal(REJECTED)),
        "ClearChargingProfile": Command(clear_charging_profile_16, refusal({"status": "Unknown"})),
        "GetCompositeSchedule": Command(get_composite_schedule_16, refusal(REJECTED)),
    },
    V201: {
        "RequestStartTransaction": Command(request_start_201, refusal(REJECTED)),
        "RequestStopTransaction": Command(request_stop_201, refusal(REJECTED)),
        "Reset": Command(reset_201, refusal(REJECTED)),
        "SetVariables": Command(
            set_variables_201, _refuse_each("setVariableData", "setVariableResult")
        ),
        "GetVariables": Command(
            get_variables_201, _refuse_each("getVariableData", "getVariableResult")
        ),
        "TriggerMessage": Command(trigger_message_201, refusal(REJECTED)),
        "ChangeAvailability": Command(change_availability_201, refusal(REJECTED)),
        "UnlockConnector": Command(unlock_connector_201, refusal({"status": "UnlockFailed"})),
        "ClearCache": Command(clear_cache, refusal(REJECTED)),
        "SendLocalList": Command(send_local_list_201, refusal({"status": "Failed"})),
        "GetLocalListVersion": Command(get_local_list_version_201, refusal({"versionNumber": 0})),
        "DataTransfer": Command(data_transfer, refusal(REJECTED)),
    },
}


def _parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
