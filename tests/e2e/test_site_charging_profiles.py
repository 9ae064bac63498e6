"""Site limits as charging profiles on the local platform (docs/adr/0048): the builder's
profiles sent through the operator command API to a simulated 1.6 and 2.0.1 station, and the
profile sender against a station that rejects them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.bootstrap import aws_services
from shared.config import get_settings
from shared.load_management import profiles
from shared.load_management.profile_sender import ProfileSender
from shared.load_management.rejections import RejectionRules
from shared.models.domain_events import EVSE_CONTROL_LOST, DomainEvent
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Evse
from simulator import Backoff, SimulatedCharger
from simulator.handlers import default_handlers
from tests.e2e.conftest import run
from tests.e2e.test_commands_via_api import Operator, View, eventually, new_id

pytestmark = pytest.mark.e2e

ACCEPTED = {"status": "Accepted"}


def limit(cp_id: str, amps: float, evse: int = 1) -> LimitCommand:
    return LimitCommand(f"site/{cp_id}/{evse}", cp_id, evse, 160, round(amps * 10))


async def composite(operator: Operator, cp: SimulatedCharger, evse: int) -> list[View]:
    version = profiles.V16 if cp.protocol == profiles.V16 else profiles.V201
    answer = await operator.command(
        cp.charge_point_id,
        "GetCompositeSchedule",
        profiles.composite_schedule_request(version, evse, 600),
    )
    result = answer["result"]
    assert result["status"] == "Accepted", answer
    schedule = result["chargingSchedule" if version == profiles.V16 else "schedule"]
    assert schedule["chargingRateUnit"] == "A"
    periods: list[View] = schedule["chargingSchedulePeriod"]
    return periods


async def active_transaction(operator: Operator, cp_id: str) -> str:
    async def active() -> list[View]:
        return [s for s in await operator.sessions(cp_id) if s["status"] == "active"]

    [session] = await eventually(active)
    return str(session["transactionId"])


async def start_session(operator: Operator, cp: SimulatedCharger, tag: str) -> str:
    if cp.protocol == profiles.V16:
        action, start = "RemoteStartTransaction", {"idTag": tag, "connectorId": 1}
    else:
        action = "RequestStartTransaction"
        start = {"idToken": {"idToken": tag, "type": "ISO14443"}, "remoteStartId": 5, "evseId": 1}
    assert (await operator.command(cp.charge_point_id, action, start))["result"] == ACCEPTED
    return await active_transaction(operator, cp.charge_point_id)


async def online(
    protocol: str, platform: Any, cp_id: str, **handlers: Any
) -> tuple[SimulatedCharger, asyncio.Event, asyncio.Task[Any]]:
    cp = SimulatedCharger(
        platform.ws_url,
        cp_id,
        protocol=protocol,
        handlers=default_handlers(**handlers),
        backoff=Backoff(initial_s=0.05, max_s=0.2),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(cp.run(stop))
    await asyncio.wait_for(cp.ever_online.wait(), 10)
    return cp, stop, task


@pytest.mark.parametrize("protocol", [profiles.V16, profiles.V201])
def test_K01_K08_K09_K10_limits_replace_each_other_and_the_fallback_holds_once_cleared(
    platform, protocol
) -> None:
    operator = Operator(platform)
    cp_id, tag = new_id("SITE"), new_id("TAG")

    async def scenario() -> dict[str, Any]:
        await operator.call("POST", "/id-tags", {"idTag": tag})
        cp, stop, task = await online(protocol, platform, cp_id)
        seen: dict[str, Any] = {}
        try:
            evse = Evse("site/e1", "board", cp_id, 1, default_limit_a=6.0)
            fallback = profiles.fallback_profiles(
                protocol, 20, [evse], datetime.now(UTC) - timedelta(seconds=5)
            )
            seen["fallback"] = [
                (await operator.command(cp_id, "SetChargingProfile", p))["result"] for p in fallback
            ]
            seen["idle"] = await composite(operator, cp, 1)
            transaction_id = await start_session(operator, cp, tag)
            first = profiles.limit_profile(protocol, limit(cp_id, 16), transaction_id)
            second = profiles.limit_profile(protocol, limit(cp_id, 10), transaction_id)
            seen["first"] = (await operator.command(cp_id, "SetChargingProfile", first))["result"]
            seen["after_first"] = await composite(operator, cp, 1)
            seen["second"] = (await operator.command(cp_id, "SetChargingProfile", second))["result"]
            seen["after_second"] = await composite(operator, cp, 1)
            if protocol == profiles.V201:
                request = profiles.our_profiles_request(41, 1)
                seen["get"] = (await operator.command(cp_id, "GetChargingProfiles", request))[
                    "result"
                ]

                async def reported() -> list[View]:
                    page = await operator.call(
                        "GET", f"/chargers/{cp_id}/events", kind="charging-profiles", limit=50
                    )
                    return [i["notification"] for i in page["items"]]

                seen["reported"] = await eventually(reported)
            dynamic_id = profiles.dynamic_profile_id(1)
            seen["dynamic_on_station"] = [
                p
                for installed in cp.device.charging_profiles.values()
                for p in installed
                if p.get("chargingProfileId", p.get("id")) == dynamic_id
            ]
            clear = profiles.clear_dynamic(protocol, 1)
            seen["cleared"] = (await operator.command(cp_id, "ClearChargingProfile", clear))[
                "result"
            ]
            seen["after_clear"] = await composite(operator, cp, 1)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
        return seen

    seen = run(scenario(), timeout=90)
    assert seen["fallback"] == [ACCEPTED, ACCEPTED]
    # Idle: the TxDefaultProfile (6 A) under the station maximum (20 A).
    assert seen["idle"] == [{"startPeriod": 0, "limit": 6.0}]
    assert seen["first"] == seen["second"] == seen["cleared"] == ACCEPTED
    assert seen["after_first"] == [{"startPeriod": 0, "limit": 16.0}]
    assert seen["after_second"] == [{"startPeriod": 0, "limit": 10.0}]
    # The second limit replaced the first: one dynamic profile on the station.
    (dynamic,) = seen["dynamic_on_station"]
    assert dynamic["chargingProfilePurpose"] == "TxProfile"
    if protocol == profiles.V201:
        assert seen["get"] == ACCEPTED
        reported = {(r["evseId"], r["profileId"]): r["content"] for r in seen["reported"]}
        assert set(reported) == {
            (1, profiles.default_profile_id(1)),
            (1, profiles.dynamic_profile_id(1)),
        }
        content = reported[(1, profiles.dynamic_profile_id(1))]
        assert content["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 10.0
    # The dynamic limit cleared: the fallback (the EVSE's default) is in force again.
    assert seen["after_clear"] == [{"startPeriod": 0, "limit": 6.0}]


class Recording:
    """The platform's event publisher, remembering what went through it."""

    def __init__(self, publisher: Any) -> None:
        self.publisher = publisher
        self.events: list[DomainEvent] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        self.publisher.publish(events)
        self.events.extend(events)


@pytest.mark.parametrize("protocol", [profiles.V16, profiles.V201])
def test_a_station_that_rejects_its_limits_ends_uncontrollable_with_an_alert(
    platform, protocol
) -> None:
    operator = Operator(platform)
    cp_id, tag = new_id("REJ"), new_id("TAG")
    get_settings.cache_clear()
    services = aws_services(get_settings())
    publisher = Recording(services.deps.publisher)

    async def scenario() -> tuple[Any, Any]:
        await operator.call("POST", "/id-tags", {"idTag": tag})
        cp, stop, task = await online(protocol, platform, cp_id, reject={"SetChargingProfile"})
        try:
            transaction_id = await start_session(operator, cp, tag)
            sender = ProfileSender(
                services.engine,
                publisher,
                lambda charger, evse: transaction_id,
                rules=RejectionRules(max_attempts=2, backoff_s=0.1, hold_s=600),
                timeout_s=5,
            )
            plan = [limit(cp_id, 8), LimitCommand(f"site/{cp_id}/2", cp_id, 2, 60, 100)]
            result = await asyncio.to_thread(sender.send_plan, plan)
            commands = await operator.call("GET", f"/chargers/{cp_id}/commands", limit=20)
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
        return result, commands

    result, commands = run(scenario(), timeout=90)
    held, increase = result.results
    assert (held.sent, held.attempts) == ("held", 2)
    assert held.reason == "answered Rejected"
    assert held.state.until is not None
    assert held.state.until > datetime.now(UTC) + timedelta(seconds=500)
    assert increase.sent == "not_sent"
    assert result.reallocate and result.unpublished == []
    (alert,) = [e for e in publisher.events if e.detail_type == EVSE_CONTROL_LOST]
    assert alert.charge_point_id == cp_id
    assert alert.detail["outcome"] == "rejected" and alert.detail["attempts"] == 2
    sent = [c for c in commands["items"] if c["action"] == "SetChargingProfile"]
    assert len(sent) == 2
    assert all(c["result"] == {"status": "Rejected"} for c in sent)
