"""A charging 2.0.1 station shows "charging" like a 1.6 one: its StatusNotification says only
Occupied, and the chargingState of its TransactionEvents (E02, F01, F03: the Charging /
SuspendedEV / SuspendedEVSE / EVConnected states) is what the charger list, its detail and the
overview read (docs/adr/0035, amended)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from simulator import Backoff, SimulatedCharger
from simulator.handlers import default_handlers
from tests.e2e.conftest import run
from tests.e2e.test_commands_via_api import ACCEPTED, Operator, View, eventually, new_id

pytestmark = pytest.mark.e2e

V201 = "ocpp2.0.1"


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def transaction_event(
    event_type: str, seq_no: int, trigger: str, state: str | None, **extra: Any
) -> dict[str, Any]:
    info: dict[str, Any] = {"transactionId": "tx-e2e-1"}
    if state is not None:
        info["chargingState"] = state
    return {
        "eventType": event_type,
        "timestamp": now(),
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": info,
        **extra,
    }


async def detail(operator: Operator, cp_id: str) -> tuple[str, str | None]:
    """(charger state, the EVSE 1 connector's chargingState) as the operator API shows them."""
    view: View = await operator.charger(cp_id)
    connectors = [c for c in view["connectors"] if c["evseId"] == 1]
    return view["state"], connectors[0]["chargingState"] if connectors else None


def test_E02_a_2_0_1_station_that_charges_shows_charging_and_suspended_is_charging_too(
    platform,
) -> None:
    operator = Operator(platform)
    cp_id = new_id("CS201")

    async def listed_state() -> str | None:
        page = await operator.call("GET", "/chargers", q=cp_id, limit=100, state="charging")
        states = [item["state"] for item in page["items"] if item["chargePointId"] == cp_id]
        return states[0] if states else None

    async def scenario() -> list[Any]:
        await operator.call("POST", "/id-tags", {"idTag": "CS-TAG-1"})
        async with SimulatedCharger(platform.ws_url, cp_id, protocol=V201) as cp:
            await cp.boot()
            occupied = {
                "timestamp": now(),
                "connectorStatus": "Occupied",
                "evseId": 1,
                "connectorId": 1,
            }
            await cp.call("StatusNotification", occupied)
            token = {"idToken": "CS-TAG-1", "type": "ISO14443"}
            started = transaction_event(
                "Started",
                0,
                "CablePluggedIn",
                "EVConnected",
                evse={"id": 1, "connectorId": 1},
                idToken=token,
            )
            await cp.call("TransactionEvent", started)
            seen: list[Any] = [await detail(operator, cp_id)]
            # Later events name no EVSE: the session's is used.
            await cp.call(
                "TransactionEvent",
                transaction_event("Updated", 1, "ChargingStateChanged", "Charging"),
            )
            seen += [await detail(operator, cp_id), await listed_state()]
            overview: View = await operator.call("GET", "/overview")
            seen.append(overview["sessions"]["charging"] >= 1)
            await cp.call(
                "TransactionEvent",
                transaction_event("Updated", 2, "ChargingStateChanged", "SuspendedEV"),
            )
            seen.append(await detail(operator, cp_id))
            await cp.call(
                "TransactionEvent",
                transaction_event(
                    "Ended",
                    3,
                    "StopAuthorized",
                    "EVConnected",
                    idToken=token,
                ),
            )
            seen.append(await detail(operator, cp_id))
            await cp.call("StatusNotification", {**occupied, "connectorStatus": "Available"})
            seen.append(await detail(operator, cp_id))
            return seen

    seen = run(scenario())
    assert seen == [
        ("occupied", "EVConnected"),
        ("charging", "Charging"),
        "charging",
        True,
        ("charging", "SuspendedEV"),
        ("occupied", "EVConnected"),
        ("available", "EVConnected"),
    ]


def test_F01_F03_a_remotely_started_2_0_1_session_shows_charging_until_it_stops(platform) -> None:
    operator = Operator(platform)
    cp_id = new_id("CS201R")

    async def scenario() -> tuple[View, list[str]]:
        await operator.call("POST", "/id-tags", {"idTag": "CS-TAG-2"})
        charger = SimulatedCharger(
            platform.ws_url,
            cp_id,
            protocol=V201,
            handlers=default_handlers(accept=True),
            backoff=Backoff(initial_s=0.05, max_s=0.2),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(charger.run(stop))
        states: list[str] = []
        try:
            await asyncio.wait_for(charger.ever_online.wait(), 10)
            started = await operator.command(
                cp_id,
                "RequestStartTransaction",
                {"idToken": {"idToken": "CS-TAG-2", "type": "Central"}, "remoteStartId": 7},
            )

            async def charging() -> bool:
                return (await detail(operator, cp_id))[0] == "charging"

            await eventually(charging)
            states.append("charging")

            async def active() -> list[View]:
                sessions = await operator.sessions(cp_id)
                return [s for s in sessions if s["status"] == "active"]

            [session] = await eventually(active)
            await operator.command(
                cp_id, "RequestStopTransaction", {"transactionId": session["transactionId"]}
            )

            async def not_charging() -> str | None:
                state = (await detail(operator, cp_id))[0]
                return state if state != "charging" else None

            states.append(await eventually(not_charging))

            async def quiet() -> bool:  # the last answers reached the charger before it stops
                return charger.is_quiet

            await eventually(quiet, timeout=5)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
        assert charger.stats.errors == {}, charger.stats.errors
        return started, states

    started, states = run(scenario(), timeout=45)
    assert started["result"] == ACCEPTED
    assert states[0] == "charging"
    assert states[1] in ("available", "occupied")
