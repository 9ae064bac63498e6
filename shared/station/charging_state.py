"""Whether a 2.0.1 connector charges: the chargingState of its session's TransactionEvents.

A 2.0.1 StatusNotification says only `Occupied` while a car is plugged in, charging or not; the
station says whether energy flows in TransactionEvent's `transactionInfo.chargingState`
(Charging, SuspendedEV, SuspendedEVSE, EVConnected, Idle). The state is kept on the connector's
item beside its status, so the fleet's state rule (shared/station/fleet.py) reads it with the
status, at no extra read.

When it is written: a TransactionEvent that carries a chargingState, but not a periodic meter
update (the spec sends the state when it changes, and a station that repeats it in every
periodic update would otherwise cost a write a minute); and every Ended event, which stores
the state it names (EVConnected, Idle) or none: a session that ended charges no more. The
connector is the event's `evse`, or the session's when the event names none (later events need
not): the session an end stopped, as its handler already read it, else one strongly consistent
GetItem of the session; an EVSE without a connector id is its connector 1.

Idempotent and order-proof: the write is conditional on the moment the state is as of (the
event's timestamp, never later than its receipt: a station clock ahead cannot pin a state), so
a resent or late event older than the stored state changes nothing. It is display state: a
failed write is logged and counted, and the TransactionEvent is acknowledged all the same (the
next change writes again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from shared.models.connection import CHARGING_STATES
from shared.models.transaction import TransactionRecord
from shared.observability import count_metric
from shared.ocpp.fields import as_object, optional_id
from shared.ocpp.router import MessageContext
from shared.ports import ConnectorRepository, TransactionRepository
from shared.timeutil import parse_timestamp, to_epoch_ms

logger = logging.getLogger("csms.station.charging_state")

Payload = dict[str, Any]

# OCPP 2.0.1 ChargingStateEnumType.
ALL_STATES = CHARGING_STATES | {"EVConnected", "Idle"}
DEFAULT_CONNECTOR = 1


@dataclass
class ChargingStates:
    connectors: ConnectorRepository
    transactions: TransactionRepository

    def record(
        self, ctx: MessageContext, payload: Payload, session: TransactionRecord | None = None
    ) -> None:
        """Store the state the event names, if any (after the TransactionEvent's handler,
        which passes the session it has read when it stopped one); never raises."""
        try:
            self._record(ctx, payload, session)
        except Exception:
            logger.exception(
                "charging state not stored",
                extra={"chargePointId": ctx.charge_point_id},
            )
            count_metric("ChargingStateLost", {})

    def _record(
        self, ctx: MessageContext, payload: Payload, session: TransactionRecord | None
    ) -> None:
        info = as_object(payload.get("transactionInfo"))
        named = info.get("chargingState")
        state = named if named in ALL_STATES else None
        if payload.get("eventType") == "Ended":
            # Whatever an end names, nothing charges in the session any more.
            state = None if state in CHARGING_STATES else state
        elif state is None or payload.get("triggerReason") == "MeterValuePeriodic":
            return
        where = self._connector(ctx, payload, info.get("transactionId"), session)
        if where is None:
            return
        evse_id, connector_id = where
        at = parse_timestamp(payload.get("timestamp")) or ctx.received_at
        at_ms = min(to_epoch_ms(at), to_epoch_ms(ctx.received_at))
        self.connectors.record_charging_state(
            ctx.charge_point_id, f"{evse_id}/{connector_id}", state, at_ms
        )

    def _connector(
        self,
        ctx: MessageContext,
        payload: Payload,
        transaction_id: Any,
        session: TransactionRecord | None,
    ) -> tuple[int, int] | None:
        evse = as_object(payload.get("evse"))
        evse_id = optional_id(evse.get("id"))
        connector_id = optional_id(evse.get("connectorId"))
        if evse_id is None and session is None and isinstance(transaction_id, str):
            session = self.transactions.get(ctx.charge_point_id, transaction_id)
        if evse_id is None and session is not None:
            evse_id, connector_id = session.evse_id, session.connector_id
        if evse_id is None:
            return None  # a session never placed on an EVSE: nothing to show it on
        return evse_id, connector_id if connector_id is not None else DEFAULT_CONNECTOR
