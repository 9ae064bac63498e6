"""The SiteLoads table against moto, and the in-memory store under the same contract
(docs/adr/0047): model revisions (a stale one writes nothing), live states per EVSE that an
older or redelivered event never overwrites, the allocation newest-wins, one read per site;
and the allocator's types read back exactly (`SiteLoads`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters.dynamodb.site_loads import DynamoSiteLoadStore
from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.load_management.sites import ElectricalModel, SiteLoads, model_document
from shared.ports.site_loads import SiteLoadStore
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


def doc(limit: float = 63.0, site_id: str = "ALEX") -> dict[str, Any]:
    return model_document(site(limit, site_id))


def test_a_model_is_created_at_revision_1_and_read_back_exactly(store: SiteLoadStore) -> None:
    assert store.get_model("ALEX") is None
    saved = store.put_model("ALEX", doc(), None, AT)
    assert saved is not None and saved.revision == 1 and saved.updated_at == AT
    read = store.get_model("ALEX")
    assert read == saved
    # 31.7 and 43470.5 as written, through the allocator's types too.
    assert ElectricalModel.of(read).site == site()
    assert store.get_model("OTHER") is None


def test_a_stale_revision_writes_nothing(store: SiteLoadStore) -> None:
    store.put_model("ALEX", doc(63), None, AT)
    assert store.put_model("ALEX", doc(50), None, AT) is None  # "create" over an existing model
    second = store.put_model("ALEX", doc(50), 1, "2030-01-01T12:01:00.000Z")
    assert second is not None and second.revision == 2
    assert store.put_model("ALEX", doc(40), 1, "2030-01-01T12:02:00.000Z") is None
    stored = store.get_model("ALEX")
    assert stored is not None and stored.revision == 2
    assert ElectricalModel.of(stored).site.root.max_current == PhaseCurrents.uniform(50)


def test_delete_needs_the_current_revision_and_takes_the_allocation_along(
    store: SiteLoadStore,
) -> None:
    loads = SiteLoads(store)
    store.put_model("ALEX", doc(), None, AT)
    store.put_model("ALEX", doc(50), 1, AT)
    loads.put_allocation("ALEX", Allocation({"e1": EvseLimit(160, T0, T0)}, T0))
    loads.put_live("ALEX", ("CP-1", 1), EvseLive(session_active=True), 1000)
    assert not store.delete_model("ALEX", 1)
    assert store.get_model("ALEX") is not None
    assert store.delete_model("ALEX", 2)
    state = loads.state("ALEX")
    assert state.model is None and state.allocation is None and state.site() is None
    # Live states are the chargers' facts: they stay for the next model.
    assert state.live[("CP-1", 1)].live.session_active
    assert not store.delete_model("ALEX", 2)
    assert store.put_model("ALEX", doc(), None, AT) is not None


def test_live_states_are_per_evse_and_an_older_event_never_overwrites_a_newer(
    store: SiteLoadStore,
) -> None:
    loads = SiteLoads(store)
    started = EvseLive(session_active=True, session_started_at=T0, car_phases=1, demand_a=15.7)
    stopped = EvseLive(session_active=False)
    assert loads.put_live("ALEX", ("CP-1", 1), started, 2_000)
    assert loads.put_live("ALEX", ("CP-1", 2), stopped, 1_000)
    # A late event from before, and the same event delivered again: nothing changes.
    assert not loads.put_live("ALEX", ("CP-1", 1), stopped, 1_500)
    assert not loads.put_live("ALEX", ("CP-1", 1), stopped, 2_000)
    live = loads.state("ALEX").live
    assert live[("CP-1", 1)].live == started and live[("CP-1", 1)].event_at_ms == 2_000
    assert live[("CP-1", 2)].live == stopped
    # A newer one does.
    assert loads.put_live("ALEX", ("CP-1", 1), stopped, 2_001)
    assert loads.state("ALEX").live[("CP-1", 1)].live == stopped


def test_the_allocation_is_newest_wins_and_keeps_what_the_filter_remembers(
    store: SiteLoadStore,
) -> None:
    loads = SiteLoads(store)
    first = Allocation(
        {"e1": EvseLimit(317, T0, T0), "e3": EvseLimit(0, T0, None)}, T0, ("grid/L1",)
    )
    five = T0 + timedelta(seconds=5)
    later = Allocation({"e1": EvseLimit(160, five, T0)}, five)
    assert loads.put_allocation("ALEX", first)
    assert loads.state("ALEX").allocation == first
    assert loads.put_allocation("ALEX", later)
    assert not loads.put_allocation("ALEX", first)  # late
    assert not loads.put_allocation("ALEX", later)  # redelivered
    assert loads.state("ALEX").allocation == later
    with pytest.raises(ValueError, match="time"):
        loads.put_allocation("ALEX", Allocation({}))


def test_one_snapshot_reads_a_whole_site_and_nothing_of_another(store: SiteLoadStore) -> None:
    loads = SiteLoads(store)
    store.put_model("ALEX", doc(), None, AT)
    store.put_model("ALEX2", doc(site_id="ALEX2"), None, AT)
    loads.put_live("ALEX", ("CP-1", 1), EvseLive(session_active=True, car_phases=1), 5)
    loads.put_live("ALEX2", ("CP-9", 1), EvseLive(session_active=True), 5)
    loads.put_allocation("ALEX", Allocation({"e1": EvseLimit(100, T0, T0)}, T0))
    state = loads.state("ALEX")
    assert state.model is not None and state.model.revision == 1
    assert set(state.live) == {("CP-1", 1)}
    assert state.allocation is not None and state.allocation.limit_da("e1") == 100
    # The model joined with the live states by charger and EVSE number.
    joined = state.site()
    assert joined is not None
    assert joined.evse("e1").live == EvseLive(session_active=True, car_phases=1)
    assert joined.evse("e2").live == EvseLive()
    assert loads.state("NONE").model is None
