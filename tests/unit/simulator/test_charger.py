import asyncio
import base64
import contextlib
import json
import time
from typing import Any

import pytest

from simulator import (
    Backoff,
    CallErrorReceived,
    CallErrorReply,
    CommandHandlerTable,
    ConnectionLost,
    ConnectionRefused,
    ResponseTimeout,
    SimulatedCharger,
    SubprotocolMismatch,
)
from tests.unit.simulator.schemas import assert_valid_request
from tests.unit.simulator.scripted_csms import NO_REPLY, Reply, ScriptedCsms, async_test

FAST: dict[str, Any] = {
    "heartbeat_interval_s": 0.05,
    "backoff": Backoff(initial_s=0.01, max_s=0.05),
}


@contextlib.asynccontextmanager
async def running(charger: SimulatedCharger):
    """Run the charger lifecycle in the background; stop it on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(charger.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


@pytest.mark.parametrize(
    ("protocol", "expected_connectors"),
    [
        ("ocpp1.6", [(None, 0), (None, 1), (None, 2)]),
        ("ocpp2.0.1", [(1, 1), (2, 1)]),
    ],
)
@async_test
async def test_boot_statuses_then_heartbeats_in_order(protocol, expected_connectors):
    async with ScriptedCsms() as csms:
        charger = SimulatedCharger(csms.url, "CP-1", protocol=protocol, connectors=2, **FAST)
        async with running(charger):
            await csms.wait_until(lambda: len(csms.calls("Heartbeat")) >= 2)

    assert csms.handshakes[0].path == "/ocpp/CP-1"
    assert csms.handshakes[0].offered == protocol
    assert csms.handshakes[0].authorization is None
    actions = [r.action for r in csms.calls()]
    statuses = len(expected_connectors)
    assert actions[: 1 + statuses] == ["BootNotification"] + ["StatusNotification"] * statuses
    assert set(actions[1 + statuses :]) == {"Heartbeat"}
    for call in csms.calls():
        assert call.action is not None
        assert_valid_request(protocol, call.action, call.payload)

    boot = csms.calls("BootNotification")[0].payload
    status_payloads = [r.payload for r in csms.calls("StatusNotification")]
    if protocol == "ocpp1.6":
        assert boot["chargePointSerialNumber"] == "CP-1"
        assert [(None, p["connectorId"]) for p in status_payloads] == expected_connectors
        assert {(p["status"], p["errorCode"]) for p in status_payloads} == {
            ("Available", "NoError")
        }
    else:
        assert boot["reason"] == "PowerUp"
        assert boot["chargingStation"]["serialNumber"] == "CP-1"
        assert [(p["evseId"], p["connectorId"]) for p in status_payloads] == expected_connectors
        assert {p["connectorStatus"] for p in status_payloads} == {"Available"}
    assert charger.stats.errors == {}
    assert charger.stats.accepted == {"CP-1"}
    assert charger.stats.round_trips_s
    assert not charger.is_connected


@async_test
async def test_the_boot_interval_becomes_the_heartbeat_interval():
    async with ScriptedCsms(boot_script=[{"status": "Accepted", "interval": 7}]) as csms:
        charger = SimulatedCharger(csms.url, "CP-1")
        async with running(charger):
            await csms.wait_until(lambda: len(csms.calls("StatusNotification")) == 2)
            await asyncio.sleep(0.3)
            assert charger.heartbeat_interval_s == 7
            assert csms.calls("Heartbeat") == []


@async_test
async def test_no_heartbeat_while_other_messages_flow():
    """HeartbeatInterval is an interval of inactivity (OCPP 1.6 and 2.0.1): a charger that
    keeps sending (meter values while charging) sends no Heartbeat; one follows the silence."""
    async with ScriptedCsms() as csms:
        charger = SimulatedCharger(csms.url, "CP-1", **{**FAST, "heartbeat_interval_s": 0.4})
        async with running(charger):
            await csms.wait_until(lambda: len(csms.calls("StatusNotification")) == 2)
            for _ in range(12):  # 1.2 s of traffic, a message every 0.1 s
                await charger.call("DataTransfer", {"vendorId": "com.example"})
                await asyncio.sleep(0.1)
            assert csms.calls("Heartbeat") == []
            await csms.wait_until(lambda: len(csms.calls("Heartbeat")) >= 1)
        last_data = max(i for i, c in enumerate(csms.calls()) if c.action == "DataTransfer")
        first_heartbeat = min(i for i, c in enumerate(csms.calls()) if c.action == "Heartbeat")
        assert first_heartbeat > last_data


@async_test
async def test_pending_waits_the_given_interval_then_boots_again():
    script = [{"status": "Pending", "interval": 1}, {"status": "Accepted", "interval": 60}]
    async with ScriptedCsms(boot_script=script) as csms:
        charger = SimulatedCharger(csms.url, "CP-1", **FAST)
        async with running(charger):
            await csms.wait_until(lambda: len(csms.calls("BootNotification")) == 1)
            first_boot = time.monotonic()
            await csms.wait_until(lambda: len(csms.calls("BootNotification")) == 2)
            waited = time.monotonic() - first_boot
            await csms.wait_until(lambda: len(csms.calls("Heartbeat")) >= 1)

    assert 0.9 <= waited < 2.0
    # Nothing but boots is sent before acceptance.
    assert [r.action for r in csms.calls()][:3] == [
        "BootNotification",
        "BootNotification",
        "StatusNotification",
    ]
    assert dict(charger.stats.boot_responses) == {"Pending": 1, "Accepted": 1}
    assert charger.stats.errors == {}


@async_test
async def test_rejected_boot_retries_after_the_override_interval():
    script = [{"status": "Rejected", "interval": 600}, {"status": "Accepted", "interval": 60}]
    async with ScriptedCsms(boot_script=script) as csms:
        charger = SimulatedCharger(csms.url, "CP-1", boot_retry_interval_s=0.05, **FAST)
        async with running(charger):
            await csms.wait_until(lambda: len(csms.calls("StatusNotification")) == 2)
    assert dict(charger.stats.boot_responses) == {"Rejected": 1, "Accepted": 1}


@async_test
async def test_callerror_raises_and_is_counted_with_its_code():
    async with (
        ScriptedCsms(responder=lambda cp, action, payload: Reply("InternalError")) as csms,
        SimulatedCharger(csms.url, "CP-1") as charger,
    ):
        with pytest.raises(CallErrorReceived) as caught:
            await charger.heartbeat()
        assert (caught.value.code, caught.value.description) == ("InternalError", "scripted")
    assert charger.stats.errors == {"CallError.InternalError": 1}


@async_test
async def test_callerrors_do_not_stop_the_heartbeat_loop():
    async with ScriptedCsms(responder=lambda cp, action, payload: Reply("GenericError")) as csms:
        charger = SimulatedCharger(csms.url, "CP-1", **FAST)
        async with running(charger):
            await csms.wait_until(lambda: len(csms.calls("Heartbeat")) >= 2)
    # Two status notifications plus at least two heartbeats, all answered with CALLERROR.
    assert charger.stats.errors["CallError.GenericError"] >= 4


@async_test
async def test_unanswered_call_times_out_counts_and_leaves_the_charger_usable():
    answers = iter([NO_REPLY])

    def responder(cp, action, payload):
        return next(answers, {"currentTime": "2030-01-01T00:00:00Z"})

    async with (
        ScriptedCsms(responder=responder) as csms,
        SimulatedCharger(csms.url, "CP-1", response_timeout_s=0.1) as charger,
    ):
        with pytest.raises(ResponseTimeout):
            await charger.heartbeat()
        assert await charger.heartbeat() == {"currentTime": "2030-01-01T00:00:00Z"}
    assert charger.stats.errors == {"timeout": 1}
    assert len(charger.stats.round_trips_s) == 1


@async_test
async def test_a_late_answer_to_an_abandoned_call_is_not_another_error():
    async with (
        ScriptedCsms(responder=lambda cp, action, payload: NO_REPLY) as csms,
        SimulatedCharger(csms.url, "CP-1", response_timeout_s=0.1) as charger,
    ):
        with pytest.raises(ResponseTimeout):
            await charger.heartbeat()
        cancelled = asyncio.create_task(charger.heartbeat())
        await csms.wait_until(lambda: len(csms.calls("Heartbeat")) == 2)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        server_side = csms.sockets["CP-1"]
        for call in csms.calls("Heartbeat"):
            await server_side.send_str(json.dumps([3, call.frame[1], {"currentTime": "x"}]))
        await server_side.send_str(json.dumps([3, "never-sent", {}]))
        await csms.wait_until(lambda: charger.stats.messages_received >= 3)
    # The timeout counted once; the answer nobody asked for is still an error.
    assert charger.stats.errors == {"timeout": 1, "unexpected_response": 1}


@async_test
async def test_connection_drop_fails_the_pending_call():
    async with (
        ScriptedCsms(responder=lambda cp, action, payload: NO_REPLY) as csms,
        SimulatedCharger(csms.url, "CP-1") as charger,
    ):
        call = asyncio.create_task(charger.heartbeat())
        await csms.wait_until(lambda: len(csms.calls("Heartbeat")) == 1)
        await csms.sockets["CP-1"].close()
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(call, 2)
    assert charger.stats.errors == {"connection_lost": 1}


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
@async_test
async def test_csms_calls_without_handler_get_not_implemented(protocol):
    async with (
        ScriptedCsms() as csms,
        SimulatedCharger(
            csms.url, "CP-1", protocol=protocol, handlers=CommandHandlerTable()
        ) as charger,
    ):
        answer = await csms.send_call("CP-1", "Reset", {"type": "Hard"})
    assert answer[0] == 4
    assert answer[2] == "NotImplemented"
    # The ocpp package words the answer (the charger speaks through it).
    assert answer[4] == {"cause": "No handler for Reset registered."}
    assert charger.stats.csms_calls == {"Reset": 1}
    assert charger.csms_calls[0].payload == {"type": "Hard"}


@async_test
async def test_registered_handlers_answer_csms_calls():
    handlers = CommandHandlerTable()

    @handlers.handler("Reset")
    async def reset(charger, payload):
        return {"status": "Accepted" if payload["type"] == "Soft" else "Rejected"}

    @handlers.handler("UnlockConnector", protocol="ocpp1.6")
    async def unlock(charger, payload):
        raise CallErrorReply("OccurenceConstraintViolation", "no such connector")

    async with ScriptedCsms() as csms, SimulatedCharger(csms.url, "CP-1", handlers=handlers):
        soft = await csms.send_call("CP-1", "Reset", {"type": "Soft"})
        unlock_answer = await csms.send_call("CP-1", "UnlockConnector", {"connectorId": 9})
    assert soft[0] == 3
    assert soft[2] == {"status": "Accepted"}
    assert unlock_answer[2:4] == ["OccurenceConstraintViolation", "no such connector"]


@async_test
async def test_refused_handshake_raises_connection_refused_with_the_status():
    async with ScriptedCsms(refuse_status=403) as csms:
        with pytest.raises(ConnectionRefused) as caught:
            async with SimulatedCharger(csms.url, "CP-1"):
                pass
    assert caught.value.status == 403


@async_test
async def test_basic_auth_uses_the_charger_id_and_password():
    async with (
        ScriptedCsms(basic_auth={"CP-1": "s3cret"}) as csms,
        SimulatedCharger(csms.url, "CP-1", password="s3cret") as charger,
    ):
        await charger.boot()
        with pytest.raises(ConnectionRefused) as caught:
            async with SimulatedCharger(csms.url, "CP-1", password="wrong"):
                pass
    assert caught.value.status == 401
    assert csms.handshakes[0].authorization == "Basic " + base64.b64encode(b"CP-1:s3cret").decode()


@async_test
async def test_a_server_that_selects_no_subprotocol_is_refused_clearly():
    async with ScriptedCsms(protocols=("ocpp2.0.1",)) as csms:
        with pytest.raises(SubprotocolMismatch, match=r"offered subprotocol 'ocpp1.6'.*none"):
            async with SimulatedCharger(csms.url, "CP-1", protocol="ocpp1.6"):
                pass


@async_test
async def test_query_id_form_puts_the_id_in_the_query_string():
    async with (
        ScriptedCsms() as csms,
        SimulatedCharger(csms.url, "CP 1/x", query_id=True) as charger,
    ):
        assert charger.subprotocol == "ocpp1.6"
    assert csms.handshakes[0].path == "/ocpp"
    assert csms.handshakes[0].query == {"chargePointId": "CP 1/x"}


@async_test
async def test_dropped_connection_is_reopened_and_counted():
    async with ScriptedCsms() as csms:
        charger = SimulatedCharger(
            csms.url, "CP-1", heartbeat_interval_s=0.2, backoff=Backoff(0.01, 0.05)
        )
        async with running(charger):
            await csms.wait_until(lambda: len(csms.calls("Heartbeat")) == 1)
            # Idle between heartbeats, like API Gateway's 2-hour cut.
            await csms.sockets["CP-1"].close()
            await csms.wait_until(lambda: len(csms.calls("Heartbeat")) == 2)
    assert len(csms.handshakes) == 2
    assert len(csms.calls("BootNotification")) == 2
    assert charger.stats.reconnects == 1
    assert charger.stats.errors == {}
    assert charger.stats.connected == 0


@async_test
async def test_raw_frames_and_their_answers_bypass_the_pending_table():
    async with ScriptedCsms() as csms, SimulatedCharger(csms.url, "CP-1") as charger:
        await charger.send_raw('[2,"raw-1","Heartbeat",{}]')
        answer = json.loads(await charger.receive_raw(2))
        assert answer[:2] == [3, "raw-1"]
        with pytest.raises(TimeoutError):
            await charger.receive_raw(0.05)
    assert charger.stats.errors == {}
