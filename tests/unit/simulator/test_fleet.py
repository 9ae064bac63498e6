import asyncio
import json
import logging
from dataclasses import replace
from typing import Any

import pytest

from simulator import FleetConfig, SessionPlan, run_demo_charger, run_fleet
from tests.unit.simulator.scripted_csms import ScriptedCsms, TransactionResponder, async_test


def fleet(url: str, **overrides) -> FleetConfig:
    settings: dict[str, Any] = {
        "url": url,
        "chargers": 3,
        "duration_s": 0.6,
        "heartbeat_interval_s": 0.1,
        "id_prefix": "T-",
        "ramp_up_s": 0.1,
    }
    return FleetConfig(**(settings | overrides))


@async_test
async def test_fleet_boots_every_charger_and_summarises():
    passwords = {f"T-{i:05d}": f"pw-{i}" for i in (1, 2, 3)}
    async with ScriptedCsms(basic_auth=passwords) as csms:
        summary = await run_fleet(fleet(csms.url, password_template="pw-{index}", connectors=2))

    assert sorted(csms.sockets) == ["T-00001", "T-00002", "T-00003"]
    assert summary.ok, summary.errors
    assert (summary.chargers, summary.started, summary.accepted, summary.connected) == (3, 3, 3, 3)
    assert summary.boot_responses == {"Accepted": 3}
    assert summary.messages_sent == len(csms.received)
    # Every frame we sent was a CALL and every CALL got its answer.
    assert summary.round_trip.count == summary.messages_sent == summary.messages_received
    assert len(csms.calls("Heartbeat")) >= 3 * 3
    assert len(csms.calls("StatusNotification")) == 3 * 3
    rt = summary.round_trip
    assert rt.p50_ms is not None
    assert rt.p99_ms is not None
    assert rt.max_ms is not None
    assert 0 < rt.p50_ms <= rt.p99_ms <= rt.max_ms
    assert 0.6 <= summary.duration_s < 2
    assert summary.messages_per_s == pytest.approx(
        summary.messages_sent / summary.duration_s, rel=0.01
    )


@async_test
async def test_chargers_never_accepted_make_the_run_fail():
    async with ScriptedCsms(boot_script=[{"status": "Rejected", "interval": 60}]) as csms:
        summary = await run_fleet(fleet(csms.url, chargers=2, duration_s=0.3))
    assert summary.boot_responses == {"Rejected": 2}
    assert summary.errors == {"never_accepted": 2}
    assert not summary.ok


@async_test
async def test_refused_connects_are_counted_by_status():
    async with ScriptedCsms(refuse_status=403) as csms:
        summary = await run_fleet(fleet(csms.url, chargers=2, duration_s=0.3))
    assert summary.errors["handshake_refused.403"] >= 2
    assert summary.started == summary.connected == 0


@async_test
async def test_stop_event_ends_an_open_ended_run():
    async with ScriptedCsms() as csms:
        stop = asyncio.Event()
        run = asyncio.create_task(run_fleet(fleet(csms.url, duration_s=None), stop))
        await csms.wait_until(lambda: len(csms.calls("Heartbeat")) >= 3)
        stop.set()
        summary = await asyncio.wait_for(run, 5)
    assert summary.ok
    assert summary.connected == 3


def test_invalid_config_is_refused_with_every_problem():
    config = FleetConfig(
        url="http://x", chargers=0, protocol="ocpp9", password="a", password_template="b"
    )
    with pytest.raises(ValueError, match="ws://") as caught:
        config.validate()
    for problem in ("chargers", "protocol", "password_template"):
        assert problem in str(caught.value)


def test_ids_and_passwords_per_charger():
    config = FleetConfig(
        id_prefix="X-", first_index=7, chargers=2, password_template="p-{id}-{index:03d}"
    )
    assert [config.charge_point_id(i) for i in config.indexes] == ["X-00007", "X-00008"]
    assert config.password_for(7) == "p-X-00007-007"
    assert FleetConfig(password="same").password_for(3) == "same"


@async_test
async def test_demo_charger_narrates_and_stops_on_request(caplog):
    caplog.set_level(logging.INFO, logger="simulator")
    async with ScriptedCsms() as csms:
        stop = asyncio.Event()
        demo = asyncio.create_task(
            run_demo_charger(csms.url, protocol="ocpp2.0.1", stop=stop, heartbeat_interval_s=0.05)
        )
        await csms.wait_until(lambda: len(csms.calls("Heartbeat")) >= 1)
        stop.set()
        await asyncio.wait_for(demo, 5)
    assert list(csms.sockets) == ["DEMO-CP-1"]
    text = caplog.text
    for step in (
        "connected",
        "BootNotification Accepted",
        "StatusNotification",
        "Heartbeat",
        "stopped",
    ):
        assert step in text


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
@async_test
async def test_a_fleet_runs_its_planned_sessions_and_ends_when_they_are_done(protocol):
    plan = SessionPlan(sessions=3, duration_s=0.1, meter_interval_s=0.03)
    config = fleet(
        "",
        chargers=2,
        connectors=2,
        protocol=protocol,
        duration_s=10,
        session_plan=plan,
        time_scale=3600,
    )
    async with ScriptedCsms(responder=TransactionResponder()) as csms:
        summary = await run_fleet(replace(config, url=csms.url))

    assert summary.ok, summary.errors
    assert summary.duration_s < 3  # over when the sessions were, not at the 10 s duration
    totals = summary.sessions
    assert (totals.sessions_started, totals.sessions_completed, totals.sessions_failed) == (6, 6, 0)
    assert (totals.transactions_started, totals.transactions_stopped) == (6, 6)
    assert totals.energy_kwh > 0
    assert totals.still_queued == 0
    # Concurrent sessions use their own id tags.
    tags = {
        (c.payload.get("idTag") or c.payload["idToken"]["idToken"]) for c in csms.calls("Authorize")
    }
    assert tags == {"TAG-00001-1", "TAG-00001-2", "TAG-00002-1", "TAG-00002-2"}


@async_test
async def test_forced_drops_queue_and_replay_without_losing_a_transaction():
    plan = SessionPlan(sessions=2, duration_s=0.4, meter_interval_s=0.05)
    config = fleet(
        "",
        chargers=2,
        duration_s=10,
        session_plan=plan,
        drop_every_s=0.25,
        offline_s=0.1,
        replay_duplicates=1,
        time_scale=3600,
    )
    async with ScriptedCsms(responder=TransactionResponder()) as csms:
        summary = await run_fleet(replace(config, url=csms.url))

    assert summary.ok, summary.errors
    totals = summary.sessions
    assert totals.drops >= 2
    assert totals.queued_offline >= 1
    assert totals.replayed == totals.queued_offline
    assert totals.duplicates_sent >= 1
    assert totals.sessions_completed == totals.transactions_stopped == 4
    assert totals.still_queued == 0
    stops = {json.dumps(c.payload, sort_keys=True) for c in csms.calls("StopTransaction")}
    assert len(stops) == 4  # duplicates repeat a stop, never make a new one


@async_test
async def test_demo_charger_can_charge(caplog):
    caplog.set_level(logging.INFO, logger="simulator")
    async with ScriptedCsms(responder=TransactionResponder()) as csms:
        stop = asyncio.Event()
        demo = asyncio.create_task(
            run_demo_charger(
                csms.url,
                stop=stop,
                session_plan=SessionPlan(sessions=1, duration_s=0.1, meter_interval_s=0.05),
            )
        )
        await csms.wait_until(lambda: len(csms.calls("StopTransaction")) == 1)
        stop.set()
        await asyncio.wait_for(demo, 5)
    assert "session on connector 1 Completed: transaction 1000" in caplog.text
