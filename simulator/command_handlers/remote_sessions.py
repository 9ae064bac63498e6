"""Sessions the CSMS starts and stops: RemoteStartTransaction / RequestStartTransaction run a
real session on the charger until RemoteStop, a reset, an unlock or the driver unplugging
(`remote_session_duration_s`) ends it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from simulator.command_handlers.charger_api import ChargerApi
from simulator.command_handlers.command import V16, Payload, quietly
from simulator.command_handlers.connectors import settle
from simulator.command_handlers.device_state import RemoteSession
from simulator.errors import CallErrorReceived, ConnectionLost, ResponseTimeout
from simulator.offline_queue import START_FAILED
from simulator.protocols import authorization_status
from simulator.transaction_messages import ActiveTransaction
from simulator.waiting import set_within

log = logging.getLogger("simulator.commands")

# A reset waits at most this long for its transactions to stop before it reboots.
STOP_BEFORE_REBOOT_S = 10.0


async def _authorized(cp: ChargerApi, id_tag: str) -> bool:
    try:
        response = await cp.charging.authorize(id_tag)
    except (ConnectionLost, ResponseTimeout):
        return True  # no answer: the charger authorizes locally (LocalAuthorizeOffline)
    except CallErrorReceived:
        return False
    return authorization_status(response) == "Accepted"


def start_remote_session(
    cp: ChargerApi, session: RemoteSession, charging_profile: Payload | None
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


SessionRunner = Callable[[ChargerApi, RemoteSession], Awaitable[bool]]


async def _run_remote_session(
    cp: ChargerApi, session: RemoteSession, runner: SessionRunner
) -> None:
    connector = session.connector_id
    cp.stats.sessions_started += 1
    meter = cp.charging.meter(connector)
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
    await settle(cp, connector)


async def _remote_session_16(cp: ChargerApi, session: RemoteSession) -> bool:
    """Preparing, Authorize (unless AuthorizeRemoteTxRequests is false), StartTransaction,
    Charging, MeterValues every MeterValueSampleInterval, StopTransaction, Finishing."""
    connector = session.connector_id
    await cp.charging.set_connector_status(connector, "Preparing")
    authorize = cp.device.flag("AuthorizeRemoteTxRequests")
    if session.stop.is_set() or (authorize and not await _authorized(cp, session.id_tag)):
        return False
    try:
        transaction_id = await cp.charging.start_transaction(connector, session.id_tag)
    except CallErrorReceived:
        return False
    session.transaction_id = transaction_id
    await cp.charging.set_connector_status(connector, "Charging")

    async def sample() -> None:
        await cp.charging.meter_values(connector, transaction_id)

    reason = await _charge(cp, session, sample, "MeterValueSampleInterval")
    if reason is None:
        return False
    meter = cp.charging.meter(connector)
    meter.stop()
    with contextlib.suppress(CallErrorReceived):
        await cp.charging.stop_transaction(transaction_id, int(meter.register_wh), reason=reason)
    await cp.charging.set_connector_status(connector, "Finishing")
    return reason != "DeAuthorized"


async def _remote_session_201(cp: ChargerApi, session: RemoteSession) -> bool:
    """Occupied, Authorize (unless AuthCtrlr.AuthorizeRemoteStart is false), TransactionEvent
    Started (RemoteStart, remoteStartId) / Updated every TxUpdatedInterval / Ended."""
    evse = session.connector_id
    await cp.charging.set_connector_status(evse, "Occupied")
    authorize = cp.device.flag(("AuthCtrlr", "AuthorizeRemoteStart"))
    if session.stop.is_set() or (authorize and not await _authorized(cp, session.id_tag)):
        return False
    try:
        started = await cp.charging.transaction_event(
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
        await cp.charging.transaction_event("Updated", transaction_id=transaction_id, evse_id=evse)

    reason = await _charge(cp, session, sample, ("SampledDataCtrlr", "TxUpdatedInterval"))
    if reason is None:
        return False
    with contextlib.suppress(CallErrorReceived):
        await cp.charging.transaction_event(
            "Ended", transaction_id=transaction_id, evse_id=evse, stopped_reason=reason
        )
    return reason != "DeAuthorized"


async def _charge(
    cp: ChargerApi,
    session: RemoteSession,
    sample: Callable[[], Awaitable[None]],
    interval_key: str | tuple[str, str],
) -> str | None:
    """Meter until stopped; the stop reason, or None when the CSMS never took the start."""
    assert session.transaction_id is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + cp.device.remote_session_duration_s
    while True:
        verdict = cp.charging.start_authorization(session.transaction_id)
        if verdict == START_FAILED:
            cp.charging.forget_transaction(session.transaction_id)
            return None
        if verdict not in (None, "Accepted"):
            return "DeAuthorized"
        remaining = deadline - loop.time()
        # Read each time: the CSMS may change the interval while the car charges.
        interval = cp.device.number(interval_key)
        wait = min(interval, remaining) if interval > 0 else remaining
        if await set_within(session.stop, wait):
            return session.stop_reason
        if loop.time() >= deadline:
            return "EVDisconnected"
        with contextlib.suppress(CallErrorReceived):
            await sample()


async def stop_running_transaction(cp: ChargerApi, active: ActiveTransaction, reason: str) -> None:
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
        await quietly(cp.charging.stop_transaction(active.transaction_id, reason=reason))
        await cp.charging.set_connector_status(connector, "Finishing")
    else:
        assert isinstance(active.transaction_id, str)
        await quietly(
            cp.charging.transaction_event(
                "Ended",
                transaction_id=active.transaction_id,
                evse_id=connector,
                stopped_reason=reason,
            )
        )
    await settle(cp, connector)


async def _stop_everything(cp: ChargerApi, reason: str) -> None:
    for session in list(cp.device.remote_sessions.values()):
        session.request_stop(reason)  # also those still authorizing: they must not start
    for active in list(cp.charging.transactions.values()):
        await stop_running_transaction(cp, active, reason)


async def stop_all_and_reboot(cp: ChargerApi, reason: str) -> None:
    await _stop_everything(cp, reason)
    log.info("%s rebooting (%s)", cp.charge_point_id, reason)
    await cp.reboot()
