"""A driver's sessions through the driver API: only theirs (app token and cards), newest first,
live energy and duration, and stopping one in its OCPP version's terms."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.drivers.sessions import app_token, session_id
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.timeutil import to_epoch_ms
from tests.unit.api.driver_client import DriverClient, drivers
from tests.unit.api.world import START, World, make_world


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def alice(world) -> DriverClient:
    return drivers(world.services, "alice-sub")[0]


@pytest.fixture
def bob(world) -> DriverClient:
    return drivers(world.services, "bob-sub")[0]


def session(
    world: World, cp: str, tx: str, id_tag: str, minute: int, **fields
) -> TransactionRecord:
    started = START.replace(minute=minute)
    fields.setdefault("protocol", "ocpp1.6")
    record = TransactionRecord(
        charge_point_id=cp,
        transaction_id=tx,
        status="active",
        connector_id=1,
        id_tag=id_tag,
        meter_start_wh=1_000,
        started_at=started.isoformat().replace("+00:00", "Z"),
        started_at_ms=to_epoch_ms(started),
        **fields,
    )
    world.deps.transactions.create(record)
    return record


@pytest.fixture
def alices_sessions(world, alice) -> list[TransactionRecord]:
    token = world.services.driver_sessions.ensure_app_token("alice-sub")
    assert alice.post("/driver/cards", {"uid": "04A2B3C4"}).status == 201
    return [
        session(
            world,
            "CP-1",
            "1",
            token,
            1,
            meter_stop_wh=5_000,
            stopped_at="2030-01-01T12:30:00Z",
            energy_wh=4_000,
            duration_s=1740,
            stop_reason="Local",
        ),
        session(world, "CP-2", "7", "04A2B3C4", 2),
        session(world, "CP-1", "2", token, 3, last_meter_wh=3_500),
    ]


def test_the_app_token_is_a_twenty_character_tag_owned_by_the_driver(world) -> None:
    token = world.services.driver_sessions.ensure_app_token("alice-sub")
    assert token == app_token("alice-sub") and len(token) == 20 and token.startswith("APP-")
    assert world.deps.id_tags.get(token) == IdTagRecord(
        token, "Accepted", owner_id="alice-sub", token_type="Central"
    )
    assert world.services.driver_sessions.ensure_app_token("alice-sub") == token
    assert app_token("bob-sub") != token


def test_history_is_the_drivers_sessions_newest_first_in_pages(
    world, alice, alices_sessions
) -> None:
    session(world, "CP-3", "9", "SOMEONE-ELSE", 4)
    first = alice.get("/driver/sessions", query={"limit": 2})
    assert first.status == 200
    assert [s["sessionId"] for s in first.body["items"]] == [
        session_id(alices_sessions[2]),
        session_id(alices_sessions[1]),
    ]
    second = alice.get("/driver/sessions", query={"limit": 2, "cursor": first.body["nextCursor"]})
    assert [s["sessionId"] for s in second.body["items"]] == [session_id(alices_sessions[0])]
    assert second.body["nextCursor"] is None
    assert alice.get("/driver/sessions", query={"cursor": "garbage!"}).status == 400


def test_a_running_session_shows_energy_and_duration_so_far(world, alice, alices_sessions) -> None:
    world.clock.now = START.replace(minute=13)
    live = alice.get(f"/driver/sessions/{session_id(alices_sessions[2])}")
    assert live.status == 200
    assert live.body["status"] == "active"
    assert live.body["energyWh"] == 2_500
    assert live.body["durationS"] == 600
    done = alice.get(f"/driver/sessions/{session_id(alices_sessions[0])}").body
    assert (done["energyWh"], done["durationS"], done["stopReason"]) == (4_000, 1740, "Local")


def test_another_drivers_session_and_guessed_ids_are_not_found(
    world, alice, bob, alices_sessions
) -> None:
    strangers = session(world, "CP-3", "9", "SOMEONE-ELSE", 4)
    assert bob.get("/driver/sessions").body == {"items": [], "nextCursor": None}
    for guessed in (
        session_id(alices_sessions[1]),  # alice's, asked by bob
        session_id(strangers),
        session_id(replace(strangers, transaction_id="404")),
        "not-base64-at-all!",
        "Q1AtMQ",  # "CP-1" without a transaction
    ):
        for reply in (
            bob.get(f"/driver/sessions/{guessed}"),
            bob.post(f"/driver/sessions/{guessed}/stop"),
        ):
            assert reply.status == 404, guessed
            assert reply.error["code"] == "NotFound"
    assert world.sent_calls() == []


def test_stopping_a_running_16_session_sends_remote_stop_and_reports_the_answer(
    world, alice, alices_sessions
) -> None:
    world.online_charger("CP-1")
    world.reply({"status": "Accepted"})
    reply = alice.post(f"/driver/sessions/{session_id(alices_sessions[2])}/stop")
    assert reply.status == 200
    assert reply.body["accepted"] is True and reply.body["status"] == "answered"
    ((_, _, action, payload),) = world.sent_calls()
    assert (action, payload) == ("RemoteStopTransaction", {"transactionId": 2})
    command = world.deps.commands.get("CP-1", reply.body["commandId"])
    assert command.requested_by == "driver:alice-sub"


def test_stopping_a_201_session_sends_request_stop(world, alice) -> None:
    token = world.services.driver_sessions.ensure_app_token("alice-sub")
    running = session(world, "CP-9", "tx-abc", token, 5, protocol="ocpp2.0.1", evse_id=1)
    world.online_charger("CP-9", protocol="ocpp2.0.1", connection_id="conn-9")
    world.reply({"status": "Rejected"})
    reply = alice.post(f"/driver/sessions/{session_id(running)}/stop")
    assert reply.body["accepted"] is False
    ((_, _, action, payload),) = world.sent_calls()
    assert (action, payload) == ("RequestStopTransaction", {"transactionId": "tx-abc"})


def test_a_finished_session_or_an_offline_charger_is_refused(world, alice, alices_sessions) -> None:
    finished = alice.post(f"/driver/sessions/{session_id(alices_sessions[0])}/stop")
    assert finished.status == 409
    world.deps.chargers.create(ChargerRecord(charge_point_id="CP-2"))  # registered, not connected
    offline = alice.post(f"/driver/sessions/{session_id(alices_sessions[1])}/stop")
    assert offline.status == 503
    assert offline.error["code"] == "ChargerOffline"
    assert world.sent_calls() == []


def test_the_app_token_is_not_a_card(world, alice) -> None:
    token = world.services.driver_sessions.ensure_app_token("alice-sub")
    assert alice.get("/driver/cards").body == {"items": []}
    assert alice.delete(f"/driver/cards/{token}").status == 404
    assert alice.post("/driver/cards", {"uid": token}).status == 409
    assert world.deps.id_tags.get(token) is not None
