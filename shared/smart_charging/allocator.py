"""The allocator: a pure function from a site, the grid's limit now, the previous allocation
and the time to a current limit per active EVSE (docs/adr/0046-site-load-allocation.md).

`target_limits` computes what the site should do, in whole deciamperes:

1. Reservations first (`loads.SiteConstraints`): EVSEs that take no profiles or do not answer
   at their worst case, idle ones at their default limit.
2. Tiers, highest first. A tier admits its EVSEs at their minimum current, one by one in the
   admission order (those already charging, then first come first served, then by id),
   each only if its minimum fits on every constraint of its path; one that does not fit is
   paused (0) and the next one is tried. Then the tier's admitted EVSEs share what is left by
   weighted water-filling: a level L rises and every EVSE gets clamp(weight * L, min, cap),
   an EVSE stopping where it reaches its cap or a constraint it loads is full (max-min fair
   in weight). A lower tier gets only what the higher ones cannot use.
3. The levels are computed in floating point, then rounded down to whole deciamperes,
   checked again in integers (the integers are the guarantee, not the floats), and the quanta
   that rounding left are handed out one at a time, always to the lowest share that can take
   one, until none can.

`allocate` then passes the target through the stability filter (`stability.py`) and records
when each limit changed, which the next call's filter needs.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from datetime import datetime

from shared.smart_charging.allocation import Allocation, EvseLimit, admission_order, cap_da, min_da
from shared.smart_charging.loads import SiteConstraints, Usage
from shared.smart_charging.site import PhaseCurrents, Site
from shared.smart_charging.stability import StabilityRules, stabilise

_EPSILON = 1e-7


@dataclass
class _Member:
    evse_id: str
    minimum: int
    cap: int
    weight: float
    usage: Usage
    value: int = 0


def target_limits(
    site: Site,
    grid_limit: PhaseCurrents | None = None,
    previous: Allocation | None = None,
    constraints: SiteConstraints | None = None,
) -> dict[str, int]:
    """What every active EVSE should get now, in deciamperes, before the stability filter."""
    constraints = constraints or SiteConstraints.of(site, grid_limit)
    remaining = [cap - base for cap, base in zip(constraints.caps, constraints.base, strict=True)]
    active = [evse for evse in site.evses if evse.id in constraints.usage]
    limits = {evse.id: 0 for evse in active}
    ordered = admission_order(active, previous)
    for tier in sorted({evse.tier for evse in active}, reverse=True):
        admitted: list[_Member] = []
        for evse in (e for e in ordered if e.tier == tier):
            member = _Member(
                evse.id, min_da(evse), cap_da(evse), evse.weight, constraints.usage[evse.id]
            )
            if member.cap == 0:
                continue
            if all(remaining[c] >= per_da * member.minimum for c, per_da in member.usage):
                for c, per_da in member.usage:
                    remaining[c] -= per_da * member.minimum
                member.value = member.minimum
                admitted.append(member)
        _water_fill(admitted, remaining)
        _hand_out_quanta(admitted, remaining)
        for member in admitted:
            limits[member.evse_id] = member.value
    return limits


def _water_fill(members: list[_Member], remaining: list[int]) -> None:
    """Raises the admitted members from their minimum by weighted water-filling within
    `remaining` (each member's minimum is already taken from it), then rounds down."""
    if not members:
        return
    shares = _Levels(members, remaining).run()
    _round_down(members, shares, remaining)


class _Levels:
    """Weighted water-filling in floating point, event by event: between two events every
    constraint's load grows linearly with the level, so the next event is the nearest of a
    member starting to rise (weight * L reaches its minimum), a member reaching its cap, or
    a constraint becoming full (which stops every member on it)."""

    def __init__(self, members: list[_Member], remaining: list[int]) -> None:
        self.members = members
        self.spare = [float(r) for r in remaining]
        self.rate = [0.0] * len(remaining)
        self.users: dict[int, list[int]] = {}
        for i, member in enumerate(members):
            for c, _ in member.usage:
                self.users.setdefault(c, []).append(i)
        self.frozen = [False] * len(members)
        self.share = [float(m.minimum) for m in members]
        self.rising: set[int] = set()
        self.level = 0.0
        self.events: list[tuple[float, int, int]] = []  # (level, 0 start | 1 cap, member)

    def run(self) -> list[float]:
        for i, member in enumerate(self.members):
            if member.cap <= member.minimum:
                self.frozen[i] = True
                continue
            self.events.append((member.minimum / member.weight, 0, i))
            self.events.append((member.cap / member.weight, 1, i))
        heapq.heapify(self.events)
        # Constraints already full admit no rise at all.
        self._stop_full(list(self.users), already=True)
        while self.events:
            loaded = [c for c in self.users if self.rate[c] > _EPSILON]
            full_at = min(
                (self.level + max(0.0, self.spare[c]) / self.rate[c] for c in loaded),
                default=math.inf,
            )
            next_level = min(self.events[0][0], full_at)
            if next_level > self.level:
                for c in loaded:
                    self.spare[c] -= self.rate[c] * (next_level - self.level)
                self.level = next_level
            self._stop_full(loaded, already=False)
            while self.events and self.events[0][0] <= self.level + _EPSILON:
                _, kind, i = heapq.heappop(self.events)
                if self.frozen[i]:
                    continue
                if kind == 1:
                    self._cap(i)
                else:
                    self._start(i)
        return self.share

    def _stop_full(self, constraints: list[int], *, already: bool) -> None:
        for c in constraints:
            tolerance = _EPSILON if already else _EPSILON * max(1.0, self.rate[c])
            if self.spare[c] <= tolerance:
                for i in self.users[c]:
                    if not self.frozen[i]:
                        self._cap(i)

    def _start(self, i: int) -> None:
        member = self.members[i]
        if any(self.spare[c] <= _EPSILON for c, _ in member.usage):
            self._cap(i)
            return
        self.rising.add(i)
        for c, per_da in member.usage:
            self.rate[c] += per_da * member.weight

    def _cap(self, i: int) -> None:
        """Stops member i where the level is now."""
        self.frozen[i] = True
        member = self.members[i]
        level_share = member.weight * self.level
        self.share[i] = min(float(member.cap), max(float(member.minimum), level_share))
        if i in self.rising:
            self.rising.discard(i)
            for c, per_da in member.usage:
                self.rate[c] -= per_da * member.weight


def _round_down(members: list[_Member], shares: list[float], remaining: list[int]) -> None:
    """Whole deciamperes; the integers decide (the floats only proposed)."""
    for member, share in zip(members, shares, strict=True):
        member.value = min(member.cap, max(member.minimum, math.floor(share + _EPSILON)))
    extra = [0] * len(remaining)
    for member in members:
        for c, per_da in member.usage:
            extra[c] += per_da * (member.value - member.minimum)
    for c in range(len(extra)):
        while extra[c] > 0 and extra[c] > remaining[c]:
            # Rounding overshot (floating point): take a quantum back from the largest share.
            largest = max(
                (m for m in members if m.value > m.minimum and any(u == c for u, _ in m.usage)),
                key=lambda m: (m.value / m.weight, m.evse_id),
            )
            largest.value -= 1
            for u, per_da in largest.usage:
                extra[u] -= per_da
    for c, amount in enumerate(extra):
        remaining[c] -= amount


def _hand_out_quanta(members: list[_Member], remaining: list[int]) -> None:
    """What rounding left: one deciampere at a time, always to the lowest share (value /
    weight, then admission order) that can take it. One that cannot never will (what is left
    only shrinks), so it leaves the queue. Afterwards an admitted member below its cap has a
    full constraint on its path (work conservation, to the quantum)."""
    queue = [(m.value / m.weight, n) for n, m in enumerate(members) if m.value < m.cap]
    heapq.heapify(queue)
    while queue:
        _, n = heapq.heappop(queue)
        member = members[n]
        if not all(remaining[c] >= per_da for c, per_da in member.usage):
            continue
        for c, per_da in member.usage:
            remaining[c] -= per_da
        member.value += 1
        if member.value < member.cap:
            heapq.heappush(queue, (member.value / member.weight, n))


def allocate(
    site: Site,
    grid_limit: PhaseCurrents | None,
    previous: Allocation | None,
    now: datetime,
    rules: StabilityRules | None = None,
) -> Allocation:
    """The allocation to apply now: the target, through the stability filter."""
    previous = previous or Allocation()
    constraints = SiteConstraints.of(site, grid_limit)
    target = target_limits(site, grid_limit, previous, constraints)
    filtered = stabilise(site, constraints, target, previous, now, rules or StabilityRules())
    limits: dict[str, EvseLimit] = {}
    for evse_id, limit in filtered.items():
        before = previous.limits.get(evse_id)
        if before is None:
            limits[evse_id] = EvseLimit(limit, now if limit else None, now if limit else None)
        elif before.limit_da == limit:
            limits[evse_id] = before
        else:
            running = (before.running_since or now) if before.limit_da else now
            limits[evse_id] = EvseLimit(limit, now, running if limit else None)
    overloaded = tuple(constraints.names[c] for c in constraints.overloaded())
    return Allocation(limits, now, overloaded)
