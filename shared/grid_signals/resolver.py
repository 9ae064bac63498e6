"""The grid's limit of the moment, and prices and carbon as step series, from every source's
signals (docs/adr/0050-grid-signals.md). Pure: values in, values out.

- **Limit in force at t**: per phase, the tightest of every import limit covering t, whatever
  its source, and never above the site's own connection (the ceiling). A limit in watts
  becomes amperes per phase as if spread evenly over the connection's phases: W / (3 x V).
  That is never above the power limit, whatever the phases carry.
- **Look-ahead**: a limit that starts within `look_ahead` of t and is lower counts already
  (`GridLimit.allocator_amps`), so that decreases reach the chargers before the drop starts;
  increases wait for their start.
- **Prices and carbon**: a step per interval; where sources overlap, the newest received
  wins (a later publication corrects an earlier one); gaps stay gaps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from shared.ports.grid_signals import GridSignal, SignalKind

Amps = tuple[float, float, float]

DEFAULT_LOOK_AHEAD = timedelta(minutes=5)
NOMINAL_VOLTAGE_V = 230.0
CONNECTION = "connection"  # the binding source when no signal is tighter than the ceiling


def signal_amps(signal: GridSignal, voltage_v: float = NOMINAL_VOLTAGE_V) -> Amps:
    """A limit signal's bound per phase: its amps, its watts spread over three phases, the
    tighter of both. (A value below zero cannot be: GridSignal refuses it.)"""
    bound = [float("inf")] * 3
    if signal.amps is not None:
        bound = [min(b, a) for b, a in zip(bound, signal.amps, strict=True)]
    if signal.watts is not None:
        per_phase = signal.watts / (3 * voltage_v)
        bound = [min(b, per_phase) for b in bound]
    return (bound[0], bound[1], bound[2])


@dataclass(frozen=True)
class LimitAt:
    """The limit in force at one moment and the sources that set it, phase by phase."""

    amps: Amps
    sources: tuple[str, str, str]


@dataclass(frozen=True)
class GridLimit:
    """What the allocator takes for a site at `at`.

    `amps`: in force now; `upcoming_amps`/`upcoming_at`: the lowest limit starting within the
    look-ahead (equal to `amps` when nothing lower is coming); `next_change`: the earliest
    moment this answer may differ (ask again then), None if nothing is scheduled."""

    at: datetime
    amps: Amps
    sources: tuple[str, str, str]
    upcoming_amps: Amps
    upcoming_at: datetime | None
    next_change: datetime | None

    @property
    def allocator_amps(self) -> Amps:
        """The bound to allocate under: the lower of now and what is coming."""
        return (
            min(self.amps[0], self.upcoming_amps[0]),
            min(self.amps[1], self.upcoming_amps[1]),
            min(self.amps[2], self.upcoming_amps[2]),
        )

    @property
    def limited(self) -> bool:
        """Whether any signal is tighter than the connection right now or soon."""
        return any(s != CONNECTION for s in self.sources) or self.upcoming_at is not None


def limit_at(
    signals: Iterable[GridSignal],
    moment: datetime,
    connection: Amps,
    *,
    kind: SignalKind = "import_limit",
    voltage_v: float = NOMINAL_VOLTAGE_V,
) -> LimitAt:
    amps = list(connection)
    sources = [CONNECTION] * 3
    for signal in signals:
        if signal.kind != kind or not signal.covers(moment):
            continue
        for phase, bound in enumerate(signal_amps(signal, voltage_v)):
            # ties keep the first source: the order of the input decides, never chance
            if bound < amps[phase]:
                amps[phase] = bound
                sources[phase] = signal.source
    return LimitAt((amps[0], amps[1], amps[2]), (sources[0], sources[1], sources[2]))


def resolve_limit(
    signals: Sequence[GridSignal],
    at: datetime,
    connection: Amps,
    *,
    look_ahead: timedelta = DEFAULT_LOOK_AHEAD,
    kind: SignalKind = "import_limit",
    voltage_v: float = NOMINAL_VOLTAGE_V,
) -> GridLimit:
    """The site's GridLimit at `at` from all sources' signals (see the module docstring)."""
    relevant = [s for s in signals if s.kind == kind]
    now = limit_at(relevant, at, connection, voltage_v=voltage_v, kind=kind)
    horizon = at + look_ahead
    upcoming = list(now.amps)
    upcoming_at: datetime | None = None
    # the limit can only fall where a signal starts: look at every start within the horizon
    for start in sorted({s.start for s in relevant if at < s.start <= horizon}):
        then = limit_at(relevant, start, connection, voltage_v=voltage_v, kind=kind)
        lower = False
        for phase in range(3):
            if then.amps[phase] < upcoming[phase]:
                upcoming[phase] = then.amps[phase]
                lower = True
        if lower and upcoming_at is None:
            upcoming_at = start
    changes: list[datetime] = []
    for signal in relevant:
        for moment in (signal.start - look_ahead, signal.start, signal.end):
            if moment is not None and moment > at:
                changes.append(moment)
    return GridLimit(
        at=at,
        amps=now.amps,
        sources=now.sources,
        upcoming_amps=(upcoming[0], upcoming[1], upcoming[2]),
        upcoming_at=upcoming_at,
        next_change=min(changes) if changes else None,
    )


@dataclass(frozen=True)
class Step:
    """One step of a price or carbon series: `value` over [start, end)."""

    start: datetime
    end: datetime
    value: float
    source: str
    currency: str | None = None


def step_series(
    signals: Iterable[GridSignal],
    kind: SignalKind,
    start: datetime,
    end: datetime,
    *,
    currency: str | None = None,
) -> list[Step]:
    """`kind` ("price" or "carbon") over [start, end) as steps in time order: where signals
    overlap the newest received wins (then the later start, then the source name); gaps stay
    gaps; equal neighbours merge. With `currency`, prices in other currencies are left out."""
    relevant = [
        s
        for s in signals
        if s.kind == kind
        and s.value is not None
        and (currency is None or s.currency == currency)
        and s.start < end
        and (s.end is None or s.end > start)
    ]
    cuts = {start, end}
    for s in relevant:
        if start < s.start < end:
            cuts.add(s.start)
        if s.end is not None and start < s.end < end:
            cuts.add(s.end)
    bounds = sorted(cuts)
    steps: list[Step] = []
    for left, right in pairwise(bounds):
        covering = [s for s in relevant if s.covers(left)]
        if not covering:
            continue
        best = max(covering, key=lambda s: (s.received_at, s.start, s.source))
        assert best.value is not None
        if (
            steps
            and steps[-1].end == left
            and steps[-1].value == best.value
            and steps[-1].source == best.source
            and steps[-1].currency == best.currency
        ):
            last = steps[-1]
            steps[-1] = Step(last.start, right, last.value, last.source, last.currency)
        else:
            steps.append(Step(left, right, best.value, best.source, best.currency))
    return steps
