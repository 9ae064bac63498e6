"""The SiteLoads table against moto, and the in-memory store under the same contract
(docs/adr/0047): model revisions (a stale one writes nothing), live states per EVSE that an
older or redelivered event never overwrites, the allocation newest-wins, one read per site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.dynamodb.site_loads import DynamoSiteLoadStore
from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.ports.site_loads import AllocationWithoutTime, SiteLoadStore
from shared.smart_charging.allocation import Allocation, EvseLimit
from shared.smart_charging.site import Evse, EvseLive, Node, PhaseCurrents, Site

AT = "2030-01-01T12:00:00.000Z"
T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["dynamodb", "memory"])
def store(request) -> SiteLoadStore:
    if request.param == "memory":
        return MemorySiteLoadStore()
    aws_env = request.getfixturevalue("aws_env")
    return DynamoSiteLoadStore(request.getfixturevalue("dynamodb"), aws_env.site_loads_table)


def site(limit: float = 63.0, site_id: str = "ALEX") -> Site:
    return Site(
        id=site_id,
        nodes=(
            Node("grid", max_current=PhaseCurrents.uniform(limit), max_power_w=43_470.5),
            Node("c1", parent="grid", max_current=PhaseCurrents(31.7, 32, 32)),
        ),
        evses=(
            Evse("e1", "c1", "CP-1", 1, phases=("L2", "L3", "L1"), weight=1.5, tier=1),
            Evse("e2", "grid", "CP-2", 1, phases=("L3",), accepts_profiles=False),
        ),
    )


def test_a_model_is_created_at_revision_1_and_read_back_exactly(store: SiteLoadStore) -> None:
    assert store.get_model("ALEX") is None
    saved = store.put_model(site(), None, AT)
    assert saved is not None and saved.revision == 1 and saved.updated_at == AT
    read = store.get_model("ALEX")
    assert read == saved
    assert read.site.to_dict() == site().to_dict()  # 31.7 and 43470.5 as written
    assert store.get_model("OTHER") is None


def test_live_state_is_not_part_of_the_model(store: SiteLoadStore) -> None:
    live = EvseLive(session_active=True, demand_a=16)
    model = site()
    with_live = Site(model.id, model.nodes, (Evse("e1", "c1", "CP-1", 1, live=live),))
    saved = store.put_model(with_live, None, AT)
    assert saved is not None
    assert saved.site.evses[0].live == EvseLive()
    stored = store.get_model("ALEX")
    assert stored is not None and stored.site.evses[0].live == EvseLive()


def test_a_stale_revision_writes_nothing(store: SiteLoadStore) -> None:
    store.put_model(site(63), None, AT)
    assert store.put_model(site(50), None, AT) is None  # "create" over an existing model
    second = store.put_model(site(50), 1, "2030-01-01T12:01:00.000Z")
    assert second is not None and second.revision == 2
    assert store.put_model(site(40), 1, "2030-01-01T12:02:00.000Z") is None
    stored = store.get_model("ALEX")
    assert stored is not None and stored.revision == 2
    assert stored.site.root.max_current == PhaseCurrents.uniform(50)


def test_delete_needs_the_current_revision_and_takes_the_allocation_along(
    store: SiteLoadStore,
) -> None:
    store.put_model(site(), None, AT)
    store.put_model(site(50), 1, AT)
    store.put_allocation("ALEX", Allocation({"e1": EvseLimit(160, T0, T0)}, T0))
    store.put_live("ALEX", ("CP-1", 1), EvseLive(session_active=True), 1000)
    assert not store.delete_model("ALEX", 1)
    assert store.get_model("ALEX") is not None
    assert store.delete_model("ALEX", 2)
    snapshot = store.snapshot("ALEX")
    assert snapshot.model is None and snapshot.allocation is None
    # Live states are the chargers' facts: they stay for the next model.
    assert snapshot.live[("CP-1", 1)].live.session_active
    assert not store.delete_model("ALEX", 2)
    assert store.put_model(site(), None, AT) is not None


def test_live_states_are_per_evse_and_an_older_event_never_overwrites_a_newer(
    store: SiteLoadStore,
) -> None:
    started = EvseLive(session_active=True, session_started_at=T0, car_phases=1)
    stopped = EvseLive(session_active=False)
    assert store.put_live("ALEX", ("CP-1", 1), started, 2_000)
    assert store.put_live("ALEX", ("CP-1", 2), stopped, 1_000)
    # A late event from before, and the same event delivered again: nothing changes.
    assert not store.put_live("ALEX", ("CP-1", 1), stopped, 1_500)
    assert not store.put_live("ALEX", ("CP-1", 1), stopped, 2_000)
    live = store.snapshot("ALEX").live
    assert live[("CP-1", 1)].live == started and live[("CP-1", 1)].event_at_ms == 2_000
    assert live[("CP-1", 2)].live == stopped
    # A newer one does.
    assert store.put_live("ALEX", ("CP-1", 1), stopped, 2_001)
    assert store.snapshot("ALEX").live[("CP-1", 1)].live == stopped


def test_the_allocation_is_newest_wins_and_keeps_what_the_filter_remembers(
    store: SiteLoadStore,
) -> None:
    first = Allocation(
        {"e1": EvseLimit(317, T0, T0), "e3": EvseLimit(0, T0, None)}, T0, ("grid/L1",)
    )
    later = Allocation(
        {"e1": EvseLimit(160, T0 + timedelta(seconds=5), T0)}, T0 + timedelta(seconds=5)
    )
    assert store.put_allocation("ALEX", first)
    assert store.snapshot("ALEX").allocation == first
    assert store.put_allocation("ALEX", later)
    assert not store.put_allocation("ALEX", first)  # late
    assert not store.put_allocation("ALEX", later)  # redelivered
    assert store.snapshot("ALEX").allocation == later
    with pytest.raises(AllocationWithoutTime):
        store.put_allocation("ALEX", Allocation({}))


def test_one_snapshot_reads_a_whole_site_and_nothing_of_another(store: SiteLoadStore) -> None:
    store.put_model(site(), None, AT)
    store.put_model(site(site_id="ALEX2"), None, AT)
    store.put_live("ALEX", ("CP-1", 1), EvseLive(session_active=True), 5)
    store.put_live("ALEX2", ("CP-9", 1), EvseLive(session_active=True), 5)
    store.put_allocation("ALEX", Allocation({"e1": EvseLimit(100, T0, T0)}, T0))
    snapshot = store.snapshot("ALEX")
    assert snapshot.model is not None and snapshot.model.revision == 1
    assert set(snapshot.live) == {("CP-1", 1)}
    assert snapshot.allocation is not None and snapshot.allocation.limit_da("e1") == 100
    assert store.snapshot("NONE").model is None
