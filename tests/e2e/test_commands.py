"""Commands from the central system to a charger through the local gateway's @connections API,
with the reply coming back as its own $default invocation — the API Gateway round trip."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from shared.bootstrap import aws_services
from shared.commands.engine import CommandError
from shared.config import get_settings
from simulator import SimulatedCharger
from simulator.errors import CallErrorReply
from simulator.handlers import CommandHandlerTable
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e


def charger_handlers() -> CommandHandlerTable:
    handlers = CommandHandlerTable()

    @handlers.handler("Reset")
    async def reset(cp, payload):
        return {"status": "Accepted" if payload["type"] == "Soft" else "Rejected"}

    @handlers.handler("GetConfiguration")
    async def get_configuration(cp, payload):
        return {
            "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "540"}]
        }

    @handlers.handler("UnlockConnector")
    async def unlock(cp, payload):
        raise CallErrorReply("NotSupported", "no actuator")

    @handlers.handler("ClearCache")
    async def slow(cp, payload):
        await asyncio.sleep(3)
        return {"status": "Accepted"}

    return handlers


@pytest.fixture
def engine(platform):
    # Built inside the test process after the platform set the handlers' environment: the same
    # DynamoDB (moto) and @connections endpoint (the gateway) the Lambda handlers use.
    get_settings.cache_clear()
    return aws_services(get_settings()).engine


def with_charger(platform, scenario):
    cp_id = f"CMD-{uuid.uuid4().hex[:8]}"

    async def main():
        async with SimulatedCharger(platform.ws_url, cp_id, handlers=charger_handlers()) as cp:
            await cp.boot()
            return await scenario(cp_id)

    return run(main())


def test_command_answered_accepted_and_rejected(platform, engine):
    async def scenario(cp_id):
        outcomes = []
        for kind in ("Soft", "Hard"):
            record = await asyncio.to_thread(engine.send, cp_id, "Reset", {"type": kind})
            done = await asyncio.to_thread(engine.wait, cp_id, record.message_id, 10)
            outcomes.append((done.status, done.result))
        return outcomes

    assert with_charger(platform, scenario) == [
        ("answered", {"status": "Accepted"}),
        ("answered", {"status": "Rejected"}),
    ]


def test_command_with_a_structured_answer(platform, engine):
    async def scenario(cp_id):
        record = await asyncio.to_thread(engine.send, cp_id, "GetConfiguration", {})
        return await asyncio.to_thread(engine.wait, cp_id, record.message_id, 10)

    done = with_charger(platform, scenario)
    assert done.result["configurationKey"][0]["key"] == "HeartbeatInterval"


def test_call_error_from_the_charger(platform, engine):
    async def scenario(cp_id):
        record = await asyncio.to_thread(engine.send, cp_id, "UnlockConnector", {"connectorId": 1})
        return await asyncio.to_thread(engine.wait, cp_id, record.message_id, 10)

    done = with_charger(platform, scenario)
    assert (done.status, done.error["code"]) == ("error", "NotSupported")


def test_second_command_while_one_is_in_flight_is_refused(platform, engine):
    async def scenario(cp_id):
        slow = await asyncio.to_thread(engine.send, cp_id, "ClearCache", {}, timeout_s=10)
        with pytest.raises(CommandError) as busy:
            await asyncio.to_thread(engine.send, cp_id, "Reset", {"type": "Soft"})
        done = await asyncio.to_thread(engine.wait, cp_id, slow.message_id, 10)
        return busy.value.status, done.status

    assert with_charger(platform, scenario) == (409, "answered")


def test_timeout_and_late_answer(platform, engine):
    async def scenario(cp_id):
        record = await asyncio.to_thread(engine.send, cp_id, "ClearCache", {}, timeout_s=1)
        timed_out = await asyncio.to_thread(engine.wait, cp_id, record.message_id, 5)
        await asyncio.sleep(2.5)  # the charger's late answer arrives and is dropped
        return timed_out.status, engine.get(cp_id, record.message_id).status

    assert with_charger(platform, scenario) == ("timeout", "timeout")


def test_command_to_a_charger_that_left(platform, engine):
    cp_id = f"GONE-{uuid.uuid4().hex[:8]}"

    async def scenario():
        async with SimulatedCharger(platform.ws_url, cp_id) as cp:
            await cp.boot()
            connection_id = engine.chargers.get(cp_id).connection_id
        # The charger is gone; pretend the registry missed the disconnect (a lost $disconnect).
        for _ in range(50):
            if not engine.chargers.get(cp_id).online:
                break
            await asyncio.sleep(0.05)
        engine.chargers.attach_connection(cp_id, connection_id, "ocpp1.6", 2**40)
        with pytest.raises(CommandError) as offline:
            await asyncio.to_thread(engine.send, cp_id, "Reset", {"type": "Soft"})
        return offline.value, engine.chargers.get(cp_id).online

    error, online = run(scenario())
    assert (error.status, error.code) == (503, "ChargerOffline")
    assert online is False
