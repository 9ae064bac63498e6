"""The operator console's fleet views on the local platform: a simulated charger goes from
available to charging in the charger list, its detail and the overview, and the command that
started it shows in its history with the charger's answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from csms_cli.client import quote
from simulator import Backoff, SimulatedCharger
from simulator.handlers import default_handlers
from tests.e2e.conftest import run
from tests.e2e.test_commands_via_api import ACCEPTED, Operator, View, eventually, new_id

pytestmark = pytest.mark.e2e


def test_a_charger_goes_from_available_to_charging_and_its_command_is_in_the_history(
    platform,
) -> None:
    operator = Operator(platform)
    tag = new_id("TAG")
    cp_id = new_id("FLEET")

    async def listed_state(**query: Any) -> str | None:
        page = await operator.call("GET", "/chargers", q=cp_id, limit=100, **query)
        states = [item["state"] for item in page["items"] if item["chargePointId"] == cp_id]
        return states[0] if states else None

    async def detail_state() -> str:
        state: str = (await operator.charger(cp_id))["state"]
        return state

    async def scenario() -> tuple[list[str], View, View, View, View]:
        await operator.call("POST", "/id-tags", {"idTag": tag})
        charger = SimulatedCharger(
            platform.ws_url,
            cp_id,
            protocol="ocpp1.6",
            handlers=default_handlers(accept=True),
            backoff=Backoff(initial_s=0.05, max_s=0.2),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(charger.run(stop))
        try:
            await asyncio.wait_for(charger.ever_online.wait(), 10)

            async def available() -> bool:
                return await detail_state() == "available"

            await eventually(available)
            seen = [await detail_state(), await listed_state() or "absent"]
            started = await operator.command(
                cp_id, "RemoteStartTransaction", {"idTag": tag, "connectorId": 1}
            )

            async def charging() -> bool:
                return await detail_state() == "charging"

            await eventually(charging)
            seen += [await detail_state(), await listed_state(state="charging") or "absent"]
            overview: View = await operator.call("GET", "/overview")
            history: View = await operator.call("GET", f"/chargers/{quote(cp_id)}/commands")
            resets: View = await operator.call(
                "GET", f"/chargers/{quote(cp_id)}/commands", action="Reset"
            )

            async def active() -> list[View]:
                sessions = await operator.sessions(cp_id)
                return [s for s in sessions if s["status"] == "active"]

            [session] = await eventually(active)
            await operator.command(
                cp_id, "RemoteStopTransaction", {"transactionId": int(session["transactionId"])}
            )

            async def settled() -> bool:
                return not charger.device.remote_sessions and charger.is_quiet

            await eventually(settled)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
        assert charger.stats.errors == {}, charger.stats.errors
        return seen, started, overview, history, resets

    seen, started, overview, history, resets = run(scenario(), timeout=45)
    assert seen == ["available", "available", "charging", "charging"]
    assert started["result"] == ACCEPTED
    [newest, *_] = history["items"]
    assert newest["commandId"] == started["commandId"]
    assert (newest["action"], newest["status"], newest["result"]) == (
        "RemoteStartTransaction",
        "answered",
        ACCEPTED,
    )
    assert resets["items"] == []
    assert overview["chargers"]["byState"]["charging"] >= 1
    assert overview["chargers"]["total"] >= 1
    assert overview["sessions"]["charging"] >= 1
