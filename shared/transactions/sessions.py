"""Charging sessions: start, stop, replacement and orphans, for OCPP 1.6 and 2.0.1.

Replays are normal (chargers empty an offline queue; a lost response makes them resend), and
the same message may be processed by two Lambdas at once. Every rule here is therefore a
conditional write whose condition makes the second copy a no-op:

- 1.6 transaction ids are derived from the start's fingerprint (charger, connector, idTag,
  meterStart, timestamp), so both copies of a replayed start compute the same id and only one
  conditional create succeeds; the other finds its own fingerprint there and answers the same
  id. A different fingerprint under the same id (a 31-bit collision within one charger) moves
  on to the next candidate id. No counter, no global hot key: ids are unique per charger.
- A stop writes only if the session has no stop yet; fields written at start never change, so
  reading them first is safe.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared.models.domain_events import (
    TRANSACTION_ORPHAN_STOP,
    TRANSACTION_REPLACED,
    TRANSACTION_STARTED,
    TRANSACTION_STOPPED,
    DomainEvent,
)
from shared.models.telemetry import TelemetryRecord, TelemetrySource
from shared.models.transaction import ANOMALY_METER_DECREASED, TransactionRecord
from shared.observability import count_metric, emit_metric
from shared.ports import EventPublisher, TelemetrySink, TransactionRepository, publish_safely
from shared.timeutil import iso_utc, parse_timestamp, to_epoch_ms, utc_now

logger = logging.getLogger("csms.transactions.sessions")

MAX_TRANSACTION_ID = 2**31 - 1  # a signed 32-bit integer: what 1.6 chargers can store


def candidate_transaction_ids(fingerprint: str) -> Iterator[int]:
    """Deterministic candidates from the fingerprint, then random ones (collisions only)."""
    digest = hashlib.sha256(fingerprint.encode()).digest()
    for offset in range(0, len(digest), 4):
        candidate = int.from_bytes(digest[offset : offset + 4], "big") & MAX_TRANSACTION_ID
        if candidate:
            yield candidate
    for _ in range(8):
        yield 1 + secrets.randbelow(MAX_TRANSACTION_ID)


def start_fingerprint(
    charge_point_id: str, connector_id: int, id_tag: str, meter_start: int | None, started_at: str
) -> str:
    return f"{charge_point_id}|{connector_id}|{id_tag}|{meter_start}|{started_at}"


def connector_key(connector_id: int | None, evse_id: int | None) -> str:
    """The same key the connector's status uses (1.6 "2"; 2.0.1 "evse/connector")."""
    if evse_id is None:
        return str(connector_id)
    return f"{evse_id}/{connector_id or 1}"


class TransactionIdExhausted(RuntimeError):
    pass


@dataclass
class SessionService:
    transactions: TransactionRepository
    publisher: EventPublisher
    telemetry: TelemetrySink

    # Start

    def start_v16(
        self,
        charge_point_id: str,
        protocol: str,
        received_at: datetime,
        connector_id: int,
        id_tag: str,
        meter_start: int | None,
        started: datetime,
        reservation_id: int | None,
        authorization_status: str,
        anomaly: str | None = None,
    ) -> int:
        started_at = iso_utc(started)
        fingerprint = start_fingerprint(
            charge_point_id, connector_id, id_tag, meter_start, started_at
        )
        for candidate in candidate_transaction_ids(fingerprint):
            record = TransactionRecord(
                charge_point_id=charge_point_id,
                transaction_id=str(candidate),
                status="active",
                protocol=protocol,
                connector_id=connector_id,
                id_tag=id_tag,
                meter_start_wh=meter_start,
                started_at=started_at,
                started_at_ms=to_epoch_ms(started),
                reservation_id=reservation_id,
                fingerprint=fingerprint,
                authorization_status=authorization_status,
                received_at=iso_utc(received_at),
                anomaly=anomaly,
                unpublished=frozenset({TRANSACTION_STARTED}),
            )
            if self.transactions.create(record):
                count_metric("TransactionsStarted", {})
                _log_started(record)
                self._started(record, received_at)
                return candidate
            existing = self.transactions.get(charge_point_id, str(candidate))
            if existing is not None and existing.fingerprint == fingerprint:
                logger.info(
                    "replayed StartTransaction answered with its transaction id",
                    extra={"chargePointId": charge_point_id, "transactionId": candidate},
                )
                # The first copy may have failed after storing the session: its follow-ups
                # run again (each is idempotent) and what is still unpublished is published.
                self._started(existing, received_at)
                return candidate
        raise TransactionIdExhausted(f"no free transaction id for {charge_point_id}")

    def start_v201(self, record: TransactionRecord) -> bool:
        """Record a 2.0.1 start; False if the session already had one (a replay, whose
        follow-ups run again: the first copy may have failed after storing the start)."""
        received_at = _event_time(record.received_at)
        stored = self.transactions.record_start(
            replace(record, unpublished=frozenset({TRANSACTION_STARTED}))
        )
        if stored is None:
            existing = self.transactions.get(record.charge_point_id, record.transaction_id)
            if existing is not None and existing.started_at == record.started_at:
                self._started(existing, received_at)
            return False
        count_metric("TransactionsStarted", {})
        _log_started(stored)
        self._started(stored, received_at)
        if stored.status == "orphan" and stored.stopped_at and stored.stopped_at_ms is not None:
            # Its end was processed first (parallel invocations): complete it now.
            finished = finish_record(
                stored,
                stored.meter_stop_wh,
                stored.stopped_at,
                stored.stopped_at_ms,
                stored.stop_reason or "Local",
                stored.stop_id_tag,
            )
            finished = replace(finished, unpublished=frozenset({TRANSACTION_STOPPED}))
            if self.transactions.complete_orphan(finished):
                _count_stop(finished)
                _log_stopped(finished)
                self._publish(finished, received_at, TRANSACTION_STOPPED)
        return True

    def token_presented(
        self,
        charge_point_id: str,
        transaction_id: str,
        id_tag: str,
        authorization_status: str | None,
    ) -> TransactionRecord | None:
        """A token presented during a 2.0.1 transaction that started without one (E02: the
        cable first) becomes the session's: the driver's history and receipt find it. The
        first token stays (a stop by another card is the stop's id tag); a resend is a no-op.
        The session with this token (None: the token did not become the session's)."""
        session = self.transactions.record_token(
            charge_point_id, transaction_id, id_tag, authorization_status
        )
        if session is None:
            return None
        logger.info(
            "session authorized after its start",
            extra={
                "chargePointId": charge_point_id,
                "transactionId": transaction_id,
                "authorizationStatus": authorization_status,
            },
        )
        return session

    def _started(self, record: TransactionRecord, received_at: datetime) -> None:
        """What follows a stored start: the connector's active session (displacing an older
        one) and the events. Safe to run again for a replay."""
        displaced = self.transactions.claim_connector(
            record.charge_point_id,
            connector_key(record.connector_id, record.evse_id),
            record.transaction_id,
            record.started_at_ms or 0,
        )
        if displaced and displaced != record.transaction_id:
            at = record.started_at or iso_utc(received_at)
            if self.transactions.mark_replaced(
                record.charge_point_id,
                displaced,
                record.transaction_id,
                at,
                unpublished=frozenset({TRANSACTION_REPLACED}),
            ):
                logger.warning(
                    "active transaction replaced by a new start on the same connector",
                    extra={
                        "chargePointId": record.charge_point_id,
                        "transactionId": displaced,
                        "replacedBy": record.transaction_id,
                    },
                )
            # Published here, or already (a replay): publish_pending looks at the marker.
            replaced = self.transactions.get(record.charge_point_id, displaced)
            if replaced is not None and replaced.replaced_by == record.transaction_id:
                self.publish_pending(replaced, received_at)
        self.publish_pending(record, received_at)

    # Stop

    def stop(
        self,
        charge_point_id: str,
        protocol: str,
        received_at: datetime,
        transaction_id: str,
        meter_stop: int | None,
        stopped: datetime,
        reason: str,
        id_tag: str | None,
        anomaly: str | None = None,
    ) -> TransactionRecord | None:
        """Close a session; a replayed stop changes nothing (but publishes what its first copy
        could not); an unknown one is an orphan."""
        existing = self.transactions.get(charge_point_id, transaction_id)
        stopped_at, stopped_at_ms = iso_utc(stopped), to_epoch_ms(stopped)
        if existing is None:
            orphan = TransactionRecord(
                charge_point_id=charge_point_id,
                transaction_id=transaction_id,
                status="orphan",
                protocol=protocol,
                meter_stop_wh=meter_stop,
                stopped_at=stopped_at,
                stopped_at_ms=stopped_at_ms,
                stop_reason=reason,
                stop_id_tag=id_tag,
                received_at=iso_utc(received_at),
                anomaly=anomaly,
                unpublished=frozenset({TRANSACTION_ORPHAN_STOP}),
            )
            self._orphan(orphan, received_at)
            return None
        if existing.stopped:
            self.publish_pending(existing, received_at)  # a replay: same answer, no change
            return existing
        finished = finish_record(
            existing, meter_stop, stopped_at, stopped_at_ms, reason, id_tag, anomaly
        )
        finished = replace(finished, unpublished=frozenset({TRANSACTION_STOPPED}))
        if not self.transactions.finish(finished):
            return existing  # a parallel copy of this stop got there first
        _count_stop(finished)
        _log_stopped(finished)
        if finished.anomaly:
            logger.warning(
                "session energy not computable from its meter readings",
                extra={
                    "chargePointId": charge_point_id,
                    "transactionId": transaction_id,
                    "anomaly": finished.anomaly,
                    "meterStartWh": finished.meter_start_wh,
                    "meterStopWh": meter_stop,
                },
            )
        self._publish(finished, received_at, TRANSACTION_STOPPED)
        return finished

    def _orphan(self, orphan: TransactionRecord, received_at: datetime) -> None:
        if self.transactions.create(orphan):
            logger.warning(
                "stop for an unknown transaction accepted and recorded as orphan",
                extra={
                    "chargePointId": orphan.charge_point_id,
                    "transactionId": orphan.transaction_id,
                },
            )
            self._publish(orphan, received_at, TRANSACTION_ORPHAN_STOP)
            return
        # A replayed orphan stop, or the start arrived in the meantime.
        stored = self.transactions.get(orphan.charge_point_id, orphan.transaction_id)
        if stored is not None:
            self.publish_pending(stored, received_at)

    # The outbox: every change above is stored with the detail types of its events in
    # `unpublished`; an event is rebuilt from the stored session, published, then cleared.

    def publish_pending(self, record: TransactionRecord, now: datetime) -> None:
        """Publish whatever the session still holds as unpublished (a replay, a retry)."""
        for detail_type in sorted(record.unpublished):
            self._publish(record, now, detail_type)

    def republish_marked(self, marked_before_ms: int, now: datetime) -> int:
        """The outbox relay's turn: publish what sessions marked before then still hold;
        the number of sessions found waiting."""
        waiting = self.transactions.marked(marked_before_ms)
        for record in waiting:
            self.publish_pending(record, now)
        return len(waiting)

    def _publish(self, record: TransactionRecord, at: datetime, detail_type: str) -> None:
        event = DomainEvent(
            detail_type, record.charge_point_id, at, event_detail(record, detail_type)
        )
        if publish_safely(self.publisher, event):
            self.transactions.mark_published(
                record.charge_point_id, record.transaction_id, detail_type
            )
        else:  # left for the outbox relay
            self.transactions.mark_for_relay(record.charge_point_id, record.transaction_id)

    # Telemetry

    def meter_values(
        self,
        charge_point_id: str,
        protocol: str,
        received_at: datetime,
        source: TelemetrySource,
        meter_value: list[dict[str, Any]],
        connector_id: int | None = None,
        evse_id: int | None = None,
        transaction_id: str | None = None,
    ) -> None:
        """One Kinesis record per message: the only AWS call a MeterValues costs."""
        self.telemetry.put(
            TelemetryRecord(
                charge_point_id=charge_point_id,
                protocol=protocol,
                source=source,
                received_at=iso_utc(received_at),
                meter_value=meter_value,
                connector_id=connector_id,
                evse_id=evse_id,
                transaction_id=transaction_id,
            )
        )


def finish_record(
    existing: TransactionRecord,
    meter_stop: int | None,
    stopped_at: str,
    stopped_at_ms: int,
    reason: str,
    id_tag: str | None,
    anomaly: str | None = None,
) -> TransactionRecord:
    """The session with its stop: energy only from trustworthy readings, never negative."""
    energy: int | None = None
    anomaly = existing.anomaly or anomaly
    start = existing.meter_start_wh
    if start is not None and meter_stop is not None:
        if meter_stop >= start:
            energy = meter_stop - start
        else:
            anomaly = ANOMALY_METER_DECREASED
    duration = None
    if existing.started_at_ms is not None:
        duration = max(0, (stopped_at_ms - existing.started_at_ms) // 1000)
    return replace(
        existing,
        status="completed",
        meter_stop_wh=meter_stop,
        stopped_at=stopped_at,
        stopped_at_ms=stopped_at_ms,
        stop_reason=reason,
        stop_id_tag=id_tag,
        energy_wh=energy,
        duration_s=duration,
        anomaly=anomaly,
    )


def _log_started(record: TransactionRecord) -> None:
    """Once per session (the first copy of its start; replays are logged as such)."""
    logger.info(
        "session started",
        extra={
            "chargePointId": record.charge_point_id,
            "transactionId": record.transaction_id,
            "connectorId": record.connector_id,
            "idTag": masked_id_tag(record.id_tag),
        },
    )


def _log_stopped(record: TransactionRecord) -> None:
    """Once per session, with its energy (what a developer watching a session wants)."""
    logger.info(
        "session stopped: %s Wh",
        record.energy_wh if record.energy_wh is not None else "unknown",
        extra={
            "chargePointId": record.charge_point_id,
            "transactionId": record.transaction_id,
            "reason": record.stop_reason,
        },
    )


def _count_stop(record: TransactionRecord) -> None:
    count_metric("TransactionsStopped", {})
    if record.energy_wh:
        emit_metric("EnergyDeliveredWh", record.energy_wh, {})


def _event_time(received_at: str | None) -> datetime:
    return parse_timestamp(received_at) or utc_now()


REPLACED_REASON = "a new transaction started on the same connector"
# Id tags are credentials (an RFID card's UID starts a paid session): events, their archive and
# logs carry only the last characters; the session item keeps the whole tag.
VISIBLE_ID_TAG_CHARACTERS = 4


def masked_id_tag(id_tag: str | None) -> str | None:
    """ "…" and the tag's last four characters (nothing of a tag of four or fewer)."""
    if id_tag is None:
        return None
    visible = id_tag[-VISIBLE_ID_TAG_CHARACTERS:] if len(id_tag) > VISIBLE_ID_TAG_CHARACTERS else ""
    return "\u2026" + visible


def event_detail(record: TransactionRecord, detail_type: str) -> dict[str, Any]:
    """The detail of one of a session's events, from the stored session alone: the same
    session gives the same detail (and so the same event id) whenever it is published."""
    if detail_type == TRANSACTION_STARTED:
        return started_detail(record)
    if detail_type == TRANSACTION_STOPPED:
        return stopped_detail(record)
    if detail_type == TRANSACTION_REPLACED:
        return {
            "transactionId": record.transaction_id,
            "replacedBy": record.replaced_by,
            "reason": REPLACED_REASON,
        }
    if detail_type == TRANSACTION_ORPHAN_STOP:
        return {
            "transactionId": record.transaction_id,
            "meterStopWh": record.meter_stop_wh,
            "stoppedAt": record.stopped_at,
            "stopReason": record.stop_reason,
            "idTag": masked_id_tag(record.stop_id_tag),
        }
    raise ValueError(f"{detail_type} is not an event of a session")


def started_detail(record: TransactionRecord) -> dict[str, Any]:
    return {
        "transactionId": record.transaction_id,
        "protocol": record.protocol,
        "evseId": record.evse_id,
        "connectorId": record.connector_id,
        "idTag": masked_id_tag(record.id_tag),
        "meterStartWh": record.meter_start_wh,
        "startedAt": record.started_at,
        "reservationId": record.reservation_id,
        "remoteStartId": record.remote_start_id,
        "authorizationStatus": record.authorization_status,
    }


def stopped_detail(record: TransactionRecord) -> dict[str, Any]:
    return {
        "transactionId": record.transaction_id,
        "protocol": record.protocol,
        "evseId": record.evse_id,
        "connectorId": record.connector_id,
        "idTag": masked_id_tag(record.id_tag),
        "stopIdTag": masked_id_tag(record.stop_id_tag),
        "meterStartWh": record.meter_start_wh,
        "meterStopWh": record.meter_stop_wh,
        "energyWh": record.energy_wh,
        "durationS": record.duration_s,
        "startedAt": record.started_at,
        "stoppedAt": record.stopped_at,
        "stopReason": record.stop_reason,
        "anomaly": record.anomaly,
        "replacedBy": record.replaced_by,
    }
