"""CPU time of one site allocation (docs/adr/0046-site-load-allocation.md): 200 EVSEs on 20
circuits, the size issue #18 budgets (goal: under 50 ms per allocation).

The site: a 3-phase grid connection (630 A, 400 kW) feeding four boards (250 A, 150 kW each),
each board five circuits (80 A) of ten EVSEs: about three times more EVSE current than the
connection, the case load management exists for. The EVSEs mix what real sites have: 3-phase
ones rotated board by board, 1-phase ones spread over L1/L2/L3, some 1-phase cars on 3-phase
EVSEs, a priority tier, weights, a few chargers that take no profiles, a few that do not
answer, some idle. Each iteration is one call of `allocate` (target, stability filter and the
state it records) plus `plan_commands`, from the previous iteration's allocation, with the
grid limit moving so that the limits really change; the site is built untimed.

    python -m benchmarks.smart_charging_allocator
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.smart_charging.allocation import Allocation
from shared.smart_charging.allocator import allocate
from shared.smart_charging.plan import plan_commands
from shared.smart_charging.site import PHASES, Evse, EvseLive, Node, Phase, PhaseCurrents, Site

_ROTATIONS: tuple[tuple[Phase, ...], ...] = (
    ("L1", "L2", "L3"),
    ("L2", "L3", "L1"),
    ("L3", "L1", "L2"),
)


def benchmark_site(evses: int = 200, circuits: int = 20, boards: int = 4) -> Site:
    """A deterministic site of `evses` EVSEs spread evenly over `circuits` circuits."""
    nodes = [Node("grid", None, PhaseCurrents.uniform(630), max_power_w=400_000)]
    nodes += [
        Node(f"board{b}", "grid", PhaseCurrents.uniform(250), max_power_w=150_000)
        for b in range(boards)
    ]
    nodes += [
        Node(f"circuit{c}", f"board{c % boards}", PhaseCurrents.uniform(80))
        for c in range(circuits)
    ]
    started = datetime(2026, 6, 1, 8, tzinfo=UTC)
    site_evses = []
    for n in range(evses):
        circuit = n % circuits
        one_phase = n % 4 == 3
        phases = (PHASES[n % 3],) if one_phase else _ROTATIONS[circuit % 3]
        site_evses.append(
            Evse(
                id=f"E{n:03d}",
                node=f"circuit{circuit}",
                charge_point_id=f"CP{n:03d}",
                evse_id=1,
                phases=phases,
                min_current_a=6.0,
                max_current_a=16.0 if one_phase else 32.0,
                tier=1 if n % 10 == 0 else 0,
                weight=2.0 if n % 7 == 0 else 1.0,
                accepts_profiles=n % 100 != 17,
                live=EvseLive(
                    session_active=n % 5 != 4,
                    demand_a=None if n % 3 else 20.0,
                    car_phases=1 if n % 8 == 1 else None,
                    responsive=n % 100 != 9,
                    session_started_at=started + timedelta(minutes=n),
                ),
            )
        )
    return Site("bench", tuple(nodes), tuple(site_evses))


def run(iterations: int = 200, evses: int = 200, circuits: int = 20) -> dict[str, Any]:
    """Milliseconds of CPU per allocation (median, p95, mean) over `iterations` calls."""
    site = benchmark_site(evses, circuits)
    clock = time.thread_time_ns  # CPU time of this thread: not disturbed by other processes
    previous = Allocation()
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    samples: list[int] = []
    changes = 0
    for n in range(iterations + 10):
        grid = PhaseCurrents.uniform(400.0 + 200.0 * ((n * 37) % 11) / 10)
        now += timedelta(minutes=5)
        start = clock()
        allocation = allocate(site, grid, previous, now)
        commands = plan_commands(site, previous, allocation)
        elapsed = clock() - start
        previous = allocation
        if n >= 10:  # the first calls warm caches
            samples.append(elapsed)
            changes += len(commands)
    ordered = sorted(samples)
    return {
        "evses": evses,
        "circuits": circuits,
        "iterations": iterations,
        "median_ms": round(statistics.median(ordered) / 1e6, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)] / 1e6, 2),
        "mean_ms": round(statistics.fmean(ordered) / 1e6, 2),
        "commands_per_allocation": round(changes / iterations, 1),
        "goal_ms": 50,
    }


if __name__ == "__main__":
    print(run())
