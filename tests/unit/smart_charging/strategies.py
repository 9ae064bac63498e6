"""Random sites for the allocator's property tests, and a checker of the limits that does not
share code with the allocator: it reads the site's amperes and watts exactly (as decimals)
and adds up what every EVSE may draw, node by node and phase by phase."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from shared.smart_charging.allocation import Allocation, EvseLimit
from shared.smart_charging.site import PHASES, Evse, EvseLive, Node, PhaseCurrents, Site

# Thousands of examples over the module, in about 20 s on a shared core; CI runs a fixed,
# smaller set (derandomized, so a red build is reproducible). SMART_CHARGING_EXAMPLES=20000
# runs a long search by hand.
settings.register_profile(
    "smart-charging",
    max_examples=int(os.environ.get("SMART_CHARGING_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "smart-charging-ci",
    parent=settings.get_profile("smart-charging"),
    max_examples=int(os.environ.get("SMART_CHARGING_EXAMPLES", "150")),
    derandomize=True,
)
PROFILE = settings.get_profile("smart-charging-ci" if os.environ.get("CI") else "smart-charging")

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)

# Amperes as an operator writes them: whole, halves, tenths, hundredths.
amps = st.one_of(
    st.integers(1, 120).map(float),
    st.integers(10, 1200).map(lambda n: n / 10),
    st.integers(100, 12000).map(lambda n: n / 100),
)
phase_sets = st.one_of(
    st.permutations(PHASES).map(tuple),
    st.sampled_from(PHASES).map(lambda p: (p,)),
    st.permutations(PHASES).map(lambda ps: tuple(ps[:2])),
)


phase_limits = st.one_of(
    amps.map(PhaseCurrents.uniform), st.builds(PhaseCurrents, amps, amps, amps)
)
# Strategies built once: building them inside a draw costs more than the allocator.
_root_power = st.none() | st.integers(2_000, 80_000).map(float)
_node_power = st.none() | st.integers(2_000, 40_000).map(float)
_minimums = st.sampled_from([6.0, 6.0, 6.0, 1.0, 0.1, 8.0, 10.0])
_maximums = st.sampled_from([16.0, 32.0, 32.0, 20.0, 13.7, 40.0])
_weights = st.sampled_from([1.0, 1.0, 2.0, 0.5, 3.0])
_defaults = st.sampled_from([0.0, 0.0, 6.0])
_demands = st.none() | st.none() | amps
_car_phases = st.none() | st.integers(1, 3)
_measured = st.none() | amps
_one_in_ten = st.integers(0, 9)
_one_in_six = st.integers(0, 5)
_minutes_ago = st.integers(0, 300)


@st.composite
def sites(
    draw: st.DrawFn,
    max_nodes: int = 5,
    max_evses: int = 10,
    tiers: int = 3,
    reservations: bool = True,
    equal_weights: bool = False,
    power_limits: bool = True,
) -> Site:
    node_count = draw(st.integers(1, max_nodes))
    nodes = [
        Node(
            "n0",
            None,
            draw(phase_limits),
            draw(_root_power) if power_limits else None,
        )
    ]
    for n in range(1, node_count):
        limited = draw(st.booleans()) or n == node_count - 1
        nodes.append(
            Node(
                f"n{n}",
                f"n{draw(st.integers(0, n - 1))}",
                draw(phase_limits) if limited else None,
                (draw(_node_power) if power_limits else None),
            )
        )
    evses = []
    for e in range(draw(st.integers(1, max_evses))):
        minimum = draw(_minimums)
        maximum = draw(_maximums)
        maximum = max(maximum, minimum)
        controllable = not reservations or draw(_one_in_ten) > 0
        evses.append(
            Evse(
                id=f"E{e}",
                node=f"n{draw(st.integers(0, node_count - 1))}",
                charge_point_id=f"CP{e}",
                evse_id=1,
                phases=draw(phase_sets),
                min_current_a=minimum,
                max_current_a=maximum,
                tier=draw(st.integers(0, tiers - 1)),
                weight=1.0 if equal_weights else draw(_weights),
                accepts_profiles=controllable,
                default_limit_a=draw(_defaults) if reservations else 0.0,
                live=EvseLive(
                    session_active=not reservations or draw(_one_in_six) > 0,
                    demand_a=draw(_demands),
                    car_phases=draw(_car_phases),
                    responsive=not reservations or draw(_one_in_ten) > 0,
                    measured_a=draw(_measured),
                    session_started_at=NOW - timedelta(minutes=draw(_minutes_ago)),
                ),
            )
        )
    return Site("site", tuple(nodes), tuple(evses))


grid_limits = st.none() | phase_limits
_previous_limits = st.sampled_from([0, 0, 60, 100, 160, 320]) | st.integers(0, 400)
_one_in_five = st.integers(0, 4)
_seconds_ago = st.integers(0, 3600)


@st.composite
def previous_allocations(draw: st.DrawFn, site: Site) -> Allocation:
    """Any previous state: known or unknown limits, recently changed or long ago."""
    limits = {}
    for evse in site.evses:
        if draw(_one_in_five) == 0:
            continue
        limit = draw(_previous_limits)
        changed = NOW - timedelta(seconds=draw(_seconds_ago))
        running = NOW - timedelta(seconds=draw(_seconds_ago)) if limit else None
        limits[evse.id] = EvseLimit(limit, None if draw(_one_in_five) == 0 else changed, running)
    return Allocation(limits, NOW - timedelta(minutes=5))


def _exact(value: float) -> Fraction:
    return Fraction(Decimal(repr(value)))


def draw_per_evse(
    site: Site, limits: dict[str, int]
) -> dict[str, tuple[Fraction, tuple[str, ...]]]:
    """What each EVSE may draw (A) and on which grid phases, from the site's own rules."""
    drawn: dict[str, tuple[Fraction, tuple[str, ...]]] = {}
    for evse in site.evses:
        if not (evse.accepts_profiles and evse.live.responsive):
            worst = max(_exact(evse.max_current_a), _exact(evse.live.measured_a or 0.0))
            drawn[evse.id] = (worst, evse.phases)
        elif not evse.live.session_active:
            drawn[evse.id] = (_exact(evse.default_limit_a), evse.phases)
        else:
            drawn[evse.id] = (Fraction(limits.get(evse.id, 0), 10), _used(evse))
    return drawn


def _used(evse: Evse) -> tuple[str, ...]:
    count = evse.live.car_phases
    return evse.phases if count is None else evse.phases[: min(count, len(evse.phases))]


def exact_overloads(site: Site, grid: PhaseCurrents | None, limits: dict[str, int]) -> list[str]:
    """Every node phase or power limit that the limits break, computed exactly. A limit the
    reserved EVSEs alone already break counts only if an active EVSE adds to it."""
    drawn = draw_per_evse(site, limits)
    reserved_only = draw_per_evse(site, {})
    problems = []
    for node in site.nodes:
        below = [e for e in site.evses if node.id in site.path(e.node)]
        caps: dict[str, Fraction] = {}
        if node.max_current is not None:
            caps = dict(zip(PHASES, map(_exact, node.max_current.by_phase()), strict=True))
        if node.parent is None and grid is not None:
            for grid_phase, value in zip(PHASES, grid.by_phase(), strict=True):
                limit = max(Fraction(0), _exact(value))
                caps[grid_phase] = min(caps.get(grid_phase, limit), limit)

        for phase, cap in caps.items():
            load = _phase_load(below, phase, drawn)
            if load > cap and load > _phase_load(below, phase, reserved_only):
                problems.append(f"{node.id}/{phase}: {float(load)} A > {float(cap)} A")
        if node.max_power_w is not None:
            power = _exact(node.voltage_v) * sum(_phase_load(below, p, drawn) for p in PHASES)
            reserved = _exact(node.voltage_v) * sum(
                _phase_load(below, p, reserved_only) for p in PHASES
            )
            if power > _exact(node.max_power_w) and power > reserved:
                problems.append(f"{node.id}/power: {float(power)} W > {node.max_power_w} W")
    return problems


def _phase_load(
    below: list[Evse], phase: str, table: dict[str, tuple[Fraction, tuple[str, ...]]]
) -> Fraction:
    return sum((table[e.id][0] for e in below if phase in table[e.id][1]), Fraction(0))
