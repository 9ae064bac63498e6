"""The allocator's guarantees, on random sites (docs/adr/0046-site-load-allocation.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shared.smart_charging.allocation import Allocation, cap_da, min_da
from shared.smart_charging.allocator import allocate, target_limits
from shared.smart_charging.loads import SiteConstraints
from shared.smart_charging.plan import assumed_limits, plan_commands, prefix_violations
from shared.smart_charging.site import PHASES, PhaseCurrents, Site, quantise_down, quantise_up
from shared.smart_charging.stability import StabilityRules, increase_allowed
from tests.unit.smart_charging.strategies import (
    NOW,
    PROFILE,
    amps,
    exact_overloads,
    grid_limits,
    phase_limits,
    previous_allocations,
    sites,
)


def _stuck(constraints: SiteConstraints, load: list[int], evse_id: str, extra: int) -> list[int]:
    """The constraints on the EVSE's path that cannot take `extra` more deciamperes of it."""
    return [
        c
        for c, per_da in constraints.usage[evse_id]
        if load[c] + per_da * extra > constraints.caps[c]
    ]


@PROFILE
@given(sites(), grid_limits, st.data())
def test_never_above_a_limit(site: Site, grid: PhaseCurrents | None, data: st.DataObject) -> None:
    previous = data.draw(previous_allocations(site))
    target = target_limits(site, grid, previous)
    assert exact_overloads(site, grid, target) == []
    applied = allocate(site, grid, previous, NOW)
    limits = {k: v.limit_da for k, v in applied.limits.items()}
    assert exact_overloads(site, grid, limits) == []


@PROFILE
@given(sites(), grid_limits, st.data())
def test_zero_or_at_least_the_minimum_and_never_above_the_cap(
    site: Site, grid: PhaseCurrents | None, data: st.DataObject
) -> None:
    previous = data.draw(previous_allocations(site))
    target = target_limits(site, grid, previous)
    applied = allocate(site, grid, previous, NOW)
    for evse in site.evses:
        if evse.id not in target:
            assert not (evse.controllable and evse.live.session_active)
            continue
        for limit in (target[evse.id], applied.limits[evse.id].limit_da):
            assert limit == 0 or min_da(evse) <= limit <= max(min_da(evse), cap_da(evse))
            assert limit <= quantise_down(evse.max_current_a)


@PROFILE
@given(amps | st.floats(0.01, 1000, allow_nan=False, allow_infinity=False))
def test_quantisation_never_rounds_up(value: float) -> None:
    exact = Decimal(repr(value))
    down, up = quantise_down(value), quantise_up(value)
    assert Decimal(down) / 10 <= exact < Decimal(down + 1) / 10
    assert Decimal(up - 1) / 10 < exact <= Decimal(up) / 10


@PROFILE
@given(sites(equal_weights=True), grid_limits)
def test_fair_within_a_tier(site: Site, grid: PhaseCurrents | None) -> None:
    """Two EVSEs of a tier with equal weights are at most one quantum apart (or the higher at
    its own minimum), unless the lower one is at its own cap or a full constraint stops it that
    the higher one does not load."""
    constraints = SiteConstraints.of(site, grid)
    target = target_limits(site, grid, None, constraints)
    load = constraints.load(target)
    active = [e for e in site.evses if e.id in target and target[e.id] > 0]
    for low in active:
        for high in active:
            if low.tier != high.tier or target[high.id] <= target[low.id] + 1:
                continue
            if target[low.id] >= cap_da(low) or target[high.id] <= min_da(high):
                continue  # capped by its own maximum, or held up by its own minimum
            high_uses = dict(constraints.usage[high.id])
            low_uses = dict(constraints.usage[low.id])
            stopping = _stuck(constraints, load, low.id, 1)
            if any(c not in high_uses for c in stopping):
                continue
            # Or the lower one needs more of a full constraint per quantum than the higher
            # one (three phases against one on a power limit): the higher one may take the
            # last few deciamperes the lower one cannot.
            coarse = [low_uses[c] for c in stopping if high_uses[c] < low_uses[c]]
            assert coarse, (low.id, high.id, target)
            floor = max(min_da(high), target[low.id] + 1)
            assert target[high.id] <= floor + max(coarse) - 1, (low.id, high.id, target)


@PROFILE
@given(sites(), grid_limits, st.data())
def test_work_conserving(site: Site, grid: PhaseCurrents | None, data: st.DataObject) -> None:
    """An EVSE short of its cap has a full constraint on its path (a quantum more does not
    fit); a paused one that wants current has one where its minimum does not fit."""
    previous = data.draw(previous_allocations(site))
    constraints = SiteConstraints.of(site, grid)
    target = target_limits(site, grid, previous, constraints)
    load = constraints.load(target)
    for evse in site.evses:
        if evse.id not in target or target[evse.id] >= cap_da(evse):
            continue
        if target[evse.id] == 0:
            assert _stuck(constraints, load, evse.id, min_da(evse)), evse.id
        else:
            assert _stuck(constraints, load, evse.id, 1), evse.id


@PROFILE
@given(sites(reservations=False), st.booleans(), st.data())
def test_raising_a_limit_never_lowers_the_total(
    site: Site, one_phase: bool, data: st.DataObject
) -> None:
    """Where every active EVSE loads all three phases, or every one loads one phase and only
    the root has a power limit, the limits form a laminar family and the feasible limits a
    polymatroid: every work-conserving allocation delivers its rank, the most the site can
    deliver, and raising a limit never lowers it. (Minimums at one quantum, so admission
    never has to choose; tiers, weights and demands vary freely.) Mixing 1- and 3-phase
    loads, a power limit below the root over 1-phase loads, or minimums that make admission
    choose can lower it: see test_documented_cases.py."""
    if one_phase:
        site = replace(
            site,
            nodes=tuple(
                n if n.parent is None else replace(n, max_power_w=None) for n in site.nodes
            ),
        )
    site = replace(
        site,
        evses=tuple(
            replace(
                e,
                min_current_a=0.1,
                phases=e.phases if one_phase or len(e.phases) == 3 else PHASES,
                live=replace(e.live, car_phases=1 if one_phase else None),
            )
            for e in site.evses
        ),
    )
    node = data.draw(st.sampled_from(site.nodes))
    raise_by = data.draw(st.integers(1, 400)) / 10
    current = node.max_current
    raised_node = replace(
        node,
        max_current=None
        if current is None
        else PhaseCurrents(*(a + raise_by for a in current.by_phase())),
        max_power_w=None if node.max_power_w is None else node.max_power_w + 230 * raise_by,
    )
    raised = replace(site, nodes=tuple(raised_node if n is node else n for n in site.nodes))

    def total(s: Site) -> int:
        target = target_limits(s)
        return sum(target[e.id] * len(e.used_phases()) for e in s.evses if e.id in target)

    assert total(raised) >= total(site)


@PROFILE
@given(sites(), grid_limits, st.data())
def test_the_filter_never_breaks_a_limit_and_follows_its_rules(
    site: Site, grid: PhaseCurrents | None, data: st.DataObject
) -> None:
    previous = data.draw(previous_allocations(site))
    rules = StabilityRules()
    target = target_limits(site, grid, previous)
    applied = allocate(site, grid, previous, NOW, rules)
    limits = {k: v.limit_da for k, v in applied.limits.items()}
    assert exact_overloads(site, grid, limits) == []
    for evse_id, limit in limits.items():
        before = previous.limits.get(evse_id)
        wanted = target[evse_id]
        if before is None:
            assert limit == wanted  # a new session gets its target at once
            continue
        if wanted < before.limit_da:
            kept = wanted == 0 and limit == min_da(site.evse(evse_id))
            assert limit == wanted or kept  # decreases at once (or the run dwell's minimum)
        if limit > before.limit_da:
            evse = site.evse(evse_id)
            assert increase_allowed(
                before.limit_da, limit, before.changed_at, min_da(evse), NOW, rules
            ) or (wanted == 0 and limit == min_da(evse) and before.limit_da == 0)


@PROFILE
@given(sites(), phase_limits, phase_limits, st.data())
def test_lowering_a_limit_raises_no_evse_beyond_what_the_filter_permits(
    site: Site, grid: PhaseCurrents, lower: PhaseCurrents, data: st.DataObject
) -> None:
    lowered = PhaseCurrents(
        *(min(a, b) for a, b in zip(grid.by_phase(), lower.by_phase(), strict=True))
    )
    rules = StabilityRules()
    first = allocate(site, grid, data.draw(previous_allocations(site)), NOW - timedelta(minutes=1))
    second = allocate(site, lowered, first, NOW, rules)
    for evse_id, state in second.limits.items():
        before, limit = first.limits[evse_id], state.limit_da
        if limit > before.limit_da:
            evse = site.evse(evse_id)
            assert increase_allowed(
                before.limit_da, limit, before.changed_at, min_da(evse), NOW, rules
            )
    limits = {k: v.limit_da for k, v in second.limits.items()}
    assert exact_overloads(site, lowered, limits) == []


@PROFILE
@given(sites(), grid_limits, st.data())
def test_every_prefix_of_the_command_sequence_is_feasible(
    site: Site, grid: PhaseCurrents | None, data: st.DataObject
) -> None:
    previous = data.draw(previous_allocations(site))
    allocation = allocate(site, grid, previous, NOW)
    commands = plan_commands(site, previous, allocation)
    assert prefix_violations(site, grid, previous, commands) == []
    # The same, by the exact checker: from a state within the limits, every state on the way
    # is within them.
    state = assumed_limits(site, previous)
    if exact_overloads(site, grid, state) == []:
        for command in commands:
            state[command.evse_id] = command.to_da
            assert exact_overloads(site, grid, state) == [], command
    kinds = [command.decrease for command in commands]
    assert kinds == sorted(kinds, reverse=True)  # every decrease before any increase
    # What the order prevents: increases sent first can break a limit, and only when some
    # decrease had to make room for them.
    reordered = sorted(commands, key=lambda c: c.decrease)
    problems = prefix_violations(site, grid, previous, reordered)
    if problems:
        assert any(c.decrease for c in commands)


@PROFILE
@given(sites(), st.data())
def test_sites_and_allocations_survive_their_plain_form(site: Site, data: st.DataObject) -> None:
    assert Site.from_dict(site.to_dict()) == site
    previous = data.draw(previous_allocations(site))
    allocation = allocate(site, None, previous, NOW)
    assert Allocation.from_dict(allocation.to_dict()) == allocation
