"""A site's electrical model: its grid connection and circuits as a tree of nodes, each with
per-phase current limits (A) and an optional power limit (W at a nominal voltage), and its
EVSEs hanging from the nodes with how they are wired and what they are doing now.

The tree is what a fuse protects: the current through a node is the sum of the currents of
every EVSE below it, phase by phase. An EVSE's `phases` says which grid phase each of its own
phases is wired to (`("L2",)`: a 1-phase EVSE on L2; `("L2", "L3", "L1")`: a 3-phase EVSE
rotated by one), so a car drawing on the charger's first phase loads L2 of every node above.
A car with fewer phases than its EVSE draws on the EVSE's first ones (IEC 61851 wiring: L1
always, then L2, L3).

A `Site` is checked when it is built: every problem is listed in one `SiteError`, so an
operator editing a site through the API sees them all at once. `to_dict`/`from_dict` give the
plain form it is stored and edited in (amperes, watts, volts; ISO 8601 times).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, cast

Phase = Literal["L1", "L2", "L3"]
PHASES: tuple[Phase, ...] = ("L1", "L2", "L3")
PHASE_INDEX: dict[str, int] = {"L1": 0, "L2": 1, "L3": 2}

DEFAULT_VOLTAGE_V = 230.0
# Amperes are handled as whole tenths (deciamperes): what OCPP chargers accept and what the
# allocator computes in, exactly.
QUANTUM_A = 0.1


def _decimal(value: float) -> Decimal:
    # The decimal the value was written as (JSON, the API): 31.7 is 31.7, not the binary
    # float just below it.
    return Decimal(repr(float(value)))


def quantise_down(amps: float) -> int:
    """Whole deciamperes at or below `amps`: for limits and maxima (never rounds up)."""
    return int((_decimal(amps) * 10).to_integral_value(rounding="ROUND_FLOOR"))


def quantise_up(amps: float) -> int:
    """Whole deciamperes at or above `amps`: for minima and reservations (never below)."""
    return int((_decimal(amps) * 10).to_integral_value(rounding="ROUND_CEILING"))


def power_limit_da(max_power_w: float, voltage_v: float) -> int:
    """A power limit as a bound on the sum of the phase currents, in deciamperes:
    P >= V * (I1 + I2 + I3) with I in tenths of an ampere, rounded down."""
    bound = Fraction(_decimal(max_power_w)) * 10 / Fraction(_decimal(voltage_v))
    return int(bound // 1)


class SiteError(ValueError):
    """A site that cannot be allocated; `problems` lists every reason, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PhaseCurrents:
    """A current per grid phase, in amperes."""

    l1: float
    l2: float
    l3: float

    @classmethod
    def uniform(cls, amps: float) -> PhaseCurrents:
        return cls(amps, amps, amps)

    def by_phase(self) -> tuple[float, float, float]:
        return (self.l1, self.l2, self.l3)

    def to_dict(self) -> dict[str, float]:
        return {"L1": self.l1, "L2": self.l2, "L3": self.l3}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PhaseCurrents:
        return cls(float(data["L1"]), float(data["L2"]), float(data["L3"]))


@dataclass(frozen=True)
class Node:
    """A point of the grid connection that has limits: the connection itself (the root, no
    parent), a sub-distribution board, a circuit. A node without limits only groups."""

    id: str
    parent: str | None = None
    max_current: PhaseCurrents | None = None
    max_power_w: float | None = None
    voltage_v: float = DEFAULT_VOLTAGE_V

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "parent": self.parent,
            "maxCurrent": self.max_current.to_dict() if self.max_current else None,
            "maxPowerW": self.max_power_w,
            "voltageV": self.voltage_v,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Node:
        current = data.get("maxCurrent")
        power = data.get("maxPowerW")
        return cls(
            id=str(data["id"]),
            parent=None if data.get("parent") is None else str(data["parent"]),
            max_current=None if current is None else PhaseCurrents.from_dict(current),
            max_power_w=None if power is None else float(power),
            voltage_v=float(data.get("voltageV", DEFAULT_VOLTAGE_V)),
        )


@dataclass(frozen=True)
class EvseLive:
    """What the allocator needs to know about an EVSE now (kept up to date by events)."""

    session_active: bool = False
    # What the car asks for per phase (A); None: as much as the EVSE gives.
    demand_a: float | None = None
    # How many phases the car draws on, once observed (1 for a 1-phase car); None: unknown,
    # so every phase of the EVSE counts.
    car_phases: int | None = None
    # False while the charger does not answer or rejected our profiles: its worst case is
    # reserved and it is sent nothing.
    responsive: bool = True
    # The highest phase current last measured (A), if any.
    measured_a: float | None = None
    # When its session started: the admission order's tie-breaker (first come, first served).
    session_started_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessionActive": self.session_active,
            "demandA": self.demand_a,
            "carPhases": self.car_phases,
            "responsive": self.responsive,
            "measuredA": self.measured_a,
            "sessionStartedAt": (
                self.session_started_at.isoformat() if self.session_started_at else None
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvseLive:
        started = data.get("sessionStartedAt")
        demand, phases, measured = data.get("demandA"), data.get("carPhases"), data.get("measuredA")
        return cls(
            session_active=bool(data.get("sessionActive", False)),
            demand_a=None if demand is None else float(demand),
            car_phases=None if phases is None else int(phases),
            responsive=bool(data.get("responsive", True)),
            measured_a=None if measured is None else float(measured),
            session_started_at=None if started is None else datetime.fromisoformat(started),
        )


@dataclass(frozen=True)
class Evse:
    """An EVSE of the site: where it hangs, how it is wired, what its hardware allows, how
    it ranks (a higher `tier` is served first; within a tier current is shared in proportion
    to `weight`), and its live state."""

    id: str
    node: str
    charge_point_id: str
    evse_id: int
    phases: tuple[Phase, ...] = PHASES
    min_current_a: float = 6.0
    max_current_a: float = 32.0
    tier: int = 0
    weight: float = 1.0
    # False: the charger takes no charging profiles; its worst case is always reserved.
    accepts_profiles: bool = True
    # The limit a session starts under before the allocator's first profile arrives (the
    # charger's TxDefaultProfile, ADR 0046): reserved on every phase while the EVSE is idle.
    default_limit_a: float = 0.0
    live: EvseLive = field(default_factory=EvseLive)

    @property
    def controllable(self) -> bool:
        return self.accepts_profiles and self.live.responsive

    def used_phases(self) -> tuple[Phase, ...]:
        """The grid phases a session loads: the car's, when known, else all of the EVSE's."""
        count = self.live.car_phases
        if count is None:
            return self.phases
        return self.phases[: max(1, min(count, len(self.phases)))]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "node": self.node,
            "chargePointId": self.charge_point_id,
            "evseId": self.evse_id,
            "phases": list(self.phases),
            "minCurrentA": self.min_current_a,
            "maxCurrentA": self.max_current_a,
            "tier": self.tier,
            "weight": self.weight,
            "acceptsProfiles": self.accepts_profiles,
            "defaultLimitA": self.default_limit_a,
            "live": self.live.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evse:
        return cls(
            id=str(data["id"]),
            node=str(data["node"]),
            charge_point_id=str(data["chargePointId"]),
            evse_id=int(data["evseId"]),
            phases=tuple(cast(Phase, str(p)) for p in data.get("phases", PHASES)),
            min_current_a=float(data.get("minCurrentA", 6.0)),
            max_current_a=float(data.get("maxCurrentA", 32.0)),
            tier=int(data.get("tier", 0)),
            weight=float(data.get("weight", 1.0)),
            accepts_profiles=bool(data.get("acceptsProfiles", True)),
            default_limit_a=float(data.get("defaultLimitA", 0.0)),
            live=EvseLive.from_dict(data.get("live") or {}),
        )


@dataclass(frozen=True)
class Site:
    """A site: exactly one root node (the grid connection), the circuits below it, and the
    EVSEs. Built only if valid (`SiteError` otherwise)."""

    id: str
    nodes: tuple[Node, ...]
    evses: tuple[Evse, ...] = ()

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise SiteError(problems)

    @property
    def root(self) -> Node:
        return next(node for node in self.nodes if node.parent is None)

    def node(self, node_id: str) -> Node:
        return next(node for node in self.nodes if node.id == node_id)

    def evse(self, evse_id: str) -> Evse:
        return next(evse for evse in self.evses if evse.id == evse_id)

    def path(self, node_id: str) -> tuple[str, ...]:
        """The node and its ancestors up to the root."""
        parents = {node.id: node.parent for node in self.nodes}
        path: list[str] = []
        current: str | None = node_id
        while current is not None:
            path.append(current)
            current = parents[current]
        return tuple(path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "nodes": [node.to_dict() for node in self.nodes],
            "evses": [evse.to_dict() for evse in self.evses],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Site:
        """The stored or submitted form; a missing field or a wrong type is a SiteError too."""
        try:
            nodes = tuple(Node.from_dict(item) for item in data["nodes"])
            evses = tuple(Evse.from_dict(item) for item in data.get("evses") or ())
            site_id = str(data["id"])
        except (KeyError, TypeError, ValueError) as error:
            detail = f"missing field {error}" if isinstance(error, KeyError) else str(error)
            raise SiteError([f"not a site: {detail}"]) from error
        return cls(id=site_id, nodes=nodes, evses=evses)


def _positive(value: float | None) -> bool:
    return value is None or value > 0


def _problems(site: Site) -> list[str]:
    known = {node.id for node in site.nodes}
    return _node_problems(site, known) + _cycles(site, known) + _evse_problems(site, known)


def _node_problems(site: Site, known: set[str]) -> list[str]:
    problems: list[str] = []
    ids = [node.id for node in site.nodes]
    for node_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"node {node_id!r} is declared more than once")
    roots = [node.id for node in site.nodes if node.parent is None]
    if len(roots) != 1:
        problems.append(f"a site has exactly one root node (no parent); found {len(roots)}")
    for node in site.nodes:
        if node.parent is not None and node.parent not in known:
            problems.append(f"node {node.id!r}: unknown parent {node.parent!r}")
        if node.max_current is not None and not all(a > 0 for a in node.max_current.by_phase()):
            problems.append(f"node {node.id!r}: every phase's current limit must be above 0 A")
        if not _positive(node.max_power_w):
            problems.append(f"node {node.id!r}: the power limit must be above 0 W")
        if node.voltage_v <= 0:
            problems.append(f"node {node.id!r}: the nominal voltage must be above 0 V")
    return problems


def _evse_problems(site: Site, known: set[str]) -> list[str]:
    problems: list[str] = []
    evse_ids = [evse.id for evse in site.evses]
    for evse_id in sorted({i for i in evse_ids if evse_ids.count(i) > 1}):
        problems.append(f"EVSE {evse_id!r} is declared more than once")
    places = [(evse.charge_point_id, evse.evse_id) for evse in site.evses]
    for place in sorted({p for p in places if places.count(p) > 1}):
        problems.append(f"charger {place[0]!r} EVSE {place[1]} appears more than once")
    for evse in site.evses:
        name = f"EVSE {evse.id!r}"
        if evse.node not in known:
            problems.append(f"{name}: unknown node {evse.node!r}")
        if not evse.phases or len(evse.phases) > 3:
            problems.append(f"{name}: phases must name 1 to 3 grid phases")
        elif len(set(evse.phases)) != len(evse.phases) or not set(evse.phases) <= set(PHASES):
            problems.append(
                f"{name}: phases {list(evse.phases)} must be distinct grid phases L1, L2, L3"
            )
        if evse.min_current_a <= 0 or evse.max_current_a <= 0:
            problems.append(f"{name}: minimum and maximum current must be above 0 A")
        elif quantise_up(evse.min_current_a) > quantise_down(evse.max_current_a):
            problems.append(
                f"{name}: minimum current {evse.min_current_a} A is above its maximum "
                f"{evse.max_current_a} A"
            )
        if evse.weight <= 0:
            problems.append(f"{name}: weight must be above 0")
        if evse.default_limit_a < 0:
            problems.append(f"{name}: the default limit cannot be negative")
        problems += _live_problems(name, evse.live)
    return problems


def _live_problems(name: str, live: EvseLive) -> list[str]:
    problems: list[str] = []
    if live.demand_a is not None and live.demand_a < 0:
        problems.append(f"{name}: demand cannot be negative")
    if live.car_phases is not None and not 1 <= live.car_phases <= 3:
        problems.append(f"{name}: a car draws on 1 to 3 phases")
    if live.measured_a is not None and live.measured_a < 0:
        problems.append(f"{name}: a measured current cannot be negative")
    return problems


def _cycles(site: Site, known: set[str]) -> list[str]:
    parents = {node.id: node.parent for node in site.nodes}
    in_cycle: set[str] = set()
    for start in parents:
        seen: list[str] = []
        current: str | None = start
        while current is not None and current in known and current not in seen:
            seen.append(current)
            current = parents[current]
        if current is not None and current in seen:
            in_cycle.update(seen[seen.index(current) :])
    if not in_cycle:
        return []
    return [f"nodes {sorted(in_cycle)} form a cycle: a site is a tree"]
