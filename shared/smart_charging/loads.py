"""A site as linear constraints in whole deciamperes, the form the allocator, the stability
filter and the command plan all check against.

One constraint per limited phase of a node (`board/L2`: the sum of the currents on L2 of every
EVSE below `board`) and one per power limit (`board/power`: the sum over the three phases,
P / V). The grid's limit for the moment is folded into the root's phases. Every EVSE is one
of three kinds:

- active: controllable with a session; it draws its limit on each phase it uses, so it adds
  `limit` to each of those phases' constraints and `limit * phases` to each power constraint
  of every node on its path;
- reserved: takes no profiles, or does not answer; its worst case (the hardware maximum, or
  more if measured) is reserved on every phase it is wired to, before anything is shared;
- idle: controllable, no session; a car plugging in draws up to the EVSE's default limit
  before the allocator's first profile arrives, so that much is reserved on every phase.

Loads are monotone in every limit: lowering any EVSE's limit never raises any constraint's
load. The filter and the plan rely on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shared.smart_charging.site import (
    PHASES,
    Evse,
    PhaseCurrents,
    Site,
    power_limit_da,
    quantise_down,
    quantise_up,
)

# (constraint index, deciamperes of load per deciampere of the EVSE's limit)
Usage = tuple[tuple[int, int], ...]


def reservation_da(evse: Evse) -> int:
    """What a reserved or idle EVSE may draw on each phase it is wired to (0 for an active
    one: its limit is what it draws)."""
    if not evse.controllable:
        measured = evse.live.measured_a or 0.0
        return max(quantise_up(evse.max_current_a), quantise_up(measured))
    if not evse.live.session_active:
        return quantise_up(evse.default_limit_a)
    return 0


@dataclass(frozen=True)
class SiteConstraints:
    names: tuple[str, ...]
    caps: tuple[int, ...]
    # The load nothing the allocator decides can change: reserved and idle EVSEs.
    base: tuple[int, ...]
    # Active EVSEs (controllable, in session): the constraints their limit loads.
    usage: Mapping[str, Usage]

    @classmethod
    def of(cls, site: Site, grid_limit: PhaseCurrents | None = None) -> SiteConstraints:
        names: list[str] = []
        caps: list[int] = []
        index: dict[tuple[str, str], int] = {}
        root = site.root.id
        for node in site.nodes:
            phase_caps: list[int | None] = [None, None, None]
            if node.max_current is not None:
                phase_caps = [quantise_down(a) for a in node.max_current.by_phase()]
            if node.id == root and grid_limit is not None:
                grid = [quantise_down(max(0.0, a)) for a in grid_limit.by_phase()]
                phase_caps = [
                    g if c is None else min(c, g) for c, g in zip(phase_caps, grid, strict=True)
                ]
            for phase, cap in zip(PHASES, phase_caps, strict=True):
                if cap is not None:
                    index[node.id, phase] = len(caps)
                    names.append(f"{node.id}/{phase}")
                    caps.append(cap)
            if node.max_power_w is not None:
                index[node.id, "power"] = len(caps)
                names.append(f"{node.id}/power")
                caps.append(power_limit_da(node.max_power_w, node.voltage_v))

        paths = {node.id: site.path(node.id) for node in site.nodes}

        def usage_of(node_id: str, phases: tuple[str, ...]) -> Usage:
            used: list[tuple[int, int]] = []
            for on_path in paths[node_id]:
                used.extend((index[on_path, p], 1) for p in phases if (on_path, p) in index)
                if (on_path, "power") in index:
                    used.append((index[on_path, "power"], len(phases)))
            return tuple(used)

        base = [0] * len(caps)
        usage: dict[str, Usage] = {}
        for evse in site.evses:
            if evse.controllable and evse.live.session_active:
                usage[evse.id] = usage_of(evse.node, evse.used_phases())
                continue
            reserved = reservation_da(evse)
            if reserved:
                for constraint, per_da in usage_of(evse.node, evse.phases):
                    base[constraint] += per_da * reserved
        return cls(tuple(names), tuple(caps), tuple(base), usage)

    def load(self, limits: Mapping[str, int]) -> list[int]:
        """Each constraint's load with the active EVSEs at `limits` (absent: 0)."""
        load = list(self.base)
        for evse_id, used in self.usage.items():
            limit = limits.get(evse_id, 0)
            if limit:
                for constraint, per_da in used:
                    load[constraint] += per_da * limit
        return load

    def overloaded(self) -> list[int]:
        """Constraints the reservations alone already exceed: nothing can be shared there."""
        return [
            c for c, (base, cap) in enumerate(zip(self.base, self.caps, strict=True)) if base > cap
        ]

    def over(self, load: list[int]) -> list[int]:
        return [c for c, (used, cap) in enumerate(zip(load, self.caps, strict=True)) if used > cap]

    def fits(self, load: list[int], evse_id: str, extra_da: int) -> bool:
        """Whether `extra_da` more on this active EVSE keeps every constraint it loads within
        its cap."""
        return all(load[c] + per_da * extra_da <= self.caps[c] for c, per_da in self.usage[evse_id])
