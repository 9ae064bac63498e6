"""The cases docs/adr/0046-site-load-allocation.md walks through, with their numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.smart_charging.allocation import Allocation, EvseLimit
from shared.smart_charging.allocator import allocate, target_limits
from shared.smart_charging.plan import LimitCommand, plan_commands, prefix_violations
from shared.smart_charging.site import Evse, EvseLive, Node, Phase, PhaseCurrents, Site
from shared.smart_charging.stability import StabilityRules

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CHARGING = EvseLive(session_active=True)


def car(
    evse_id: str,
    *,
    phases: tuple[Phase, ...] = ("L1", "L2", "L3"),
    car_phases: int | None = None,
    arrived_minutes_ago: int = 60,
    node: str = "grid",
    **changes: object,
) -> Evse:
    live = EvseLive(
        session_active=True,
        car_phases=car_phases,
        session_started_at=NOW - timedelta(minutes=arrived_minutes_ago),
    )
    fields: dict[str, object] = {
        "id": evse_id,
        "node": node,
        "charge_point_id": f"CP-{evse_id}",
        "evse_id": 1,
        "phases": phases,
        "live": live,
    }
    fields.update(changes)
    return Evse(**fields)  # type: ignore[arg-type]


def site(fuse: float | PhaseCurrents, *evses: Evse, power_w: float | None = None) -> Site:
    limits = fuse if isinstance(fuse, PhaseCurrents) else PhaseCurrents.uniform(fuse)
    return Site("s", (Node("grid", None, limits, power_w),), evses)


def amps(limits: dict[str, int]) -> dict[str, float]:
    return {evse_id: limit / 10 for evse_id, limit in limits.items()}


# The allocator


def test_a_32_a_fuse_with_five_cars_then_a_sixth() -> None:
    five = [car(f"E{n}", arrived_minutes_ago=60 - n) for n in range(1, 6)]
    assert amps(target_limits(site(32, *five))) == dict.fromkeys(
        ["E1", "E2", "E3", "E4", "E5"], 6.4
    )
    # Six minimums (36 A) do not fit: the last to arrive waits, the five keep 6.4 A.
    sixth = car("E6", arrived_minutes_ago=1)
    limits = target_limits(site(32, *five, sixth))
    assert amps(limits) == {**dict.fromkeys(["E1", "E2", "E3", "E4", "E5"], 6.4), "E6": 0.0}


def test_those_already_charging_are_admitted_before_earlier_arrivals() -> None:
    early, late = car("A", arrived_minutes_ago=90), car("B", arrived_minutes_ago=10)
    charging = Allocation({"B": EvseLimit(100)})
    assert amps(target_limits(site(10, early, late))) == {"A": 10.0, "B": 0.0}
    assert amps(target_limits(site(10, early, late), None, charging)) == {"A": 0.0, "B": 10.0}


def test_a_one_phase_car_on_a_three_phase_charger_loads_one_phase() -> None:
    fuse = 16
    unknown = [car("E1"), car("E2", phases=("L2",)), car("E3", phases=("L1",))]
    # Until the car's phases are known, E1 counts on all three: it shares L1 with E3 and L2
    # with E2.
    assert amps(target_limits(site(fuse, *unknown))) == {"E1": 8.0, "E2": 8.0, "E3": 8.0}
    # A 1-phase car draws on the charger's first phase only: L2 is E2's alone.
    known = [car("E1", car_phases=1), *unknown[1:]]
    assert amps(target_limits(site(fuse, *known))) == {"E1": 8.0, "E2": 16.0, "E3": 8.0}


def test_phase_rotation_spreads_one_phase_cars() -> None:
    straight = [car(f"E{n}", car_phases=1, max_current_a=32) for n in range(1, 4)]
    # Three 1-phase cars on unrotated chargers all load L1: 20 A shared three ways.
    assert sorted(target_limits(site(20, *straight)).values()) == [66, 67, 67]
    rotations: list[tuple[Phase, ...]] = [
        ("L1", "L2", "L3"),
        ("L2", "L3", "L1"),
        ("L3", "L1", "L2"),
    ]
    rotated = [
        car(f"E{n}", car_phases=1, phases=rotation) for n, rotation in enumerate(rotations, 1)
    ]
    assert amps(target_limits(site(20, *rotated))) == {"E1": 20.0, "E2": 20.0, "E3": 20.0}


def test_an_unresponsive_evse_is_reserved_at_its_worst_case() -> None:
    silent = car("E1", live=EvseLive(session_active=True, responsive=False))
    others = [car("E2"), car("E3")]
    allocation = allocate(site(63, silent, *others), None, None, NOW)
    # 32 A stay reserved on every phase for E1; E2 and E3 share the other 31 A.
    assert {k: v.limit_a for k, v in allocation.limits.items()} == {"E2": 15.5, "E3": 15.5}
    # A charger that takes no profiles is reserved the same way, idle or not, and a
    # measurement above its maximum is believed.
    fixed = car("E1", accepts_profiles=False, live=EvseLive(measured_a=33.5))
    assert amps(target_limits(site(63, fixed, *others))) == {"E2": 14.8, "E3": 14.7}


def test_a_site_its_reservations_already_overload_is_reported() -> None:
    fixed = [car(f"F{n}", accepts_profiles=False, max_current_a=16) for n in range(3)]
    allocation = allocate(site(40, *fixed, car("E1")), None, None, NOW)
    assert allocation.overloaded == ("grid/L1", "grid/L2", "grid/L3")
    assert allocation.limits["E1"].limit_da == 0


def test_an_idle_evse_keeps_its_default_limit_free() -> None:
    idle = car("E1", default_limit_a=6.0, live=EvseLive())
    assert amps(target_limits(site(32, idle, car("E2")))) == {"E2": 26.0}


def test_higher_tiers_first_then_weights_within_a_tier() -> None:
    evses = [
        car("VIP", tier=1),
        car("E1", weight=2.0),
        car("E2"),
        car("E3", arrived_minutes_ago=1),
    ]
    # 50 A: the tier-1 EVSE gets its 32 A; 18 A remain, enough for three minimums (18 A),
    # and water-filling has nothing left to share.
    assert amps(target_limits(site(50, *evses))) == {"VIP": 32.0, "E1": 6.0, "E2": 6.0, "E3": 6.0}
    # 62 A: 30 A for tier 0, shared 2:1:1 once above the minimums.
    assert amps(target_limits(site(62, *evses))) == {
        "VIP": 32.0,
        "E1": 15.0,
        "E2": 7.5,
        "E3": 7.5,
    }
    # 40 A: 8 A for tier 0, one minimum; the first to arrive charges.
    assert amps(target_limits(site(40, *evses))) == {"VIP": 32.0, "E1": 8.0, "E2": 0.0, "E3": 0.0}


def test_a_car_that_wants_less_leaves_the_rest_to_the_others() -> None:
    modest = car("E1", live=EvseLive(session_active=True, demand_a=10.0))
    full = car("E2", live=EvseLive(session_active=True, demand_a=0.0))
    assert amps(target_limits(site(32, modest, car("E3"), full))) == {
        "E1": 10.0,
        "E2": 0.0,
        "E3": 22.0,
    }


def test_power_and_circuit_limits_and_the_grid_signal() -> None:
    # 11 kW at 230 V over three phases: 15.9 A each (rounded down).
    assert amps(target_limits(site(32, car("E1"), power_w=11_000))) == {"E1": 15.9}
    tree = Site(
        "s",
        (
            Node("grid", None, PhaseCurrents.uniform(100)),
            Node("garage", "grid", PhaseCurrents(25, 40, 40)),
        ),
        (car("E1", node="garage"), car("E2", node="garage"), car("E3")),
    )
    assert amps(target_limits(tree)) == {"E1": 12.5, "E2": 12.5, "E3": 32.0}
    # The grid allows 30 A on L3 for now: 30 A shared by all three.
    assert amps(target_limits(tree, PhaseCurrents(100, 100, 30))) == {
        "E1": 10.0,
        "E2": 10.0,
        "E3": 10.0,
    }


def test_limits_are_whole_tenths_rounded_down() -> None:
    # 31.97 A for three cars: 10.65... A each is 10.6 A, and the two tenths left go to the
    # first two (31.9 A in all, never 32.0).
    assert amps(target_limits(site(31.97, car("E1"), car("E2"), car("E3")))) == {
        "E1": 10.7,
        "E2": 10.6,
        "E3": 10.6,
    }


def test_where_raising_a_limit_lowers_the_total() -> None:
    """The price of fairness and of minimums (ADR 0046, Guarantees): the total a site
    delivers, counted per phase, is monotone only where every EVSE loads one phase or every
    one all three, and minimums do not make admission choose."""

    def delivered(s: Site) -> float:
        limits = target_limits(s)
        return sum(limits[e.id] * len(e.used_phases()) for e in s.evses) / 10

    # Max-min fairness with mixed phases: a 1-phase car behind an 8 A circuit, a 3-phase one
    # beside it on a 20 A connection. Raising the circuit to 10 A makes them equal: the
    # 1-phase car gains 2 A on one phase, the 3-phase car loses 2 A on three.
    def mixed(circuit: float) -> Site:
        return Site(
            "s",
            (
                Node("grid", None, PhaseCurrents.uniform(20)),
                Node("c", "grid", PhaseCurrents.uniform(circuit)),
            ),
            (
                car("E0", node="c", phases=("L1",), min_current_a=1),
                car("E1", min_current_a=1),
            ),
        )

    assert amps(target_limits(mixed(8))) == {"E0": 8.0, "E1": 12.0}
    assert amps(target_limits(mixed(10))) == {"E0": 10.0, "E1": 10.0}
    assert (delivered(mixed(8)), delivered(mixed(10))) == (44.0, 40.0)

    # Admission at 6 A: one more ampere on L1 lets a waiting 1-phase car in, and the
    # 3-phase car that had L1 to itself goes down to 6 A.
    def admission(l1: float) -> Site:
        return site(
            PhaseCurrents(l1, 32, 32),
            car("A", arrived_minutes_ago=60),
            car("B", phases=("L1",), arrived_minutes_ago=30),
        )

    assert amps(target_limits(admission(11))) == {"A": 11.0, "B": 0.0}
    assert amps(target_limits(admission(12))) == {"A": 6.0, "B": 6.0}
    assert (delivered(admission(11)), delivered(admission(12))) == (33.0, 24.0)


# The stability filter


def test_an_increase_waits_for_the_hold_off_and_must_be_worth_it() -> None:
    rules = StabilityRules(hold_off_s=600, increase_min_a=1.0, increase_min_fraction=0.1)
    one = site(32, car("E1", max_current_a=20))
    recent = Allocation(
        {"E1": EvseLimit(160, NOW - timedelta(minutes=5), NOW - timedelta(hours=1))}
    )
    assert allocate(one, None, recent, NOW, rules).limits["E1"].limit_da == 160
    older = Allocation(
        {"E1": EvseLimit(160, NOW - timedelta(minutes=11), NOW - timedelta(hours=1))}
    )
    assert allocate(one, None, older, NOW, rules).limits["E1"] == EvseLimit(
        200, NOW, NOW - timedelta(hours=1)
    )
    # 0.5 A more on 19.5 A is neither 1 A nor 10 %: not worth a command.
    nearly = Allocation({"E1": EvseLimit(195, NOW - timedelta(hours=1), NOW - timedelta(hours=1))})
    assert allocate(one, None, nearly, NOW, rules).limits["E1"].limit_da == 195
    # 0.7 A more on 6.5 A is over 10 %: it is.
    small = Allocation({"E1": EvseLimit(65, NOW - timedelta(hours=1), NOW - timedelta(hours=1))})
    low = site(7.2, car("E1", max_current_a=20))
    assert allocate(low, None, small, NOW, rules).limits["E1"].limit_da == 72


def test_a_decrease_applies_at_once() -> None:
    just_raised = Allocation({"E1": EvseLimit(320, NOW - timedelta(seconds=1), NOW)})
    assert allocate(site(10, car("E1")), None, just_raised, NOW).limits["E1"].limit_da == 100


def test_pause_and_resume_dwell() -> None:
    rules = StabilityRules(min_pause_s=300, min_run_s=600)
    # A paused EVSE stays paused for the dwell even when there is room for it.
    paused = Allocation({"E2": EvseLimit(0, NOW - timedelta(minutes=2))})
    alone = site(12, car("E2"))
    assert allocate(alone, None, paused, NOW, rules).limits["E2"].limit_da == 0
    later = allocate(alone, None, paused, NOW + timedelta(minutes=4), rules)
    assert later.limits["E2"] == EvseLimit(
        120, NOW + timedelta(minutes=4), NOW + timedelta(minutes=4)
    )
    # One that never charged (no pause to dwell on) starts as soon as it fits.
    waiting = Allocation({"E2": EvseLimit(0)})
    assert allocate(alone, None, waiting, NOW, rules).limits["E2"].limit_da == 120


def test_a_started_evse_is_kept_at_its_minimum_rather_than_paused() -> None:
    rules = StabilityRules(min_pause_s=300, min_run_s=600)
    evses = [car("VIP", tier=1, max_current_a=20), car("E1")]
    started = EvseLimit(100, NOW - timedelta(minutes=1), NOW - timedelta(minutes=1))
    # At 24 A the target gives the tier-1 VIP 20 A and pauses E1 (20 + 6 > 24).
    assert amps(target_limits(site(24, *evses))) == {"VIP": 20.0, "E1": 0.0}
    # The VIP is new: it gets its 20 A at once, and E1's minimum no longer fits: a limit
    # forces the pause although E1 started a minute ago.
    forced = allocate(site(24, *evses), None, Allocation({"E1": started}), NOW, rules)
    assert {k: v.limit_da for k, v in forced.limits.items()} == {"VIP": 200, "E1": 0}
    # The VIP was paused a minute ago, so the filter holds it at 0: E1's minimum fits and E1,
    # which started a minute ago, keeps charging at 6 A instead of being paused.
    held = Allocation({"E1": started, "VIP": EvseLimit(0, NOW - timedelta(minutes=1))})
    kept = allocate(site(24, *evses), None, held, NOW, rules)
    assert {k: v.limit_da for k, v in kept.limits.items()} == {"VIP": 0, "E1": 60}


# The command plan


def test_decreases_are_sent_before_increases() -> None:
    two = site(32, car("E1", arrived_minutes_ago=90), car("E2", max_current_a=16))
    previous = Allocation(
        {
            "E1": EvseLimit(320, NOW - timedelta(hours=1), NOW - timedelta(hours=1)),
            "E2": EvseLimit(0, NOW - timedelta(hours=1)),
        }
    )
    allocation = allocate(two, None, previous, NOW)
    commands = plan_commands(two, previous, allocation)
    assert commands == [
        LimitCommand("E1", "CP-E1", 1, 320, 160),
        LimitCommand("E2", "CP-E2", 1, 0, 160),
    ]
    assert prefix_violations(two, None, previous, commands) == []
    assert prefix_violations(two, None, previous, commands[::-1]) == [
        "step 1 (E2 to 16.0 A) puts grid/L1 at 48.0 A over its 32.0 A",
        "step 1 (E2 to 16.0 A) puts grid/L2 at 48.0 A over its 32.0 A",
        "step 1 (E2 to 16.0 A) puts grid/L3 at 48.0 A over its 32.0 A",
    ]
    # Nothing changed, nothing sent.
    assert plan_commands(two, allocation, allocate(two, None, allocation, NOW)) == []


def test_a_new_session_always_gets_its_first_profile() -> None:
    one = site(32, car("E1", default_limit_a=6.0))
    commands = plan_commands(one, Allocation(), allocate(one, None, None, NOW))
    assert commands == [LimitCommand("E1", "CP-E1", 1, 60, 320)]


def test_a_grid_drop_is_relieved_without_a_step_that_adds_to_the_overload() -> None:
    three = site(32, car("E1"), car("E2"), car("E3", arrived_minutes_ago=1))
    before = allocate(three, None, None, NOW - timedelta(hours=1))
    dropped = PhaseCurrents.uniform(15)
    after = allocate(three, dropped, before, NOW)
    commands = plan_commands(three, before, after)
    # The last to arrive pauses (the largest relief, first), the others go to 7.5 A.
    assert [(c.evse_id, c.to_da) for c in commands] == [("E3", 0), ("E1", 75), ("E2", 75)]
    assert all(c.decrease for c in commands)
    assert prefix_violations(three, dropped, before, commands) == []
