"""OCPP 2.0.1 reservations (H01, H02, ReservationStatusUpdate), the stored token type in
SendLocalList, and command slots over a reconnect (docs/adr/0038-command-slots.md), through the
local gateway with a simulated 2.0.1 station."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_cli.client import Client, quote
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


def recording_station(received: list[tuple[str, dict[str, Any]]]) -> CommandHandlerTable:
    handlers = CommandHandlerTable()
    for action in ("ReserveNow", "CancelReservation", "SendLocalList"):

        async def accept(cp: Any, payload: dict[str, Any], action: str = action) -> Any:
            received.append((action, payload))
            return {"status": "Accepted"}

        handlers.handler(action)(accept)
    return handlers


class Operator:
    def __init__(self, platform: Any) -> None:
        self.client = Client(platform.http_url, "dev-operator-token", timeout_s=30)

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        return await asyncio.to_thread(self.client.request, method, path, None, body)


def in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_station(platform: Any, scenario: Any) -> Any:
    cp_id = f"H-{uuid.uuid4().hex[:8]}"
    received: list[tuple[str, dict[str, Any]]] = []

    async def main() -> Any:
        async with SimulatedCharger(
            platform.ws_url, cp_id, protocol=V201, handlers=recording_station(received)
        ) as cp:
            await cp.boot()
            return await scenario(cp, f"/chargers/{quote(cp_id)}", Operator(platform))

    return run(main(), timeout=30), received


def test_H01_H02_reserve_and_cancel_on_a_201_station(platform):
    tag = f"CARD-{uuid.uuid4().hex[:6]}"

    async def scenario(cp, base, operator):
        await operator.call("PUT", f"/id-tags/{tag}", {"tokenType": "ISO15693"})
        body = {"connectorId": 1, "idTag": tag, "expiryDate": in_an_hour()}
        made = await operator.call("POST", f"{base}/reservations", body)
        reservation_id = made["reservation"]["reservationId"]
        cancelled = await operator.call("DELETE", f"{base}/reservations/{reservation_id}")
        listed = await operator.call("GET", f"{base}/reservations")
        return made, cancelled, listed

    (made, cancelled, listed), received = with_station(platform, scenario)
    reservation_id = made["reservation"]["reservationId"]
    assert made["command"]["result"] == {"status": "Accepted"}
    assert received[0] == (
        "ReserveNow",
        {
            "id": reservation_id,
            "expiryDateTime": made["reservation"]["expiryDate"],
            "idToken": {"idToken": tag, "type": "ISO15693"},
            "evseId": 1,
        },
    )
    assert received[1] == ("CancelReservation", {"reservationId": reservation_id})
    assert cancelled["command"]["result"] == {"status": "Accepted"}
    [item] = listed["items"]
    assert (item["reservationId"], item["status"]) == (reservation_id, "cancelled")


def test_H04_reservation_status_update_expires_the_reservation(platform):
    async def scenario(cp, base, operator):
        body = {"connectorId": 0, "idTag": "ANYONE", "expiryDate": in_an_hour()}
        made = await operator.call("POST", f"{base}/reservations", body)
        reservation_id = made["reservation"]["reservationId"]
        update = {"reservationId": reservation_id, "reservationUpdateStatus": "Expired"}
        answers = [await cp.call("ReservationStatusUpdate", update) for _ in range(2)]
        listed = await operator.call("GET", f"{base}/reservations")
        return answers, listed

    (answers, listed), received = with_station(platform, scenario)
    assert answers == [{}, {}]
    assert "evseId" not in received[0][1]
    [item] = listed["items"]
    assert (item["status"], item["chargerStatus"]) == ("expired", "Expired")


def test_D01_send_local_list_carries_the_stored_token_type(platform):
    tags = {f"KEY-{uuid.uuid4().hex[:6]}": "KeyCode", f"RFID-{uuid.uuid4().hex[:6]}": None}

    async def scenario(cp, base, operator):
        for tag, kind in tags.items():
            await operator.call("PUT", f"/id-tags/{tag}", {"tokenType": kind} if kind else {})
        body = {"updateType": "Differential", "idTags": list(tags)}
        return await operator.call("POST", f"{base}/local-list", body)

    sent, received = with_station(platform, scenario)
    assert sent["result"] == {"status": "Accepted"}
    entries = received[0][1]["localAuthorizationList"]
    assert {e["idToken"]["idToken"]: e["idToken"]["type"] for e in entries} == {
        tag: kind or "ISO14443" for tag, kind in tags.items()
    }
