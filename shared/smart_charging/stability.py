"""The stability filter: between the target and the chargers, so that limits do not chatter.

- A decrease applies at once (a limit may force it; and a lower limit is always safe).
- An increase applies only when it is worth a command (at least `increase_min_a`, or at least
  `increase_min_fraction` of the current limit) and the limit has not changed for
  `hold_off_s`; otherwise the EVSE keeps its limit for now.
- Pause/resume dwell: a paused EVSE resumes only after `min_pause_s` paused; one that started
  less than `min_run_s` ago is not paused again but kept at its minimum, unless that minimum no
  longer fits (a limit forces the pause).
- A new session (no previous limit) gets its target at once.

Why the filter never breaks a limit: loads are monotone in every limit (loads.py). Every
output is at most the target except the kept minimums, and the target fits; each kept minimum
is added only after checking it fits on top of everything else already decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shared.smart_charging.allocation import Allocation, admission_order, min_da
from shared.smart_charging.loads import SiteConstraints
from shared.smart_charging.site import Site, quantise_down


@dataclass(frozen=True)
class StabilityRules:
    increase_min_a: float = 1.0
    increase_min_fraction: float = 0.10
    hold_off_s: float = 600.0
    min_pause_s: float = 300.0
    min_run_s: float = 600.0


def _elapsed(since: datetime | None, now: datetime) -> float:
    return float("inf") if since is None else (now - since).total_seconds()


def increase_allowed(
    previous_da: int,
    target_da: int,
    changed_at: datetime | None,
    minimum_da: int,
    now: datetime,
    rules: StabilityRules,
) -> bool:
    """Whether an EVSE at `previous_da` may go up to `target_da` now."""
    if previous_da == 0:
        return _elapsed(changed_at, now) >= rules.min_pause_s
    if previous_da < minimum_da:
        # The site's minimum was raised under it: its limit is invalid, move it now.
        return True
    step = target_da - previous_da
    worth_it = step >= quantise_down(rules.increase_min_a) or (
        step >= rules.increase_min_fraction * previous_da
    )
    return worth_it and _elapsed(changed_at, now) >= rules.hold_off_s


def stabilise(
    site: Site,
    constraints: SiteConstraints,
    target: Mapping[str, int],
    previous: Allocation,
    now: datetime,
    rules: StabilityRules,
) -> dict[str, int]:
    """The limits to apply: `target` where the rules allow it, else the previous limit."""
    evses = {evse.id: evse for evse in site.evses if evse.id in constraints.usage}
    out: dict[str, int] = {}
    keep_at_minimum: list[str] = []
    for evse_id, evse in evses.items():
        wanted = target.get(evse_id, 0)
        before = previous.limits.get(evse_id)
        if before is None:
            out[evse_id] = wanted
            continue
        limit = before.limit_da
        if wanted < limit:
            out[evse_id] = wanted
            started = before.running_since
            if wanted == 0 and _elapsed(started, now) < rules.min_run_s:
                keep_at_minimum.append(evse_id)
        elif wanted > limit:
            allowed = increase_allowed(limit, wanted, before.changed_at, min_da(evse), now, rules)
            out[evse_id] = wanted if allowed else limit
        else:
            out[evse_id] = limit

    if keep_at_minimum:
        load = constraints.load(out)
        candidates = [evses[evse_id] for evse_id in keep_at_minimum]
        for evse in admission_order(candidates, previous):
            minimum = min_da(evse)
            if constraints.fits(load, evse.id, minimum):
                out[evse.id] = minimum
                for c, per_da in constraints.usage[evse.id]:
                    load[c] += per_da * minimum
    return out
