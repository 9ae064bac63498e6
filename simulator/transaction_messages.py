"""What a charger says about charging: authorization, transactions, meter readings.

The charger holds one `TransactionMessages` (`charger.charging`) and hands it what it needs of
the connection: `call` to send a CALL and `is_online` to tell whether messages go out now.
Transaction messages go through the charger's OfflineQueue, online or not.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from simulator.errors import CallErrorReceived, ConnectionLost, ResponseTimeout, SimulatorError
from simulator.frames import utc_timestamp
from simulator.meter import ConnectorMeter, MeterSample
from simulator.offline_queue import CallFunction, OfflineQueue, QueuedMessage
from simulator.protocols import (
    RFID_CARD,
    ConnectorRef,
    Ocpp16,
    Ocpp201,
    ProtocolProfile,
    authorization_status,
)
from simulator.session_log import record
from simulator.stats import Stats

# State of charge a DC session starts from (drawn uniformly).
DC_START_SOC_PERCENT = (10.0, 50.0)
# Default meter context of each TransactionEvent type.
EVENT_METER_CONTEXT = {
    "Started": "Transaction.Begin",
    "Updated": "Sample.Periodic",
    "Ended": "Transaction.End",
}
# 2.0.1 triggerReason of an Ended event, by stoppedReason.
ENDED_TRIGGERS = {
    "Local": "StopAuthorized",
    "EVDisconnected": "EVCommunicationLost",
    "Remote": "RemoteStop",
    "DeAuthorized": "Deauthorized",
    "EnergyLimitReached": "EnergyLimitReached",
    "TimeLimitReached": "TimeLimitReached",
    "ImmediateReset": "ResetCommand",
}

TransactionId = int | str
# Names the reservation a start on (connector, id tag) uses up, if any.
ReservationClaim = Callable[[int, str], int | None]


@dataclass
class ActiveTransaction:
    """A transaction the charger has started and not stopped yet."""

    # The id the caller holds: 1.6 the CSMS's id, or the placeholder while the start is queued.
    transaction_id: TransactionId
    connector_id: int
    id_tag: str | None
    meter_start_wh: int
    # 2.0.1: the seqNo of the next TransactionEvent.
    next_seq_no: int = 0


@dataclass(frozen=True)
class TransactionEventResult:
    transaction_id: str
    seq_no: int
    # The CSMS's answer; None while the event waits in the offline queue.
    response: dict[str, Any] | None
    offline: bool


def _no_reservation(connector_id: int, id_tag: str) -> int | None:
    return None


class TransactionMessages:
    """Authorize, StartTransaction, MeterValues, StopTransaction, TransactionEvent and
    StatusNotification of one charger, with the connector statuses and open transactions
    they change."""

    def __init__(
        self,
        charge_point_id: str,
        profile: ProtocolProfile,
        meters: dict[int, ConnectorMeter],
        offline_queue: OfflineQueue,
        stats: Stats,
        *,
        call: CallFunction,
        is_online: Callable[[], bool],
        claim_reservation: ReservationClaim = _no_reservation,
    ) -> None:
        """meters: one per connector (2.0.1: EVSE), numbered from 1. call sends a CALL and
        returns the answer; is_online tells whether messages go out now (else transaction
        messages queue up and others fail); claim_reservation picks the reservation a 1.6
        start uses when the caller names none."""
        self.charge_point_id = charge_point_id
        self.profile = profile
        self.protocol: str = profile.name
        self.connectors = len(meters)
        self.meters = meters
        self.offline_queue = offline_queue
        self.stats = stats
        # Last status of each connector (2.0.1: of each EVSE), reported again after reconnects.
        self.connector_status: dict[int, str] = {}
        # Open transactions by the id their starter holds.
        self.transactions: dict[TransactionId, ActiveTransaction] = {}
        self._call = call
        self._is_online = is_online
        self._claim_reservation = claim_reservation

    @property
    def is_online(self) -> bool:
        return self._is_online()

    def meter(self, connector_id: int) -> ConnectorMeter:
        """The energy meter of a connector (2.0.1: of an EVSE), numbered from 1."""
        try:
            return self.meters[connector_id]
        except KeyError:
            raise ValueError(
                f"{self.charge_point_id} has connectors 1..{self.connectors}, not {connector_id}"
            ) from None

    def find_transaction(self, transaction_id: TransactionId) -> ActiveTransaction | None:
        """An open transaction by its id, its 1.6 placeholder, or the id that replaced it."""
        active = self.transactions.get(transaction_id)
        if active is not None:
            return active
        for candidate in self.transactions.values():
            if self.offline_queue.same_transaction(candidate.transaction_id, transaction_id):
                return candidate
        return None

    def transaction_on(self, connector_id: int) -> ActiveTransaction | None:
        for active in self.transactions.values():
            if active.connector_id == connector_id:
                return active
        return None

    def forget_transaction(self, transaction_id: TransactionId) -> None:
        """Close a transaction locally without a stop message (the CSMS never had it)."""
        active = self.find_transaction(transaction_id)
        if active is not None:
            self.meter(active.connector_id).stop()
            del self.transactions[active.transaction_id]

    def resolve_transaction_id(self, transaction_id: TransactionId) -> TransactionId:
        """The CSMS's id for a 1.6 placeholder once its queued start was answered."""
        return self.offline_queue.resolve(transaction_id)

    def start_authorization(self, transaction_id: TransactionId) -> str | None:
        """The status the CSMS gave the transaction's start (1.6 idTagInfo, 2.0.1 idTokenInfo);
        None while unanswered, "Failed" when the start was given up."""
        return self.offline_queue.start_authorization(transaction_id)

    async def set_connector_status(self, connector_id: int, status: str) -> bool:
        """Remember a connector's (2.0.1: EVSE's) status and report it when online.

        Status changes while offline are not queued: the reconnect reports the current status.
        True when the CSMS acknowledged the notification.
        """
        self.connector_status[connector_id] = status
        if not self.is_online:
            return False
        payload = self.profile.status_notification(
            self.profile.outlet(connector_id), status, "NoError"
        )
        message = record("StatusNotification", payload)
        try:
            message.answer = await self._call("StatusNotification", payload)
        except (ConnectionLost, ResponseTimeout, CallErrorReceived):
            return False
        return True

    async def authorize(self, id_tag: str) -> dict[str, Any]:
        """Authorize an id tag (2.0.1: idToken of type ISO14443); return the answer.

        An answer other than Accepted is counted as an id tag rejection. Raises
        ConnectionLost when offline (Authorize is never queued).
        """
        if not self.is_online:
            raise ConnectionLost("not online")
        payload = self.profile.authorize(id_tag)
        message = record("Authorize", payload)
        response = await self._call("Authorize", payload)
        message.answer = response
        if authorization_status(response) != "Accepted":
            self.stats.id_tag_rejections += 1
        return response

    async def start_transaction(
        self,
        connector_id: int,
        id_tag: str,
        meter_start: int | None = None,
        reservation_id: int | None = None,
        *,
        timestamp: str | None = None,
    ) -> int:
        """OCPP 1.6 StartTransaction; returns the transaction id.

        That is the CSMS's id when it answered, or a negative placeholder while the message
        waits in the offline queue: later messages of the transaction may carry it, it is
        replaced on delivery (resolve_transaction_id() maps it once known). The connector's
        meter starts charging; meterStart defaults to its register. The idTagInfo status of
        the answer is in start_authorization(); a status other than Accepted is counted (the
        caller should stop with reason DeAuthorized, as run_session does).
        Without a reservation_id, a reservation the charger holds for the connector (or
        connector 0) and id tag is named and used up.
        Raises CallErrorReceived on a CALLERROR (then there is no transaction).
        """
        if reservation_id is None:
            reservation_id = self._claim_reservation(connector_id, id_tag)
        profile = self._edition(Ocpp16, "StartTransaction")
        meter = self.meter(connector_id)
        start_wh = int(meter.register_wh) if meter_start is None else meter_start
        meter.start(self._start_soc())
        placeholder = self.offline_queue.new_placeholder()
        payload = profile.start_transaction(
            connector_id, id_tag, start_wh, timestamp or utc_timestamp(), reservation_id
        )
        message = await self._submit("StartTransaction", payload, placeholder=placeholder)
        if isinstance(message.error, CallErrorReceived):
            meter.stop()
            raise message.error
        transaction_id = self.offline_queue.resolve(placeholder)
        assert isinstance(transaction_id, int)
        self.transactions[transaction_id] = ActiveTransaction(
            transaction_id, connector_id, id_tag, start_wh
        )
        return transaction_id

    async def meter_values(
        self,
        connector_id: int,
        transaction_id: int | None = None,
        energy_wh: float | None = None,
        *,
        context: str = "Sample.Periodic",
        sample: MeterSample | None = None,
    ) -> dict[str, Any] | None:
        """Send one MeterValues reading of a connector (2.0.1: EVSE).

        The reading comes from the connector's meter; energy_wh overrides its register,
        `sample` replaces the reading whole. With a (1.6) transaction_id this is a transaction
        message: queued while offline (returns None then) and delivered in order. Without
        one it is sent right away (ConnectionLost when offline). 2.0.1 reports readings of a
        transaction with transaction_event("Updated").
        """
        reading = sample or self.meter(connector_id).sample(context)
        if energy_wh is not None:
            reading = replace(reading, energy_wh=energy_wh)
        payload: dict[str, Any]
        if isinstance(self.profile, Ocpp201):
            if transaction_id is not None:
                raise SimulatorError(
                    "OCPP 2.0.1 reports transaction readings with transaction_event('Updated')"
                )
            payload = self.profile.meter_values(connector_id, reading)
        else:
            tx_id = None if transaction_id is None else self.resolve_transaction_id(transaction_id)
            assert tx_id is None or isinstance(tx_id, int)
            payload = self._edition(Ocpp16, "MeterValues").meter_values(
                connector_id, tx_id, reading
            )
        if transaction_id is None:
            if not self.is_online:
                raise ConnectionLost("not online")
            message = record("MeterValues", payload)
            message.answer = await self._call("MeterValues", payload)
            return message.answer
        return self._outcome(await self._submit("MeterValues", payload))

    async def stop_transaction(
        self,
        transaction_id: int,
        meter_stop: int | None = None,
        reason: str = "Local",
        id_tag: str | None = None,
        transaction_data: bool | list[dict[str, Any]] = True,
        *,
        timestamp: str | None = None,
    ) -> dict[str, Any] | None:
        """OCPP 1.6 StopTransaction; returns the answer, None while it waits in the queue.

        transaction_id may be the placeholder start_transaction returned. The connector's
        meter stops; meterStop defaults to its register, idTag to the tag that started the
        transaction. transaction_data=True adds the final reading (context Transaction.End),
        a list is sent as given, False sends none. Raises CallErrorReceived on a CALLERROR.
        """
        profile = self._edition(Ocpp16, "StopTransaction")
        active = self.find_transaction(transaction_id)
        final: MeterSample | None = None
        if active is not None:
            meter = self.meter(active.connector_id)
            meter.stop()
            final = meter.sample("Transaction.End")
            del self.transactions[active.transaction_id]
            id_tag = active.id_tag if id_tag is None else id_tag
        if meter_stop is None:
            if final is None:
                raise ValueError(f"unknown transaction {transaction_id}: give meter_stop")
            meter_stop = final.register_wh
        reading = replace(final or _register_reading(meter_stop), energy_wh=meter_stop)
        data = _readings(transaction_data, lambda: profile.meter_value(reading))
        tx_id = self.resolve_transaction_id(transaction_id)
        assert isinstance(tx_id, int)
        payload = profile.stop_transaction(
            tx_id, meter_stop, timestamp or utc_timestamp(), reason, id_tag, data
        )
        return self._outcome(await self._submit("StopTransaction", payload))

    def new_transaction_id(self) -> str:
        """A 2.0.1 transaction id: the charger makes them up (a UUID, the maximum 36 chars)."""
        return str(uuid.uuid4())

    async def transaction_event(
        self,
        event_type: str,
        *,
        transaction_id: str | None = None,
        evse_id: int = 1,
        connector_id: int = 1,
        trigger_reason: str | None = None,
        id_token: str | None = None,
        id_token_type: str = RFID_CARD,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        meter_value: bool | list[dict[str, Any]] = True,
        seq_no: int | None = None,
        reservation_id: int | None = None,
        remote_start_id: int | None = None,
        timestamp: str | None = None,
    ) -> TransactionEventResult:
        """OCPP 2.0.1 TransactionEvent (Started, Updated or Ended).

        Started makes up the transaction id unless given, starts the EVSE's meter and reports
        the evse; Ended stops the meter (stoppedReason defaults to Local). seqNo counts per
        transaction from 0. triggerReason defaults to Authorized / CablePluggedIn (Started,
        with / without id_token), MeterValuePeriodic (Updated), and a match for the stopped
        reason (Ended: Local -> StopAuthorized, EVDisconnected -> EVCommunicationLost, ...).
        meter_value=True adds a reading of the EVSE's meter (Transaction.Begin,
        Sample.Periodic, Transaction.End), a list is sent as given. Events created while
        offline carry offline: true and wait in the queue (response None).
        Raises CallErrorReceived on a CALLERROR.
        """
        profile = self._edition(Ocpp201, "TransactionEvent")
        starting = False
        if event_type not in EVENT_METER_CONTEXT:
            raise ValueError(f"eventType must be one of {', '.join(EVENT_METER_CONTEXT)}")
        meter = self.meter(evse_id)
        if event_type == "Started":
            transaction_id = transaction_id or self.new_transaction_id()
            starting = transaction_id not in self.transactions
            if starting:
                self.transactions[transaction_id] = ActiveTransaction(
                    transaction_id, evse_id, id_token, int(meter.register_wh)
                )
        elif transaction_id is None:
            raise ValueError(f"a {event_type} event needs the transaction_id")
        active = self.transactions.get(transaction_id)
        if seq_no is None:
            seq_no = active.next_seq_no if active is not None else 0
        if active is not None:
            active.next_seq_no = max(active.next_seq_no, seq_no + 1)
        if event_type == "Ended":
            meter.stop()
            stopped_reason = stopped_reason or "Local"
            if charging_state is None:
                charging_state = "Idle" if stopped_reason == "EVDisconnected" else "EVConnected"
        trigger_reason = trigger_reason or _default_trigger(event_type, id_token, stopped_reason)
        readings = _readings(
            meter_value, lambda: profile.meter_value(meter.sample(EVENT_METER_CONTEXT[event_type]))
        )
        if event_type == "Started" and starting:
            # After the begin reading, which shows the register the transaction starts from.
            meter.start(self._start_soc())
        offline = not self.is_online
        payload = profile.transaction_event(
            event_type,
            transaction_id=transaction_id,
            seq_no=seq_no,
            trigger_reason=trigger_reason,
            timestamp=timestamp or utc_timestamp(),
            evse=ConnectorRef(connector_id, evse_id) if event_type == "Started" else None,
            id_tag=id_token,
            id_token_type=id_token_type,
            charging_state=charging_state,
            stopped_reason=stopped_reason,
            meter_value=readings,
            offline=offline,
            reservation_id=reservation_id,
            remote_start_id=remote_start_id,
        )
        if event_type == "Ended" and active is not None:
            del self.transactions[transaction_id]
        message = await self._submit("TransactionEvent", payload, offline=offline)
        if isinstance(message.error, CallErrorReceived):
            if event_type == "Started":
                self.forget_transaction(transaction_id)
            raise message.error
        return TransactionEventResult(transaction_id, seq_no, message.response, offline)

    async def _submit(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        placeholder: int | None = None,
        offline: bool | None = None,
    ) -> QueuedMessage:
        if offline is None:
            offline = not self.is_online
        message = QueuedMessage(action, payload, offline, placeholder)
        record(action, payload, message)
        return await self.offline_queue.submit(message)

    @staticmethod
    def _outcome(message: QueuedMessage) -> dict[str, Any] | None:
        # Only the CSMS's own refusal reaches the caller; other give-ups are counted errors.
        if isinstance(message.error, CallErrorReceived):
            raise message.error
        return message.response

    def _edition(self, edition: type[_Edition], action: str) -> _Edition:
        if not isinstance(self.profile, edition):
            raise SimulatorError(f"{action} does not exist in {self.protocol}")
        return self.profile

    def _start_soc(self) -> float:
        return random.uniform(*DC_START_SOC_PERCENT)


_Edition = TypeVar("_Edition", Ocpp16, Ocpp201)


def _default_trigger(event_type: str, id_token: str | None, stopped_reason: str | None) -> str:
    if event_type == "Started":
        return "Authorized" if id_token is not None else "CablePluggedIn"
    if event_type == "Updated":
        return "MeterValuePeriodic"
    return ENDED_TRIGGERS.get(stopped_reason or "Local", "AbnormalCondition")


def _readings(
    given: bool | list[dict[str, Any]], read: Callable[[], dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """True: one reading taken now; a list: those readings as given; False / empty: none."""
    if given is True:
        return [read()]
    return list(given) if given else None


def _register_reading(energy_wh: int) -> MeterSample:
    """A reading without power flowing, for a transaction this charger did not start."""
    return MeterSample(
        timestamp=utc_timestamp(),
        energy_wh=energy_wh,
        power_w=0.0,
        dc=False,
        voltage_v=0.0,
        current_a=0.0,
        soc_percent=None,
        context="Transaction.End",
    )
