"""grid_limit_for (docs/adr/0052): the stored schedule and signals resolved under the site's
connection, with the moment to ask again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.adapters.memory.grid_signal_store import MemoryGridSignalStore
from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.load_management.grid import GridLimits, connection_amps, limit_fingerprint
from shared.load_management.sites import model_document
from shared.ports.grid_signals import GridSignal, SignalSnapshot
from shared.smart_charging.site import Evse, Node, PhaseCurrents, Site
from tests.fakes import memory_services

# A Monday, 12:00 in Berlin (CET).
NOW = datetime(2030, 1, 7, 11, 0, tzinfo=UTC)
AT = "2030-01-01T00:00:00.000Z"
SCHEDULE = {
    "timeZone": "Europe/Berlin",
    "windows": [{"days": ["MO"], "start": "11:00", "end": "14:00", "maxCurrent": 40}],
}


def vtn_limit(amps: float, start: timedelta, hours: float = 1, group: str = "e1") -> GridSignal:
    return GridSignal(
        source="openadr",
        kind="import_limit",
        start=NOW + start,
        end=NOW + start + timedelta(hours=hours),
        received_at=NOW,
        amps=(amps, amps, amps),
        group=group,
    )


def site(limit: float = 63, power_w: float | None = None) -> Site:
    return Site(
        id="S1",
        nodes=(Node("grid", max_current=PhaseCurrents.uniform(limit), max_power_w=power_w),),
        evses=(Evse("e1", "grid", "CP-1", 1),),
    )


def limits(*signals: GridSignal, schedule: bool = True, model: Site | None = None) -> GridLimits:
    store = MemoryGridSignalStore()
    if schedule:
        store.put_schedule("S1", SCHEDULE, AT)
    if signals:
        store.put_snapshot("S1", SignalSnapshot("openadr", NOW, signals))
    site_loads = MemorySiteLoadStore()
    if model is not None:
        site_loads.put_model("S1", model_document(model), None, AT)
    return GridLimits(store, site_loads)


def test_a_site_without_grid_signals_has_no_grid_limit() -> None:
    assert limits(schedule=False).grid_limit_for("S1", NOW) == (None, None)


def test_the_tightest_source_binds_under_the_connection() -> None:
    grid = limits(vtn_limit(25, timedelta(hours=-1), hours=2), model=site(63))
    limit, next_change = grid.grid_limit_for("S1", NOW)
    assert limit is not None
    assert limit.amps == (25, 25, 25) and limit.sources == ("openadr",) * 3
    # the VTN event ends at 12:00 UTC: asked again then, not later
    assert next_change == NOW + timedelta(hours=1)
    # the schedule's 40 A binds once the event has ended
    later, _ = grid.grid_limit_for("S1", NOW + timedelta(hours=1))
    assert later is not None and later.amps == (40, 40, 40)
    assert later.sources == ("schedule",) * 3


def test_the_connection_is_the_ceiling_and_watts_count_per_phase() -> None:
    grid = limits(vtn_limit(80, timedelta(hours=-1), hours=2), schedule=False, model=site(63))
    limit, _ = grid.grid_limit_for("S1", NOW)
    assert limit is not None and limit.amps == (63, 63, 63)
    assert limit.sources == ("connection",) * 3
    assert connection_amps(site(63, power_w=3 * 230 * 50)) == (50, 50, 50)


def test_a_drop_within_the_look_ahead_is_allocated_before_it_starts() -> None:
    grid = limits(vtn_limit(10, timedelta(minutes=3)), schedule=False)
    limit, next_change = grid.grid_limit_for("S1", NOW)
    assert limit is not None
    assert limit.sources == ("connection",) * 3
    assert limit.allocator_amps == (10, 10, 10)
    assert next_change == NOW + timedelta(minutes=3)


def test_a_schedule_is_asked_again_at_least_daily() -> None:
    grid = limits()
    sunday = NOW + timedelta(days=6)  # no window on Sunday nor Monday morning within a day
    limit, next_change = grid.grid_limit_for("S1", sunday - timedelta(hours=5))
    assert limit is not None and limit.sources == ("connection",) * 3
    assert next_change is not None and next_change <= sunday + timedelta(days=1)


def test_fingerprint_changes_with_the_limit_and_next_change() -> None:
    grid = limits(vtn_limit(25, timedelta(hours=-1), hours=2))
    a = limit_fingerprint(*grid.grid_limit_for("S1", NOW))
    b = limit_fingerprint(*grid.grid_limit_for("S1", NOW + timedelta(minutes=1)))
    c = limit_fingerprint(*grid.grid_limit_for("S1", NOW + timedelta(hours=1)))
    assert a == b != c
    assert a["limitA"] == {"L1": 25, "L2": 25, "L3": 25}
    assert limit_fingerprint(None, None) == {"limited": False, "nextChange": None}


def test_the_services_offer_grid_limit_for() -> None:
    services = memory_services()
    assert services.grid_limits is not None
    services.deps.grid_signals.put_schedule("S1", SCHEDULE, AT)
    limit, _ = services.grid_limits.grid_limit_for("S1", NOW)
    assert limit is not None and limit.amps == (40, 40, 40)
