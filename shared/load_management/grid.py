"""The grid limit a site is allocated under now, from what is stored about its grid
(docs/adr/0052-grid-signal-wiring.md): the operator's schedule evaluated around now, and the
signals received from its sources (OpenADR VTN, price feed), resolved by ADR 0050's
`resolve_limit` under the site's own connection.

`GridLimits.grid_limit_for(site_id, now)` is what the allocation loop calls: the GridLimit (None
when the site has no schedule and no limit signal: nothing but its own model binds) and the
moment to ask again (`next_change`: the resolver's, and no later than a day ahead while a
schedule is evaluated, since the schedule is unrolled over a bounded span).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.grid_signals import (
    DEFAULT_LOOK_AHEAD,
    GridLimit,
    GridSignal,
    OperatorSchedule,
    ScheduleError,
    resolve_limit,
)
from shared.ports.grid_signal_store import GridSignalStore
from shared.ports.site_loads import SiteLoadStore
from shared.smart_charging.site import Site, SiteError

logger = logging.getLogger("csms.load_management.grid")

Amps = tuple[float, float, float]
UNLIMITED: Amps = (math.inf, math.inf, math.inf)
# The schedule is unrolled from a day back (a night window that began yesterday) to two days
# ahead, and read again at least daily.
SCHEDULE_BACK = timedelta(days=1)
SCHEDULE_AHEAD = timedelta(days=2)
SCHEDULE_REFRESH = timedelta(days=1)


def connection_amps(site: Site | None) -> Amps:
    """The ceiling of the site's connection per phase: the root node's current limits and its
    power limit spread over three phases (as the resolver reads watts); unlimited without a
    model."""
    if site is None:
        return UNLIMITED
    root = site.root
    bound = list(root.max_current.by_phase()) if root.max_current else list(UNLIMITED)
    if root.max_power_w is not None:
        per_phase = root.max_power_w / (3 * root.voltage_v)
        bound = [min(b, per_phase) for b in bound]
    return (bound[0], bound[1], bound[2])


def amps_document(amps: Amps) -> dict[str, float | None]:
    """Amperes per phase in the API's and events' spelling; None: not limited."""
    return {
        phase: (None if math.isinf(value) else round(value, 3))
        for phase, value in zip(("L1", "L2", "L3"), amps, strict=True)
    }


def binding_source(limit: GridLimit) -> str:
    """The source of the tightest phase (the first such phase on a tie)."""
    tightest = min(range(3), key=lambda phase: limit.amps[phase])
    return limit.sources[tightest]


@dataclass(frozen=True)
class SiteGridState:
    """Everything the grid says about a site at one moment."""

    at: datetime
    signals: tuple[GridSignal, ...]
    limit: GridLimit | None
    next_change: datetime | None


@dataclass
class GridLimits:
    store: GridSignalStore
    site_loads: SiteLoadStore | None = None
    look_ahead: timedelta = DEFAULT_LOOK_AHEAD

    def schedule_signals(self, site_id: str, now: datetime) -> list[GridSignal]:
        stored = self.store.get_schedule(site_id)
        if stored is None:
            return []
        try:
            schedule = OperatorSchedule.from_dict(stored.document)
        except ScheduleError:
            # Validated on the way in; a stored one that no longer reads (a zone removed from
            # tzdata) must not stop the other sources.
            logger.exception("stored grid schedule unreadable", extra={"siteId": site_id})
            return []
        received = datetime.fromisoformat(stored.updated_at.replace("Z", "+00:00"))
        return schedule.signals(now - SCHEDULE_BACK, now + SCHEDULE_AHEAD, received)

    def connection(self, site_id: str) -> Amps:
        if self.site_loads is None:
            return UNLIMITED
        stored = self.site_loads.get_model(site_id)
        if stored is None:
            return UNLIMITED
        try:
            return connection_amps(Site.from_dict({**stored.document, "id": site_id}))
        except (SiteError, KeyError, TypeError, ValueError):
            return UNLIMITED

    def state(self, site_id: str, now: datetime) -> SiteGridState:
        scheduled = self.schedule_signals(site_id, now)
        signals = scheduled + self.store.signals(site_id, now)
        if not any(s.kind == "import_limit" for s in signals):
            return SiteGridState(now, tuple(signals), None, None)
        limit = resolve_limit(signals, now, self.connection(site_id), look_ahead=self.look_ahead)
        next_change = limit.next_change
        if scheduled:
            refresh = now + SCHEDULE_REFRESH
            next_change = refresh if next_change is None else min(next_change, refresh)
        return SiteGridState(now, tuple(signals), limit, next_change)

    def grid_limit_for(
        self, site_id: str, now: datetime
    ) -> tuple[GridLimit | None, datetime | None]:
        """The site's GridLimit at `now` (None: no grid signal limits it) and when to ask
        again (None: only when a GridLimitChanged event says so)."""
        state = self.state(site_id, now)
        return state.limit, state.next_change


def limit_fingerprint(limit: GridLimit | None, next_change: datetime | None) -> dict[str, Any]:
    """What makes two answers the same for the loop: the limits now and to allocate under,
    their sources, and when to ask again."""
    if limit is None:
        return {"limited": False, "nextChange": None}
    return {
        "limited": True,
        "limitA": amps_document(limit.amps),
        "allocatorLimitA": amps_document(limit.allocator_amps),
        "sources": list(limit.sources),
        "nextChange": next_change.isoformat() if next_change else None,
    }
