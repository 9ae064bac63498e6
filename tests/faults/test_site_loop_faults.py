"""A fault at each AWS call of the site loop (docs/adr/0051), over moto: the trigger (the
charger's location, the site's records, the live state's conditional write, the queue) and the
allocator (the site's records, its grid schedule and signals, the queues, the allocation's
write, its load sample). Whatever call fails,
before or after it took effect, the redelivered event or message ends in the state a run
without faults leaves: the live state stored once, the site queued once per window, the
allocation stored as sent, no wake-up lost, a limit sent again only as the same command."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters import aws_clients
from shared.adapters.dynamodb.grid_signal_store import DynamoGridSignalStore
from shared.adapters.dynamodb.site_load_history import DynamoSiteLoadHistory
from shared.adapters.dynamodb.site_loads import DynamoSiteLoadStore
from shared.adapters.sqs_site_queue import SqsSiteQueue
from shared.load_management.grid import GridLimits
from shared.load_management.loop import SiteAllocator
from shared.load_management.profile_sender import EvseResult, PayloadFor, PlanResult
from shared.load_management.profiles import V201
from shared.load_management.rejections import ControlState, EvseRef
from shared.load_management.sites import model_document
from shared.load_management.trigger import TRANSACTION_ID, SiteTrigger
from shared.models.charger_event import ChargerEvent
from shared.models.transaction import TransactionRecord
from shared.ports.grid_signals import GridSignal, SignalSnapshot
from shared.smart_charging.allocation import Allocation
from shared.smart_charging.plan import LimitCommand
from shared.smart_charging.site import Evse, EvseLive, Node, PhaseCurrents, Site
from shared.smart_charging.stability import StabilityRules
from shared.timeutil import iso_utc, to_epoch_ms
from tests.fault_injection import NthCall, nth_call_fails
from tests.faults.conftest import Platform
from tests.unit.load_management.examples import depot_location

T0 = datetime(2030, 1, 1, 12, 0, 1, tzinfo=UTC)
SITE = "DEPOT"
MODEL = Site(
    id=SITE,
    nodes=(Node("grid", max_current=PhaseCurrents.uniform(32)),),
    evses=(
        Evse("a", "grid", "CP-A", 1, default_limit_a=6),
        Evse("b", "grid", "CP-A", 2, default_limit_a=6),
    ),
)
# Enough to reach past the last AWS call of either run.
MAX_CALLS = 10


class Chargers:
    """Chargers that take every limit; `sent` keeps each command as sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, int]] = []
        self.fallbacks: list[str] = []
        # (EVSE, the SetChargingProfile payload) of each limit sent as a session's schedule.
        self.scheduled: list[tuple[str, Any]] = []
        # (charger, EVSE numbers, whole layer) of each clear; chargers that do not answer.
        self.cleared: list[tuple[str, tuple[int, ...], bool]] = []
        self.unclearable: set[str] = set()

    def send_plan(
        self,
        commands: list[LimitCommand],
        states: Mapping[str, ControlState] | None = None,
        payloads: Mapping[str, PayloadFor] | None = None,
    ) -> PlanResult:
        result = PlanResult()
        for evse_id, payload_for in (payloads or {}).items():
            self.scheduled.append((evse_id, payload_for(V201)))
        for c in commands:
            self.sent.append((c.evse_id, c.from_da, c.to_da))
            ref = EvseRef(c.evse_id, c.charge_point_id, c.evse_number)
            result.results.append(
                EvseResult(ref, "accepted", ControlState(), 1, outcome="accepted", command=c)
            )
        return result

    def clear_layer(self, charge_point_id: str, evse_numbers: Sequence[int], station: bool) -> bool:
        self.cleared.append((charge_point_id, tuple(evse_numbers), station))
        return charge_point_id not in self.unclearable

    def install_fallback(
        self, site: Site, charge_point_id: str, states: Mapping[str, ControlState] | None = None
    ) -> PlanResult:
        self.fallbacks.append(charge_point_id)
        return PlanResult()


def waiting(platform: Platform, url: str) -> int:
    """Messages in the queue: visible or delayed (the FIFO queue delays each by 2 s)."""
    attributes = platform.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
    )
    return sum(int(v) for v in attributes["Attributes"].values())


@pytest.fixture
def site(platform: Platform) -> tuple[DynamoSiteLoadStore, SqsSiteQueue, str, str]:
    """The depot location (its charger CP-A) with a model; the loop's store and queues."""
    settings = platform.services.deps.settings
    location = depot_location(SITE)
    assert platform.services.deps.locations.save(location, None).saved
    store = DynamoSiteLoadStore(aws_clients.client("dynamodb"), settings.site_loads_table)
    store.put_model(SITE, model_document(MODEL), None, "2030-01-01T00:00:00Z")
    sqs = aws_clients.client("sqs")
    queue = SqsSiteQueue(sqs, settings.site_queue_url, settings.site_wake_queue_url)
    return store, queue, settings.site_queue_url, settings.site_wake_queue_url


def trigger_for(platform: Platform, store: Any, queue: Any) -> SiteTrigger:
    locations = platform.services.deps.locations
    return SiteTrigger(store, locations, queue, now=lambda: T0)


STARTED = {"chargePointId": "CP-A", "evseId": 1, "connectorId": 1, "transactionId": "T1"}


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("n", range(1, MAX_CALLS + 1))
def test_the_trigger_stores_the_live_state_once_and_queues_the_site_once(
    platform, site, n, after
) -> None:
    store, queue, url, _ = site
    trigger = trigger_for(platform, store, queue)
    clients = [aws_clients.client("dynamodb"), aws_clients.client("sqs")]
    with nth_call_fails(clients, NthCall(n, after=after)) as fault:
        try:
            trigger.handle("TransactionStarted", T0, STARTED)
        except Exception:
            assert fault.failed is not None
            trigger.handle("TransactionStarted", T0, STARTED)  # EventBridge/Lambda retry
    if fault.failed is None:
        pytest.skip(f"the trigger makes fewer than {n} AWS calls")
    stored = store.snapshot(SITE).live[("CP-A", 1)]
    assert EvseLive.from_dict(stored.live).session_active
    assert stored.event_at_ms == to_epoch_ms(T0)
    assert waiting(platform, url) == 1


def history_of(platform: Platform) -> DynamoSiteLoadHistory:
    table = platform.services.deps.settings.site_loads_table
    return DynamoSiteLoadHistory(aws_clients.client("dynamodb"), table)


def allocator_for(
    store: Any, queue: Any, chargers: Chargers, platform: Platform, plans: Any = None
) -> Any:
    deps = platform.services.deps
    signals = DynamoGridSignalStore(aws_clients.client("dynamodb"), deps.settings.site_loads_table)
    return SiteAllocator(
        store,
        lambda transaction_of: chargers,
        deps.transactions,
        deps.publisher,
        queue,
        now=lambda: T0,
        rules=StabilityRules(hold_off_s=600),
        grid_limit=GridLimits(signals, store).grid_limit_for,
        history=history_of(platform),
        plans=plans,
    )


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("n", range(1, MAX_CALLS + 1))
def test_the_allocator_stores_the_allocation_as_sent_and_loses_no_wake_up(
    platform, site, n, after
) -> None:
    store, queue, _, wake_url = site
    store.put_live(SITE, ("CP-A", 1), EvseLive(session_active=True).to_dict(), 1)
    chargers = Chargers()
    allocator = allocator_for(store, queue, chargers, platform)
    clients = [aws_clients.client("dynamodb"), aws_clients.client("sqs")]
    raised = False
    with nth_call_fails(clients, NthCall(n, after=after)) as fault:
        try:
            allocator.run(SITE)
        except Exception:
            assert fault.failed is not None
            raised = True
            allocator.run(SITE)  # the FIFO message delivered again
    if fault.failed is None:
        pytest.skip(f"the allocator makes fewer than {n} AWS calls")
    stored = Allocation.from_dict(store.snapshot(SITE).allocation.document)
    assert {k: v.limit_da for k, v in stored.limits.items()} == {"a": 260}
    # sent once, or again as the very same command after a run that failed before storing
    assert set(chargers.sent) == {("a", 60, 260)}
    # a's limit may go up at the end of its hold-off: that wake-up is asked for
    assert waiting(platform, wake_url) >= 1, fault.calls
    # the load sample follows the stored allocation: one, or none when its own write failed
    samples = history_of(platform).samples(SITE, T0 - timedelta(minutes=1), T0)
    assert len(samples) <= 1
    # (the sample's write is the one call whose failure the run swallows: logged, not retried)
    history_failed = fault.failed == "dynamodb:PutItem" and not after and not raised
    assert len(samples) == 1 or history_failed, fault.calls


def test_the_allocator_run_makes_the_calls_the_fault_positions_cover(platform, site) -> None:
    """Reads of the records, the grid schedule and signals; the wake-up; the allocation's
    write and its load sample: every one within MAX_CALLS, so each gets its fault above."""
    store, queue, _, _ = site
    store.put_live(SITE, ("CP-A", 1), EvseLive(session_active=True).to_dict(), 1)
    allocator = allocator_for(store, queue, Chargers(), platform)
    clients = [aws_clients.client("dynamodb"), aws_clients.client("sqs")]
    with nth_call_fails(clients, NthCall(10_000)) as seen:
        allocator.run(SITE)
    assert len(seen.calls) <= MAX_CALLS, seen.calls
    assert seen.calls.count("dynamodb:PutItem") == 2, seen.calls  # allocation, load sample
    assert "dynamodb:GetItem" in seen.calls  # the grid schedule
    assert seen.calls[-1] == "dynamodb:PutItem"  # the sample after the allocation


def a_session_with_needs(platform: Platform, store: Any) -> None:
    """CP-A's EVSE 1 in session T-1 since a minute, its car's needs answered Accepted, and
    day-ahead prices for the site (dear now, cheap in four hours)."""
    deps = platform.services.deps
    deps.transactions.create(TransactionRecord("CP-A", "T-1", "active"))
    started = EvseLive(session_active=True, session_started_at=T0 - timedelta(minutes=1))
    store.put_live(SITE, ("CP-A", 1), {**started.to_dict(), TRANSACTION_ID: "T-1"}, 1)
    needs = {
        "requestedEnergyTransfer": "AC_three_phase",
        "departureTime": iso_utc(T0 + timedelta(hours=8)),
        "acChargingParameters": {"energyAmount": 20_000, "evMinCurrent": 6, "evMaxCurrent": 32,
                                 "evMaxVoltage": 400},
    }  # fmt: skip
    received = iso_utc(T0 - timedelta(seconds=30))
    detail = {"evseId": 1, "answer": "Accepted", "content": json.dumps(needs)}
    expires = to_epoch_ms(T0) // 1000 + 86_400
    event = ChargerEvent("CP-A", "ev-needs", "000000001", received, received, detail, expires)
    assert deps.charger_events is not None and deps.grid_signals is not None
    deps.charger_events.record([event])
    hour = timedelta(hours=1)
    dear, cheap = ((T0, T0 + 4 * hour, 0.40), (T0 + 4 * hour, T0 + 8 * hour, 0.05))
    prices = tuple(
        GridSignal("entsoe", "price", start, end, T0 - hour, value=value, currency="EUR")
        for start, end, value in (dear, cheap)
    )
    deps.grid_signals.put_snapshot(SITE, SignalSnapshot("entsoe", T0 - hour, prices))


# The scheduled run reads the session's transaction, its car's needs and the prices as well.
MAX_SCHEDULED_CALLS = 14


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("n", range(1, MAX_SCHEDULED_CALLS + 1))
def test_a_scheduled_session_gets_its_schedule_and_one_stored_allocation(
    platform, site, n, after
) -> None:
    store, queue, _, _ = site
    a_session_with_needs(platform, store)
    chargers = Chargers()
    plans = platform.services.session_plans
    allocator = allocator_for(store, queue, chargers, platform, plans)
    clients = [aws_clients.client("dynamodb"), aws_clients.client("sqs")]
    with nth_call_fails(clients, NthCall(n, after=after)) as fault:
        try:
            allocator.run(SITE)
        except Exception:
            assert fault.failed is not None
            allocator.run(SITE)  # the FIFO message delivered again
    if fault.failed is None:
        pytest.skip(f"the scheduled run makes fewer than {n} AWS calls")
    stored = Allocation.from_dict(store.snapshot(SITE).allocation.document)
    assert {k: v.limit_da for k, v in stored.limits.items()} == {"a": 260}
    assert set(chargers.sent) == {("a", 60, 260)}
    # every send of the limit went as the session's schedule, never above the limit
    assert len(chargers.scheduled) == len(chargers.sent) >= 1, fault.calls
    for _, payload in chargers.scheduled:
        periods = payload["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"]
        assert len(periods) > 1 and max(p["limit"] for p in periods) <= 26.0


def test_the_scheduled_run_makes_the_calls_the_fault_positions_cover(platform, site) -> None:
    store, queue, _, _ = site
    a_session_with_needs(platform, store)
    allocator = allocator_for(store, queue, Chargers(), platform, platform.services.session_plans)
    clients = [aws_clients.client("dynamodb"), aws_clients.client("sqs")]
    with nth_call_fails(clients, NthCall(10_000)) as seen:
        allocator.run(SITE)
    assert len(seen.calls) <= MAX_SCHEDULED_CALLS, seen.calls
