"""Charging sessions: plug in, authorize, start, meter, stop, unplug (OCPP 1.6 and 2.0.1).

`run_session` drives one session on one connector through the charger's message methods. It
keeps going while the connection is down: transaction messages then wait in the charger's
offline queue, exactly as on a real charger, and the session never blocks on the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from simulator.errors import CallErrorReceived, ConnectionLost, ResponseTimeout
from simulator.offline_queue import START_FAILED
from simulator.protocols import authorization_status
from simulator.session_log import SessionMessage, recording
from simulator.stats import Stats
from simulator.transaction_messages import TransactionId, TransactionMessages
from simulator.waiting import set_within

log = logging.getLogger("simulator.sessions")

COMPLETED = "Completed"
# Authorize answered with a status other than Accepted: no transaction was started.
REJECTED = "Rejected"
# The CSMS answered the start with a status other than Accepted: stopped at once.
DEAUTHORIZED = "DeAuthorized"
# The start was answered with a CALLERROR or given up: no transaction exists at the CSMS.
FAILED = "Failed"


@dataclass
class SessionResult:
    connector_id: int
    id_tag: str
    outcome: str = COMPLETED
    # 1.6: the CSMS's id, or the local placeholder when the start was still queued at the end
    # (SimulatedCharger.resolve_transaction_id() maps it later). 2.0.1: the charger's id.
    transaction_id: TransactionId | None = None
    # Status of the Authorize answer; None when the session did not authorize first or no
    # answer came (then the charger authorized locally, see authorized_offline).
    authorization: str | None = None
    authorized_offline: bool = False
    meter_start_wh: int | None = None
    meter_stop_wh: int | None = None
    stop_reason: str | None = None
    messages: list[SessionMessage] = field(default_factory=list)

    @property
    def energy_wh(self) -> int:
        if self.meter_start_wh is None or self.meter_stop_wh is None:
            return 0
        return self.meter_stop_wh - self.meter_start_wh

    @property
    def completed(self) -> bool:
        return self.outcome == COMPLETED

    @property
    def actions(self) -> list[str]:
        return [message.action for message in self.messages]


async def run_session(
    charger: TransactionMessages,
    connector_id: int,
    id_tag: str,
    duration_s: float,
    meter_interval_s: float,
    *,
    authorize: bool = True,
    stop_reason: str = "Local",
    stop: asyncio.Event | None = None,
) -> SessionResult:
    """One whole charging session on a connector (2.0.1: EVSE).

    1.6: StatusNotification Preparing, Authorize (if `authorize`; a rejected tag ends the
    session with no transaction), StartTransaction, Charging, MeterValues every
    meter_interval_s, StopTransaction with the final reading, Finishing, Available.
    2.0.1: Occupied, Authorize, TransactionEvent Started / Updated... / Ended, Available.
    A start the CSMS answers with a status other than Accepted is stopped at once with
    reason DeAuthorized (also when that answer comes later, from the offline queue).
    The session ends after duration_s or as soon as `stop` is set, and carries on while
    offline: its transaction messages are then queued.
    """
    if duration_s < 0 or meter_interval_s <= 0:
        raise ValueError("duration_s must be >= 0 and meter_interval_s > 0")
    charger.meter(connector_id)  # refuses an unknown connector
    if charger.transaction_on(connector_id) is not None:
        raise ValueError(f"connector {connector_id} already has a transaction")
    result = SessionResult(connector_id, id_tag)
    charger.stats.sessions_started += 1
    flow = _session_16 if charger.protocol == "ocpp1.6" else _session_201
    try:
        with recording(result.messages):
            await flow(
                charger,
                result,
                _Timing(duration_s, meter_interval_s, stop),
                authorize=authorize,
                stop_reason=stop_reason,
            )
    except BaseException:
        result.outcome = FAILED
        raise
    finally:
        _count(charger.stats, result, _refusal(charger, result))
    log.info(
        "%s session on connector %d %s: transaction %s, %.3f kWh (%s)",
        charger.charge_point_id,
        connector_id,
        result.outcome,
        result.transaction_id,
        result.energy_wh / 1000,
        result.stop_reason or result.authorization or "-",
    )
    return result


@dataclass(frozen=True)
class _Timing:
    duration_s: float
    meter_interval_s: float
    stop: asyncio.Event | None


# Why metering ended.
_Ended = Literal["done", "deauthorized", "failed"]


async def _session_16(
    cp: TransactionMessages,
    result: SessionResult,
    timing: _Timing,
    *,
    authorize: bool,
    stop_reason: str,
) -> None:
    statuses = cp.profile.session_statuses
    connector = result.connector_id
    await cp.set_connector_status(connector, statuses.plugged)
    if not await _authorize(cp, result, authorize):
        await cp.set_connector_status(connector, statuses.available)
        return
    try:
        transaction_id = await cp.start_transaction(connector, result.id_tag)
    except CallErrorReceived:
        result.outcome = FAILED
        await cp.set_connector_status(connector, statuses.available)
        return
    result.transaction_id = transaction_id
    result.meter_start_wh = _meter_start(cp, transaction_id)
    await cp.set_connector_status(connector, statuses.charging)

    async def sample() -> None:
        await cp.meter_values(connector, transaction_id)

    ended = _start_verdict(cp, transaction_id) or await _meter_until_done(
        cp, transaction_id, timing, sample
    )
    if ended == "failed":
        cp.forget_transaction(transaction_id)
        result.outcome = FAILED
        await cp.set_connector_status(connector, statuses.available)
        return
    reason = "DeAuthorized" if ended == "deauthorized" else stop_reason
    result.meter_stop_wh = _stop_meter(cp, connector)
    with contextlib.suppress(CallErrorReceived):
        await cp.stop_transaction(transaction_id, meter_stop=result.meter_stop_wh, reason=reason)
    _finish(result, reason, deauthorized=ended == "deauthorized")
    await cp.set_connector_status(connector, statuses.finishing)
    await cp.set_connector_status(connector, statuses.available)
    result.transaction_id = cp.resolve_transaction_id(transaction_id)


async def _session_201(
    cp: TransactionMessages,
    result: SessionResult,
    timing: _Timing,
    *,
    authorize: bool,
    stop_reason: str,
) -> None:
    statuses = cp.profile.session_statuses
    evse = result.connector_id
    await cp.set_connector_status(evse, statuses.plugged)
    if not await _authorize(cp, result, authorize):
        await cp.set_connector_status(evse, statuses.available)
        return
    try:
        started = await cp.transaction_event(
            "Started",
            evse_id=evse,
            trigger_reason="Authorized" if authorize else "CablePluggedIn",
            id_token=result.id_tag,
            charging_state="Charging",
        )
    except CallErrorReceived:
        result.outcome = FAILED
        await cp.set_connector_status(evse, statuses.available)
        return
    transaction_id = started.transaction_id
    result.transaction_id = transaction_id
    result.meter_start_wh = _meter_start(cp, transaction_id)

    async def sample() -> None:
        await cp.transaction_event("Updated", transaction_id=transaction_id, evse_id=evse)

    ended = _start_verdict(cp, transaction_id) or await _meter_until_done(
        cp, transaction_id, timing, sample
    )
    if ended == "failed":
        cp.forget_transaction(transaction_id)
        result.outcome = FAILED
        await cp.set_connector_status(evse, statuses.available)
        return
    reason = "DeAuthorized" if ended == "deauthorized" else stop_reason
    result.meter_stop_wh = _stop_meter(cp, evse)
    with contextlib.suppress(CallErrorReceived):
        await cp.transaction_event(
            "Ended",
            transaction_id=transaction_id,
            evse_id=evse,
            stopped_reason=reason,
            # The token that ended the session is reported with a local (badge) stop.
            id_token=result.id_tag if reason == "Local" else None,
        )
    _finish(result, reason, deauthorized=ended == "deauthorized")
    await cp.set_connector_status(evse, statuses.available)


async def _authorize(cp: TransactionMessages, result: SessionResult, authorize: bool) -> bool:
    """Authorize the id tag first if asked to; False when the session must not start."""
    if not authorize:
        return True
    try:
        response = await cp.authorize(result.id_tag)
    except (ConnectionLost, ResponseTimeout):
        # No answer: the charger decides locally (LocalAuthorizeOffline) and lets the car charge;
        # the CSMS's verdict then comes with the answer to the queued start.
        result.authorized_offline = True
        return True
    except CallErrorReceived:
        result.outcome = FAILED
        return False
    result.authorization = authorization_status(response)
    if result.authorization != "Accepted":
        result.outcome = REJECTED
        return False
    return True


def _start_verdict(cp: TransactionMessages, transaction_id: TransactionId) -> _Ended | None:
    """How the CSMS answered the start so far; None while accepted or not answered yet."""
    status = cp.offline_queue.start_authorization(transaction_id)
    if status == START_FAILED:
        return "failed"
    if status not in (None, "Accepted"):
        return "deauthorized"
    return None


async def _meter_until_done(
    cp: TransactionMessages,
    transaction_id: TransactionId,
    timing: _Timing,
    send_sample: Any,
) -> _Ended:
    """Send a meter reading every interval until the duration is over (or `stop` is set).

    The last partial interval sends nothing: the stop message carries the final reading.
    A start the CSMS rejects later (answered from the offline queue) ends the session early.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timing.duration_s
    while True:
        remaining = deadline - loop.time()
        wait = min(timing.meter_interval_s, remaining)
        if wait <= 0 or await set_within(timing.stop, wait):
            return "done"
        if wait < timing.meter_interval_s:
            return "done"
        with contextlib.suppress(CallErrorReceived):
            await send_sample()
        verdict = _start_verdict(cp, transaction_id)
        if verdict is not None:
            return verdict


def _meter_start(cp: TransactionMessages, transaction_id: TransactionId) -> int | None:
    active = cp.find_transaction(transaction_id)
    return active.meter_start_wh if active is not None else None


def _stop_meter(cp: TransactionMessages, connector_id: int) -> int:
    """Freeze the connector's register so the stop message and its reading agree."""
    meter = cp.meter(connector_id)
    meter.stop()
    return int(meter.register_wh)


def _finish(result: SessionResult, reason: str, *, deauthorized: bool) -> None:
    result.stop_reason = reason
    result.outcome = DEAUTHORIZED if deauthorized else COMPLETED


def _refusal(cp: TransactionMessages, result: SessionResult) -> str | None:
    """The status the CSMS refused the session with: Authorize's, or the start's."""
    if result.outcome == REJECTED:
        return result.authorization or "no status"
    if result.outcome == DEAUTHORIZED and result.transaction_id is not None:
        return cp.start_authorization(result.transaction_id) or "no status"
    return None


def _count(stats: Stats, result: SessionResult, refusal: str | None) -> None:
    if refusal is not None:
        stats.sessions_refused[refusal] += 1
    if result.completed:
        stats.sessions_completed += 1
    else:
        stats.sessions_failed += 1
    if result.outcome == DEAUTHORIZED:
        stats.deauthorized_stops += 1
    stats.energy_wh += result.energy_wh
