"""OCPP handlers for authorization and transactions (1.6 and 2.0.1) on the shared session model."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared.models.telemetry import TelemetrySource
from shared.models.transaction import ANOMALY_METER_UNUSABLE, IdTagInfo, TransactionRecord
from shared.observability import count_metric
from shared.ocpp.errors import ErrorKind, OcppError
from shared.ocpp.fields import (
    as_integer,
    as_list,
    as_object,
    integer,
    meter_wh,
    optional_id,
    optional_integer,
    optional_text,
    text,
)
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import TransactionEventLog
from shared.timeutil import iso_utc, parse_timestamp, to_epoch_ms
from shared.transactions.authorization import Authorizer, id_tag_info_v16, id_token_info_v201
from shared.transactions.costs import StationCosts
from shared.transactions.meter import register_for
from shared.transactions.sessions import SessionService

logger = logging.getLogger("csms.transactions.handlers")

Payload = dict[str, Any]
# seqNo is stored as the de-duplication key: a number DynamoDB holds.
MAX_SEQ_NO = 2**63 - 1

# How long (station, transaction, seqNo) is remembered: longer than any charger's offline queue.
TRANSACTION_EVENT_RETENTION_S = 35 * 24 * 3600
DEFAULT_STOP_REASON = "Local"


def _origin(ctx: MessageContext) -> tuple[str, str, datetime]:
    """Who sent a message, in which protocol, when: what the session service is told."""
    return ctx.charge_point_id, ctx.version.value, ctx.received_at


@dataclass
class TransactionHandlers:
    authorizer: Authorizer
    sessions: SessionService
    event_log: TransactionEventLog
    # (charger, reservation id, transaction id) -> consumed; None when reservations are off.
    reservation_used: Callable[[str, int, str], bool] | None = None
    # C07: (Authorize payload, answer, when) -> the answer with the contract certificate's
    # verdict (shared/access/contract_certificates.py); None: certificates are not checked.
    contract_certificates: Callable[[Payload, Payload, datetime], Payload] | None = None
    # Price and cost for 2.0.1 stations (block I); None: the station is told no price.
    costs: StationCosts | None = None
    # After each 2.0.1 TransactionEvent: (context, payload, the session the event stopped or
    # None) -> its connector's charging state stored (shared/station/charging_state.py).
    charging_state: Callable[[MessageContext, Payload, TransactionRecord | None], None] | None = (
        None
    )

    def register(self, router: Router) -> None:
        v16, v201 = OcppVersion.V16, OcppVersion.V201
        router.route(v16, "Authorize", self.authorize_v16)
        router.route(v16, "StartTransaction", self.start_transaction)
        router.route(v16, "StopTransaction", self.stop_transaction)
        router.route(v16, "MeterValues", self.meter_values_v16)
        router.route(v201, "Authorize", self.authorize_v201)
        router.route(v201, "TransactionEvent", self.transaction_event)
        router.route(v201, "MeterValues", self.meter_values_v201)

    def _info(self, ctx: MessageContext, id_tag: str | None) -> IdTagInfo:
        return self.authorizer.id_tag_info(id_tag, ctx.received_at)

    # OCPP 1.6

    def authorize_v16(self, ctx: MessageContext, payload: Payload) -> Payload:
        id_tag = text(payload, "idTag")
        return {"idTagInfo": id_tag_info_v16(self._info(ctx, id_tag))}

    def start_transaction(self, ctx: MessageContext, payload: Payload) -> Payload:
        id_tag = text(payload, "idTag")
        info = self._info(ctx, id_tag)
        meter_start = meter_wh(payload.get("meterStart"))
        reservation_id = optional_integer(payload, "reservationId")
        transaction_id = self.sessions.start_v16(
            *_origin(ctx),
            connector_id=integer(payload, "connectorId"),
            id_tag=id_tag,
            meter_start=meter_start,
            started=parse_timestamp(payload.get("timestamp")) or ctx.received_at,
            reservation_id=reservation_id,
            authorization_status=info.status,
            anomaly=ANOMALY_METER_UNUSABLE if meter_start is None else None,
        )
        if reservation_id is not None and self.reservation_used is not None:
            self.reservation_used(ctx.charge_point_id, reservation_id, str(transaction_id))
        # The charger decides from idTagInfo whether to go on (StopTransactionOnInvalidId).
        return {"transactionId": transaction_id, "idTagInfo": id_tag_info_v16(info)}

    def stop_transaction(self, ctx: MessageContext, payload: Payload) -> Payload:
        transaction_id = text(payload, "transactionId")
        id_tag = optional_text(payload, "idTag")
        meter_stop = meter_wh(payload.get("meterStop"))
        # Always acknowledged, also for unknown transactions: a rejected stop jams the queue.
        # The stop is stored first: the readings that come with it must not hold it up.
        self.sessions.stop(
            *_origin(ctx),
            transaction_id,
            meter_stop=meter_stop,
            stopped=parse_timestamp(payload.get("timestamp")) or ctx.received_at,
            reason=text(payload, "reason") or DEFAULT_STOP_REASON,
            id_tag=id_tag,
            anomaly=ANOMALY_METER_UNUSABLE if meter_stop is None else None,
        )
        transaction_data = payload.get("transactionData")
        if transaction_data and isinstance(transaction_data, list):
            self._telemetry_after_stop(
                ctx, "StopTransaction", transaction_data, transaction_id=transaction_id
            )
        if id_tag is None:
            return {}
        return {"idTagInfo": id_tag_info_v16(self._info(ctx, id_tag))}

    def meter_values_v16(self, ctx: MessageContext, payload: Payload) -> Payload:
        transaction_id = payload.get("transactionId")
        self.sessions.meter_values(
            *_origin(ctx),
            "MeterValues",
            as_list(payload.get("meterValue")),
            connector_id=optional_id(payload.get("connectorId")),
            transaction_id=text(payload, "transactionId") if transaction_id is not None else None,
        )
        return {}

    # OCPP 2.0.1

    def authorize_v201(self, ctx: MessageContext, payload: Payload) -> Payload:
        id_tag = _id_token(payload)
        response = {"idTokenInfo": id_token_info_v201(self._info(ctx, id_tag))}
        if self.contract_certificates is not None:
            return self.contract_certificates(payload, response, ctx.received_at)
        return response

    def meter_values_v201(self, ctx: MessageContext, payload: Payload) -> Payload:
        self.sessions.meter_values(
            *_origin(ctx),
            "MeterValues",
            as_list(payload.get("meterValue")),
            evse_id=optional_id(payload.get("evseId")),
        )
        return {}

    def transaction_event(self, ctx: MessageContext, payload: Payload) -> Payload:
        info = payload.get("transactionInfo")
        if not isinstance(info, dict) or info.get("transactionId") is None:
            raise OcppError(
                ErrorKind.TYPE_CONSTRAINT_VIOLATION,
                "transactionInfo must be an object with a transactionId",
                {"path": "transactionInfo"},
            )
        transaction_id = text(info, "transactionId")
        event_type = text(payload, "eventType")
        meter_values = as_list(payload.get("meterValue"))
        token = _id_token(payload)
        response: Payload = {}
        owner: str | None = None  # the driver whose tag it is
        if token:
            token_info = self._info(ctx, token)
            owner = token_info.owner_id
            response["idTokenInfo"] = id_token_info_v201(token_info)

        # Periodic meter updates only carry absolute register readings: a duplicate changes
        # nothing, so they cost one Kinesis record and no de-duplication. Everything else is
        # de-duplicated on (station, transactionId, seqNo): the marker is written after the
        # work (a retry after a fault does the work again; each step is idempotent), and a
        # marked event is answered without doing anything again.
        periodic = event_type == "Updated" and payload.get("triggerReason") == "MeterValuePeriodic"
        seq_no = as_integer(payload.get("seqNo"))
        if periodic or seq_no is None or not 0 <= seq_no <= MAX_SEQ_NO:
            seq_no = None  # no usable key: processed (idempotently) without de-duplication
        elif self.event_log.seen(ctx.charge_point_id, transaction_id, seq_no):
            self._record_charging_state(ctx, payload, None)
            return response | self._resent_cost_fields(ctx, transaction_id, event_type)

        evse = as_object(payload.get("evse"))
        evse_id = optional_id(evse.get("id"))
        connector_id = optional_id(evse.get("connectorId"))
        at = parse_timestamp(payload.get("timestamp")) or ctx.received_at
        # The session as this event left it, when it may be priced (None: it is not).
        priced: TransactionRecord | None = None
        if event_type == "Started":
            meter_start = register_for(meter_values, "Transaction.Begin", last=False)
            priced = self._start(
                ctx,
                owner,
                TransactionRecord(
                    charge_point_id=ctx.charge_point_id,
                    transaction_id=transaction_id,
                    status="active",
                    protocol=ctx.version.value,
                    evse_id=evse_id,
                    connector_id=connector_id,
                    id_tag=token,
                    meter_start_wh=meter_start,
                    started_at=iso_utc(at),
                    started_at_ms=to_epoch_ms(at),
                    reservation_id=optional_id(payload.get("reservationId")),
                    authorization_status=response.get("idTokenInfo", {}).get("status"),
                    remote_start_id=optional_id(info.get("remoteStartId")),
                    received_at=iso_utc(ctx.received_at),
                ),
            )
        elif event_type == "Updated" and token:
            status = response["idTokenInfo"]["status"]
            priced = self._token_presented(ctx, transaction_id, token, status, owner)
        stopped: TransactionRecord | None = None
        if event_type == "Ended":
            priced = stopped = self._stop(
                ctx,
                transaction_id,
                meter_stop=register_for(meter_values, "Transaction.End", last=True),
                stopped=at,
                reason=text(info, "stoppedReason") or DEFAULT_STOP_REASON,
                id_tag=token,
            )
        # 2.0.1 names the reservation in whichever event the station first knows it (H01): it
        # is consumed by a conditional write, so a resent or repeated event changes nothing.
        reservation_id = optional_id(payload.get("reservationId"))
        if reservation_id is not None and self.reservation_used is not None:
            self.reservation_used(ctx.charge_point_id, reservation_id, transaction_id)
        if meter_values and event_type == "Ended":
            self._telemetry_after_stop(
                ctx,
                "TransactionEvent",
                meter_values,
                transaction_id=transaction_id,
                connector_id=connector_id,
                evse_id=evse_id,
            )
        elif meter_values:
            self.sessions.meter_values(
                *_origin(ctx),
                "TransactionEvent",
                meter_values,
                transaction_id=transaction_id,
                connector_id=connector_id,
                evse_id=evse_id,
            )
        if seq_no is not None:
            self.event_log.record(
                ctx.charge_point_id,
                transaction_id,
                seq_no,
                int(time.time()) + TRANSACTION_EVENT_RETENTION_S,
            )
        if priced is not None and priced.tariff_id is not None:
            response |= self._cost_fields(ctx, transaction_id, priced)
        self._record_charging_state(ctx, payload, stopped)
        return response

    def _record_charging_state(
        self, ctx: MessageContext, payload: Payload, stopped: TransactionRecord | None
    ) -> None:
        if self.charging_state is not None:
            self.charging_state(ctx, payload, stopped)

    def _start(
        self, ctx: MessageContext, owner: str | None, record: TransactionRecord
    ) -> TransactionRecord | None:
        """Store a 2.0.1 start, priced when a tariff applies; the priced session (None: not
        priced). A replay's stored session may carry an earlier version: it is read then."""
        started = self._priced(record, owner)
        fresh = self.sessions.start_v201(started)
        if started.tariff_id is None:
            return None
        return started if fresh else self._stored(ctx, record.transaction_id)

    def _stop(
        self, ctx: MessageContext, transaction_id: str, **stop: Any
    ) -> TransactionRecord | None:
        """Store a 2.0.1 end; the stopped session (None: an orphan, not priced)."""
        stopped = self.sessions.stop(*_origin(ctx), transaction_id, **stop)
        if stopped is not None and not stopped.stopped:  # a parallel copy stopped it first
            return self._stored(ctx, transaction_id)
        return stopped

    def _token_presented(
        self,
        ctx: MessageContext,
        transaction_id: str,
        token: str,
        status: str,
        owner: str | None,
    ) -> TransactionRecord | None:
        """A token after a cable-first start (E02) makes the session its owner's: a driver's
        session is then priced like one that started with the token (the settlement prices
        it), and the station told its price; the priced session (None: not priced)."""
        session = self.sessions.token_presented(ctx.charge_point_id, transaction_id, token, status)
        if session is None or session.stopped or self.costs is None or owner is None:
            return None
        priced = self._priced(session, owner)
        if priced.tariff_id is None or priced.tariff_version is None:
            return None
        if not self.sessions.transactions.record_tariff(
            ctx.charge_point_id, transaction_id, priced.tariff_id, priced.tariff_version
        ):
            return None  # priced meanwhile, or stopped
        return priced

    def _priced(self, record: TransactionRecord, owner: str | None) -> TransactionRecord:
        """A starting session with the tariff version it is priced with, stored with its start
        (the settlement prices the same version). A price that cannot be found never holds up
        a start: the session is then not priced."""
        if self.costs is None or record.id_tag is None or owner is None:
            return record  # only a driver's session is priced (and settled)
        try:
            tariff = self.costs.tariff_of(record, owner)
        except Exception:
            logger.exception(
                "tariff of a starting session not found: the station is told no price",
                extra={"chargePointId": record.charge_point_id},
            )
            return record
        if tariff is None:
            return record
        return replace(record, tariff_id=tariff.tariff_id, tariff_version=tariff.version)

    def _stored(self, ctx: MessageContext, transaction_id: str) -> TransactionRecord | None:
        """The stored session, for its price only: a failed read leaves the price out."""
        try:
            return self.sessions.transactions.get(ctx.charge_point_id, transaction_id)
        except Exception:
            logger.exception(
                "session not read: the event is acknowledged without its price",
                extra={"chargePointId": ctx.charge_point_id, "transactionId": transaction_id},
            )
            return None

    def _resent_cost_fields(
        self, ctx: MessageContext, transaction_id: str, event_type: str
    ) -> Payload:
        """A resent Started or Ended is answered with the price as the first copy was."""
        if event_type not in ("Started", "Ended"):
            return {}
        return self._cost_fields(ctx, transaction_id, None)

    def _cost_fields(
        self, ctx: MessageContext, transaction_id: str, session: TransactionRecord | None
    ) -> Payload:
        """The price text while a priced session runs (I01) and its final cost at the end
        (I03), also for a resent event (`session` None: read again); never an error in place
        of the acknowledgement."""
        if self.costs is None:
            return {}
        try:
            return self.costs.answer_fields(ctx.charge_point_id, transaction_id, session)
        except Exception:
            logger.exception(
                "cost of a session not computed: the event is acknowledged without it",
                extra={"chargePointId": ctx.charge_point_id, "transactionId": transaction_id},
            )
            return {}

    def _telemetry_after_stop(
        self, ctx: MessageContext, source: TelemetrySource, meter_values: list[Any], **where: Any
    ) -> None:
        """The readings sent with a stop, after the stop is stored. A telemetry outage never
        holds up a stop: the readings are logged as lost and the stop is acknowledged."""
        try:
            self.sessions.meter_values(*_origin(ctx), source, meter_values, **where)
        except Exception:
            logger.exception(
                "readings sent with a stop not stored; the stop is",
                extra={"chargePointId": ctx.charge_point_id, "source": source},
            )
            count_metric("TelemetryRecordsLost", {})


def _id_token(payload: Payload) -> str | None:
    """The 2.0.1 idToken string, if the payload holds one."""
    token = as_object(payload.get("idToken")).get("idToken")
    return token if isinstance(token, str) else None
