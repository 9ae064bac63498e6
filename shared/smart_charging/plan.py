"""The command plan: the limits that changed, as commands in an order that is safe to send
one at a time, and a proof helper that checks it.

Chargers apply a new limit when their command arrives, so between the first and the last
command the site runs on a mix of old and new limits. Decreases go first (the largest
first: the most relief soonest), increases after (higher tiers first). Why every prefix
is feasible: while decreases are sent, loads only fall; once they are all sent each EVSE is
at min(old, new), which is at most the new allocation, so every constraint is within its cap
(loads are monotone); each increase then moves one EVSE from its old limit towards its new
one, never above the new allocation. If the site was over a limit before (the grid's limit
dropped), no command raises a load that is over its cap, and the overload ends with the last
decrease.

An active EVSE without a previous limit (a session the allocator has not spoken to yet) is
assumed to draw its default limit, and always gets a command.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.smart_charging.allocation import Allocation
from shared.smart_charging.loads import SiteConstraints
from shared.smart_charging.site import PhaseCurrents, Site, quantise_up


@dataclass(frozen=True)
class LimitCommand:
    evse_id: str
    charge_point_id: str
    evse_number: int
    from_da: int
    to_da: int

    @property
    def decrease(self) -> bool:
        return self.to_da <= self.from_da

    @property
    def limit_a(self) -> float:
        return self.to_da / 10


def assumed_limits(site: Site, previous: Allocation) -> dict[str, int]:
    """What each active EVSE draws before any command: its previous limit, or its default."""
    limits: dict[str, int] = {}
    for evse in site.evses:
        if evse.controllable and evse.live.session_active:
            known = previous.limit_da(evse.id)
            limits[evse.id] = quantise_up(evse.default_limit_a) if known is None else known
    return limits


def plan_commands(site: Site, previous: Allocation, allocation: Allocation) -> list[LimitCommand]:
    """The commands that take the site from `previous` to `allocation`, decreases first."""
    before = assumed_limits(site, previous)
    tiers = {evse.id: evse.tier for evse in site.evses}
    commands: list[LimitCommand] = []
    for evse in site.evses:
        if evse.id not in before or evse.id not in allocation.limits:
            continue
        new = allocation.limits[evse.id].limit_da
        if previous.limit_da(evse.id) == new:
            continue
        commands.append(
            LimitCommand(evse.id, evse.charge_point_id, evse.evse_id, before[evse.id], new)
        )
    decreases = sorted(
        (c for c in commands if c.decrease), key=lambda c: (c.to_da - c.from_da, c.evse_id)
    )
    increases = sorted(
        (c for c in commands if not c.decrease), key=lambda c: (-tiers[c.evse_id], c.evse_id)
    )
    return decreases + increases


def prefix_violations(
    site: Site,
    grid_limit: PhaseCurrents | None,
    previous: Allocation,
    commands: list[LimitCommand],
) -> list[str]:
    """Sends the commands one by one on paper, from the previous limits; answers every step
    that raises a load above its cap (or keeps it there), and every constraint still over
    its cap at the end that the reservations alone do not explain. Empty: proved."""
    constraints = SiteConstraints.of(site, grid_limit)
    limits = assumed_limits(site, previous)
    load = constraints.load(limits)
    problems: list[str] = []
    for step, command in enumerate(commands, start=1):
        change = command.to_da - limits.get(command.evse_id, 0)
        limits[command.evse_id] = command.to_da
        for c, per_da in constraints.usage.get(command.evse_id, ()):
            load[c] += per_da * change
            if change > 0 and load[c] > constraints.caps[c]:
                name, cap = constraints.names[c], constraints.caps[c]
                problems.append(
                    f"step {step} ({command.evse_id} to {command.to_da / 10} A) puts "
                    f"{name} at {load[c] / 10} A over its {cap / 10} A"
                )
    overloaded = set(constraints.overloaded())
    for c in constraints.over(load):
        if c not in overloaded:
            problems.append(
                f"after the plan {constraints.names[c]} is at {load[c] / 10} A, "
                f"over its {constraints.caps[c] / 10} A"
            )
    return problems
