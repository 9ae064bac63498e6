"""OCPP handlers for authorization and transactions (1.6 and 2.0.1) on the shared session model."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.models.transaction import IdTagInfo, TransactionRecord
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports import TransactionEventLog
from shared.timeutil import iso_utc, parse_timestamp, to_epoch_ms
from shared.transactions.authorization import Authorizer, id_tag_info_v16, id_token_info_v201
from shared.transactions.meter import register_for
from shared.transactions.sessions import SessionService

Payload = dict[str, Any]

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
        return {"idTagInfo": id_tag_info_v16(self._info(ctx, payload.get("idTag")))}

    def start_transaction(self, ctx: MessageContext, payload: Payload) -> Payload:
        info = self._info(ctx, payload.get("idTag"))
        transaction_id = self.sessions.start_v16(
            *_origin(ctx),
            connector_id=int(payload["connectorId"]),
            id_tag=str(payload["idTag"]),
            meter_start=int(payload["meterStart"]),
            started=parse_timestamp(payload.get("timestamp")) or ctx.received_at,
            reservation_id=payload.get("reservationId"),
            authorization_status=info.status,
        )
        reservation_id = payload.get("reservationId")
        if reservation_id is not None and self.reservation_used is not None:
            self.reservation_used(ctx.charge_point_id, int(reservation_id), str(transaction_id))
        # The charger decides from idTagInfo whether to go on (StopTransactionOnInvalidId).
        return {"transactionId": transaction_id, "idTagInfo": id_tag_info_v16(info)}

    def stop_transaction(self, ctx: MessageContext, payload: Payload) -> Payload:
        transaction_id = str(payload["transactionId"])
        transaction_data = payload.get("transactionData")
        if transaction_data:
            self.sessions.meter_values(
                *_origin(ctx), "StopTransaction", transaction_data, transaction_id=transaction_id
            )
        id_tag = payload.get("idTag")
        # Always acknowledged, also for unknown transactions: a rejected stop jams the queue.
        self.sessions.stop(
            *_origin(ctx),
            transaction_id,
            meter_stop=int(payload["meterStop"]),
            stopped=parse_timestamp(payload.get("timestamp")) or ctx.received_at,
            reason=str(payload.get("reason") or DEFAULT_STOP_REASON),
            id_tag=id_tag,
        )
        if id_tag is None:
            return {}
        return {"idTagInfo": id_tag_info_v16(self._info(ctx, id_tag))}

    def meter_values_v16(self, ctx: MessageContext, payload: Payload) -> Payload:
        transaction_id = payload.get("transactionId")
        self.sessions.meter_values(
            *_origin(ctx),
            "MeterValues",
            payload["meterValue"],
            connector_id=int(payload["connectorId"]),
            transaction_id=str(transaction_id) if transaction_id is not None else None,
        )
        return {}

    # OCPP 2.0.1

    def authorize_v201(self, ctx: MessageContext, payload: Payload) -> Payload:
        token = payload.get("idToken") or {}
        return {"idTokenInfo": id_token_info_v201(self._info(ctx, token.get("idToken")))}

    def meter_values_v201(self, ctx: MessageContext, payload: Payload) -> Payload:
        self.sessions.meter_values(
            *_origin(ctx), "MeterValues", payload["meterValue"], evse_id=int(payload["evseId"])
        )
        return {}

    def transaction_event(self, ctx: MessageContext, payload: Payload) -> Payload:
        info = payload["transactionInfo"]
        transaction_id = str(info["transactionId"])
        event_type = payload["eventType"]
        meter_values = payload.get("meterValue") or []
        token = (payload.get("idToken") or {}).get("idToken")
        response: Payload = {}
        if token:
            response["idTokenInfo"] = id_token_info_v201(self._info(ctx, token))

        # Periodic meter updates only carry absolute register readings: a duplicate changes
        # nothing, so they cost one Kinesis record and no de-duplication write. Everything
        # that changes the session is de-duplicated on (station, transactionId, seqNo).
        periodic = event_type == "Updated" and payload.get("triggerReason") == "MeterValuePeriodic"
        if not periodic and not self.event_log.first_time(
            ctx.charge_point_id,
            transaction_id,
            int(payload["seqNo"]),
            int(time.time()) + TRANSACTION_EVENT_RETENTION_S,
        ):
            return response

        evse = payload.get("evse") or {}
        evse_id = evse.get("id")
        connector_id = evse.get("connectorId")
        if meter_values:
            self.sessions.meter_values(
                *_origin(ctx),
                "TransactionEvent",
                meter_values,
                connector_id=connector_id,
                evse_id=evse_id,
                transaction_id=transaction_id,
            )
        at = parse_timestamp(payload.get("timestamp")) or ctx.received_at
        if event_type == "Started":
            self.sessions.start_v201(
                TransactionRecord(
                    charge_point_id=ctx.charge_point_id,
                    transaction_id=transaction_id,
                    status="active",
                    protocol=ctx.version.value,
                    evse_id=evse_id,
                    connector_id=connector_id,
                    id_tag=token,
                    meter_start_wh=register_for(meter_values, "Transaction.Begin", last=False),
                    started_at=iso_utc(at),
                    started_at_ms=to_epoch_ms(at),
                    reservation_id=payload.get("reservationId"),
                    authorization_status=response.get("idTokenInfo", {}).get("status"),
                    remote_start_id=info.get("remoteStartId"),
                    received_at=iso_utc(ctx.received_at),
                )
            )
        elif event_type == "Ended":
            self.sessions.stop(
                *_origin(ctx),
                transaction_id,
                meter_stop=register_for(meter_values, "Transaction.End", last=True),
                stopped=at,
                reason=str(info.get("stoppedReason") or DEFAULT_STOP_REASON),
                id_tag=token,
            )
        return response
