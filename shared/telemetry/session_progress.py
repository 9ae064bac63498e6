"""Live session energy from the telemetry stream, one write per session per batch at most
(and per write interval, when one is set).

The hot path puts every MeterValues on Kinesis and writes nothing; this consumer keeps each
session's latest energy register reading (newest reading wins, so redelivered or reordered
batches are harmless) and, when the stack publishes them, one MeterValuesReceived summary per
session per batch. The same write appends the reading to the session's energy curve
(shared/telemetry/session_curve.py): only a newer reading is written, so the curve stays in
reading order and a replay adds no point.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from shared.models.domain_events import METER_VALUES_RECEIVED, DomainEvent
from shared.models.telemetry import TelemetryRecord
from shared.models.transaction import TransactionRecord
from shared.ports import CurvePoint, EventPublisher, TransactionRepository
from shared.ports.publishing import publish_safely
from shared.telemetry.session_curve import CurveOrigin, encode_point
from shared.timeutil import iso_utc, parse_timestamp, utc_now
from shared.transactions.meter import register_readings

logger = logging.getLogger("csms.telemetry.session_progress")


@dataclass
class SessionReading:
    charge_point_id: str
    transaction_id: str
    energy_wh: int
    at: str
    samples: int = 0
    record_ids: list[str] = field(default_factory=list)
    connector_id: int | None = None
    evse_id: int | None = None


def latest_readings(records: list[tuple[str, TelemetryRecord]]) -> list[SessionReading]:
    """Per session, the newest energy register reading in the batch (by reading timestamp)."""
    sessions: dict[tuple[str, str], SessionReading] = {}
    for record_id, record in records:
        if record.transaction_id is None:
            continue
        for reading in register_readings(record.meter_value):
            moment = parse_timestamp(reading.timestamp) or parse_timestamp(record.received_at)
            at = iso_utc(moment or utc_now())
            key = (record.charge_point_id, record.transaction_id)
            current = sessions.get(key)
            if current is None:
                current = sessions[key] = SessionReading(
                    record.charge_point_id,
                    record.transaction_id,
                    reading.energy_wh,
                    at,
                    connector_id=record.connector_id,
                    evse_id=record.evse_id,
                )
            elif at >= current.at:
                current.energy_wh, current.at = reading.energy_wh, at
            current.samples += 1
            if record_id not in current.record_ids:
                current.record_ids.append(record_id)
    return list(sessions.values())


# Sessions whose last written reading a consumer remembers (one container serves a shard).
REMEMBERED_SESSIONS = 50_000


@dataclass
class SessionProgress:
    transactions: TransactionRepository
    publisher: EventPublisher
    # Publish the summaries (stack setting publishMeterValues): nothing in the platform reads
    # them, and at one event per session per batch they are ~4 % of a charger's bill.
    publish: bool = True
    # Write a session's live energy at most once per this many seconds of its readings (stack
    # setting liveEnergyWriteIntervalS; 0: once per batch). The stop writes the final energy
    # whatever this says; a reading skipped here is one a later batch supersedes.
    write_interval_s: int = 0
    # What follows a stored reading, with the updated session and the reading's time: the
    # running cost sent to a 2.0.1 station (docs/adr/0044). Its failure never fails the batch.
    after_write: Callable[[TransactionRecord, datetime], object] | None = None
    # Per session: its last written reading's time, and its start (curve points are stored
    # relative to it once known).
    _written: OrderedDict[tuple[str, str], tuple[datetime, CurveOrigin | None]] = field(
        default_factory=OrderedDict, init=False, repr=False
    )

    def _recently_written(self, reading: SessionReading) -> bool:
        last = self._written.get((reading.charge_point_id, reading.transaction_id))
        at = parse_timestamp(reading.at)
        if not self.write_interval_s or last is None or at is None:
            return False
        return (at - last[0]).total_seconds() < self.write_interval_s

    def _curve_point(self, reading: SessionReading) -> CurvePoint | None:
        at = parse_timestamp(reading.at)
        if at is None:
            return None
        last = self._written.get((reading.charge_point_id, reading.transaction_id))
        return encode_point(at, reading.energy_wh, last[1] if last else None)

    def _remember(self, reading: SessionReading, session: TransactionRecord) -> None:
        at = parse_timestamp(reading.at)
        if at is None:
            return
        key = (reading.charge_point_id, reading.transaction_id)
        self._written[key] = (at, CurveOrigin.of(session))
        self._written.move_to_end(key)
        while len(self._written) > REMEMBERED_SESSIONS:
            self._written.popitem(last=False)

    def _after_write(self, reading: SessionReading, session: TransactionRecord) -> None:
        at = parse_timestamp(reading.at)
        if self.after_write is None or at is None:
            return
        try:
            self.after_write(session, at)
        except Exception:
            # The reading is stored; a lost display refresh is not worth a batch retry.
            logger.exception(
                "follow-up of a session reading failed",
                extra={"transactionId": reading.transaction_id},
            )

    def apply(self, records: list[tuple[str, TelemetryRecord]], now: datetime) -> list[str]:
        """Apply a batch; the ids of records whose session update failed (to be retried)."""
        failed: list[str] = []
        events: list[DomainEvent] = []
        for reading in latest_readings(records):
            if self._recently_written(reading):
                continue
            try:
                session = self.transactions.record_meter_progress(
                    reading.charge_point_id,
                    reading.transaction_id,
                    reading.energy_wh,
                    reading.at,
                    self._curve_point(reading),
                )
            except Exception:
                logger.exception(
                    "session progress not stored; the batch will be retried",
                    extra={"transactionId": reading.transaction_id},
                )
                failed.extend(reading.record_ids)
                continue
            if session is not None:
                self._remember(reading, session)
                self._after_write(reading, session)
            session_energy = None
            if session is not None and session.meter_start_wh is not None:
                delta = reading.energy_wh - session.meter_start_wh
                session_energy = delta if delta >= 0 else None
                if delta < 0:
                    logger.warning(
                        "meter reading below the session's start: reset or roll-over",
                        extra={
                            "chargePointId": reading.charge_point_id,
                            "transactionId": reading.transaction_id,
                        },
                    )
            events.append(
                DomainEvent(
                    METER_VALUES_RECEIVED,
                    reading.charge_point_id,
                    now,
                    {
                        "transactionId": reading.transaction_id,
                        "connectorId": reading.connector_id,
                        "evseId": reading.evse_id,
                        "samples": reading.samples,
                        "latestEnergyWh": reading.energy_wh,
                        "latestReadingAt": reading.at,
                        "sessionEnergyWh": session_energy,
                    },
                )
            )
        if events and self.publish:
            publish_safely(self.publisher, *events)
        return failed
