"""Sessions with a departure and an energy need in the per-site loop (docs/adr/0054, "In the
loop"): their limit goes out as a schedule under it, needs that arrive later send it again,
and without prices or carbon the flat limit goes out as before."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from shared.adapters.memory.charger_events import MemoryChargerEventLog
from shared.load_management.profile_sender import PayloadFor, PlanResult
from shared.load_management.profiles import V201
from shared.load_management.rejections import ControlState
from shared.load_management.session_plans import SessionPlans
from shared.load_management.trigger import NEEDS_AT_MS
from shared.models.charger_event import ChargerEvent
from shared.models.transaction import TransactionRecord
from shared.ports.grid_signals import GridSignal
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.stability import StabilityRules
from shared.timeutil import iso_utc, to_epoch_ms
from tests.unit.load_management.test_site_loop import T0, Chargers, Clock, Loop

STARTED = T0.isoformat()


class SchedulingChargers(Chargers):
    """Chargers that take everything; `payloads` keeps each scheduled profile as sent."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.payloads: list[tuple[str, Any]] = []

    def send_plan(
        self,
        commands: list[LimitCommand],
        states: Mapping[str, ControlState] | None = None,
        payloads: Mapping[str, PayloadFor] | None = None,
    ) -> PlanResult:
        for evse_id, payload_for in (payloads or {}).items():
            self.payloads.append((evse_id, payload_for(V201)))
        return super().send_plan(commands, states)


def prices(now: datetime) -> list[GridSignal]:
    """Dear for the next 4 hours, cheap for the 4 after."""
    dear = GridSignal("entsoe", "price", now, now + timedelta(hours=4), now, value=0.40,
                      currency="EUR", group="d")  # fmt: skip
    cheap = GridSignal("entsoe", "price", now + timedelta(hours=4), now + timedelta(hours=8),
                       now, value=0.05, currency="EUR", group="d")  # fmt: skip
    return [dear, cheap]


def car_needs(events: MemoryChargerEventLog, received: datetime, energy_wh: float = 20_000) -> None:
    departure = T0 + timedelta(hours=8)
    needs = {
        "requestedEnergyTransfer": "AC_three_phase",
        "departureTime": iso_utc(departure),
        "acChargingParameters": {
            "energyAmount": energy_wh,
            "evMinCurrent": 6,
            "evMaxCurrent": 32,
            "evMaxVoltage": 400,
        },
    }
    detail = {"evseId": 1, "answer": "Accepted", "content": json.dumps(needs)}
    event = ChargerEvent("CP-A", "ev-needs", "000000001", iso_utc(received), iso_utc(received),
                         detail, expires_at=to_epoch_ms(T0) // 1000 + 86_400)  # fmt: skip
    events.record([event])


class SchedulingLoop(Loop):
    def __init__(self, signals: list[GridSignal]) -> None:
        super().__init__(rules=StabilityRules(hold_off_s=0))
        self.chargers = self.scheduling = SchedulingChargers(self.clock)
        self.events = MemoryChargerEventLog()
        self.allocator.plans = SessionPlans(None, self.events, lambda site, now: signals)
        self.allocator.transactions.create(TransactionRecord("CP-A", "T-1", "active"))


def scheduling_loop(signals: list[GridSignal]) -> SchedulingLoop:
    return SchedulingLoop(signals)


def periods(payload: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = payload["chargingProfile"]["chargingSchedule"][0][
        "chargingSchedulePeriod"
    ]
    return found


def test_a_session_with_needs_gets_its_limit_as_a_schedule_in_the_cheap_hours() -> None:
    loop = scheduling_loop(prices(T0))
    loop.live("a", sessionActive=True, transactionId="T-1", sessionStartedAt=STARTED)
    car_needs(loop.events, T0 + timedelta(seconds=5))
    loop.clock.advance(10)
    loop.allocator.run("S")
    assert loop.limits() == {"a": 26.0}  # the allocator's limit: b idle at its 6 A default
    [(evse_id, payload)] = loop.scheduling.payloads
    assert evse_id == "a"
    limits = [p["limit"] for p in periods(payload)]
    # never above the allocator's limit, nothing in the dear hours, charging in the cheap ones
    assert max(limits) <= 26.0
    assert limits[0] == 0
    assert any(limit >= 6 for limit in limits[1:])
    profile = payload["chargingProfile"]
    assert profile["chargingProfilePurpose"] == "TxProfile"
    assert profile["transactionId"] == "T-1"


def test_needs_that_arrive_later_send_the_same_limit_again_scheduled_once() -> None:
    loop = scheduling_loop(prices(T0))
    loop.allocator.run("S")  # the fallback layers
    loop.sent()
    loop.live("a", sessionActive=True, transactionId="T-1", sessionStartedAt=STARTED)
    loop.allocator.run("S")
    assert loop.scheduling.payloads == []  # no needs yet: the flat limit
    assert loop.sent() == [("a", 60, 260)]
    loop.clock.advance(30)
    car_needs(loop.events, loop.clock())
    # what the trigger writes on EVChargingNeedsReceived (Accepted)
    loop.live("a", **{NEEDS_AT_MS: to_epoch_ms(loop.clock())})
    loop.allocator.run("S")
    assert loop.sent() == [("a", 260, 260)]  # the same limit, now as a schedule
    assert [evse for evse, _ in loop.scheduling.payloads] == ["a"]
    loop.clock.advance(30)
    loop.allocator.run("S")
    assert loop.sent() == []  # acted on once


def test_without_prices_or_carbon_the_flat_limit_goes_out() -> None:
    loop = scheduling_loop([])
    loop.live("a", sessionActive=True, transactionId="T-1", sessionStartedAt=STARTED)
    car_needs(loop.events, T0 + timedelta(seconds=5))
    loop.clock.advance(10)
    loop.allocator.run("S")
    assert loop.scheduling.payloads == []
    assert loop.limits() == {"a": 26.0}


def test_needs_from_before_the_session_started_are_not_this_sessions() -> None:
    loop = scheduling_loop(prices(T0))
    car_needs(loop.events, T0 - timedelta(minutes=30))  # the previous car's
    loop.live("a", sessionActive=True, transactionId="T-1", sessionStartedAt=STARTED)
    loop.allocator.run("S")
    assert loop.scheduling.payloads == []
