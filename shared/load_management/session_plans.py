"""Sessions the allocation loop schedules by price or carbon (docs/adr/0054, "In the loop").

A running session has needs when its driver gave a departure and an energy with the start
(`StartRequest`, matched by transaction id) or its car sent them over ISO 15118 and they were
answered Accepted (the charger's latest `ev-needs` record for the EVSE, received since the
session started); the car's own needs win. Such a session's limit is sent as the multi-period
profile `schedule_for` plans under it: every period at or below the allocator's limit for the
EVSE (the headroom, constant until departure), so the site stays within its limits whatever
the schedule does, and a new limit from the allocator plans again under the new one.

The series minimised is the site's prices before departure, or, without prices, its carbon
intensities (the stored grid signals and the operator's schedule, ADR 0052). With neither,
nothing is scheduled: the flat limit goes out as before.

Costs: the needs are looked up only for EVSEs the plan sends a command to (two Queries), the
signals once per run that schedules something.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.grid_signals.resolver import Step, step_series
from shared.load_management.profile_sender import PayloadFor, TransactionLookup
from shared.load_management.profiles import Payload, ProfileError, Version, limit_profile
from shared.load_management.scheduling import Headroom, ScheduleError
from shared.load_management.session_schedules import (
    ChargingNeeds,
    driver_needs,
    needs_of_record,
    schedule_for,
)
from shared.ports.charger_events import ChargerEventLog
from shared.ports.grid_signals import GridSignal
from shared.ports.start_requests import StartRequestStore
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Evse
from shared.timeutil import to_epoch_ms

logger = logging.getLogger("csms.load_management.session_plans")

# A driver's start request is made shortly before its session starts.
START_REQUEST_LEAD = timedelta(minutes=15)
# The charger's ev-needs records read (one per EVSE: the latest replaces the earlier).
NEEDS_RECORDS = 50

SiteSignals = Callable[[str, datetime], Sequence[GridSignal]]


def valued_series(signals: Sequence[GridSignal], now: datetime, departure: datetime) -> list[Step]:
    """The prices over [now, departure) in the first price's currency, else the carbon
    intensities; empty when neither is known there."""
    prices = [s for s in signals if s.kind == "price" and s.value is not None]
    if prices:
        currency = sorted(prices, key=lambda s: s.start)[0].currency
        series = step_series(signals, "price", now, departure, currency=currency)
        if series:
            return series
    return step_series(signals, "carbon", now, departure)


@dataclass(frozen=True)
class SessionPlans:
    start_requests: StartRequestStore | None
    charger_events: ChargerEventLog | None
    signals: SiteSignals

    def needs(
        self, charge_point_id: str, evse_number: int, transaction_id: str, started_at: datetime
    ) -> ChargingNeeds | None:
        """The session's needs: the car's (ISO 15118, Accepted, since the start), else the
        driver's (the start request that became this transaction)."""
        if self.charger_events is not None:
            page = self.charger_events.newest(charge_point_id, "ev-needs", NEEDS_RECORDS, None)
            for record in page.items:
                detail = record.detail
                if detail.get("evseId") != evse_number or detail.get("answer") != "Accepted":
                    continue
                received = datetime.fromisoformat(record.received_at.replace("Z", "+00:00"))
                if received >= started_at:
                    found = needs_of_record(detail)
                    if found is not None:
                        return found
        if self.start_requests is not None:
            since_ms = to_epoch_ms(started_at - START_REQUEST_LEAD)
            for request in self.start_requests.by_charger(charge_point_id, since_ms):
                if request.transaction_id == transaction_id:
                    return driver_needs(request)
        return None

    def values_known(self, site_id: str, now: datetime, departure: datetime) -> bool:
        """Whether a schedule can be made before `departure` (the NotifyEVChargingNeeds
        answer's promise, needs_answers.py)."""
        return bool(valued_series(self.signals(site_id, now), now, departure))

    def payloads(
        self,
        site_id: str,
        evses: Mapping[str, Evse],
        commands: Sequence[LimitCommand],
        transaction_of: TransactionLookup,
        now: datetime,
    ) -> dict[str, PayloadFor]:
        """The scheduled profile of each command's EVSE in a session with needs (by EVSE id);
        EVSEs without are left out (their flat limit goes out)."""
        payloads: dict[str, PayloadFor] = {}
        signals: Sequence[GridSignal] | None = None
        for command in commands:
            evse = evses.get(command.evse_id)
            started = evse.live.session_started_at if evse is not None else None
            if evse is None or not evse.live.session_active or started is None:
                continue
            transaction_id = transaction_of(command.charge_point_id, command.evse_number)
            if transaction_id is None:
                continue
            needs = self.needs(
                command.charge_point_id, command.evse_number, transaction_id, started
            )
            if needs is None:
                continue
            if signals is None:
                signals = self.signals(site_id, now)
            series = valued_series(signals, now, needs.departure)
            if series:
                payloads[command.evse_id] = _scheduled(
                    evse, needs, series, command, transaction_id, now
                )
        return payloads


def _scheduled(
    evse: Evse,
    needs: ChargingNeeds,
    series: list[Step],
    command: LimitCommand,
    transaction_id: str,
    now: datetime,
) -> PayloadFor:
    headroom = [Headroom(now, needs.departure, command.limit_a)]

    def payload(version: Version) -> Payload | str:
        try:
            scheduled = schedule_for(
                version, evse, needs, series, headroom, now, transaction_id=transaction_id
            )
            if scheduled is not None:
                return scheduled.payload
        except ScheduleError as exc:
            # Needs the planner cannot take (a car's minimum above the EVSE's maximum):
            # the session still gets its limit.
            logger.warning("session not scheduled: %s", exc, extra={"evseId": evse.id})
        try:
            return limit_profile(version, command, transaction_id)
        except ProfileError as exc:
            return str(exc)

    return payload
