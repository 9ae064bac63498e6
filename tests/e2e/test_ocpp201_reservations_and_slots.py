"""OCPP 2.0.1 reservations (H01, H02, ReservationStatusUpdate), the stored token type in
SendLocalList, and command slots over a reconnect (docs/adr/0038-command-slots.md), through the
local gateway with a simulated 2.0.1 station."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from shared.bootstrap import aws_services
from shared.config import get_settings
from simulator import SimulatedCharger
from simulator.handlers import CommandHandlerTable
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e

V201 = "ocpp2.0.1"


def station_handlers(received: list[tuple[str, dict[str, Any]]]) -> CommandHandlerTable:
    handlers = CommandHandlerTable()

    @handlers.handler("Reset")
    async def reset(cp, payload):
        received.append(("Reset", payload))
        await asyncio.sleep(60)  # never answers before its connection goes
        return {"status": "Accepted"}

    @handlers.handler("ClearCache")
    async def clear_cache(cp, payload):
        received.append(("ClearCache", payload))
        return {"status": "Accepted"}

    return handlers


@pytest.fixture
def services(platform):
    get_settings.cache_clear()
    return aws_services(get_settings())


def test_reconnect_frees_the_command_slot_at_once(platform, services):
    engine = services.engine
    cp_id = f"SLOT-{uuid.uuid4().hex[:8]}"
    received: list[tuple[str, dict[str, Any]]] = []

    async def main():
        async with SimulatedCharger(
            platform.ws_url, cp_id, protocol=V201, handlers=station_handlers(received)
        ) as cp:
            await cp.boot()
            stuck = await asyncio.to_thread(engine.send, cp_id, "Reset", {"type": "Immediate"})
            for _ in range(100):
                if received:
                    break
                await asyncio.sleep(0.05)
            await cp.drop_connection()
            await cp.connect()
            await cp.boot()
            # At once: not refused with 409 CommandInFlight.
            fresh = await asyncio.to_thread(engine.send, cp_id, "ClearCache", {})
            done = await asyncio.to_thread(engine.wait, cp_id, fresh.message_id, 10)
            lost = await asyncio.to_thread(engine.get, cp_id, stuck.message_id)
            return lost, done

    lost, done = run(main())
    assert (lost.status, lost.error["code"]) == ("offline", "ConnectionLost")
    assert "reconnected" in lost.error["description"]
    assert (done.status, done.result) == ("answered", {"status": "Accepted"})
