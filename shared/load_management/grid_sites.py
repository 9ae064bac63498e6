"""A location's grid as operators manage it (docs/adr/0052, docs/smart-charging.md "Grid
signals"): its schedule of limits, its sources (an OpenADR 3 VTN, a day-ahead price zone)
and what they say now.

- The schedule is validated by `OperatorSchedule` (ADR 0050) and stored in its plain form; a
  schedule that cannot be is `InvalidSchedule` with every problem and where it is.
- Sources name secrets (Secrets Manager names), never hold them; the API's models check the
  shapes, this service only that the location exists.
- A change of the schedule or the sources is announced (`on_change`: the grid feed's
  `settle`, which publishes GridLimitChanged when the site's limit changed). A failure there
  fails the request after the change was stored; the request's retry announces it.
- `overview` is the limit in force now, its source and next change, the limit and price
  signals still ahead (over `HORIZON`), as the allocation loop would see them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.admin.errors import NotFound
from shared.grid_signals import OperatorSchedule, ScheduleError, Step, step_series
from shared.load_management.grid import GridLimits, SiteGridState
from shared.ports.grid_signal_store import GridSignalStore, StoredGridDocument
from shared.ports.grid_signals import GridSignal
from shared.ports.locations import LocationRepository
from shared.timeutil import iso_utc

HORIZON = timedelta(days=2)
_WHERE = re.compile(r"^([A-Za-z]+(?:\[\d+\])?(?:\.[A-Za-z]+(?:\[\d+\])?)*):?\s")


class InvalidSchedule(ValueError):
    """A schedule that cannot be: `details` are [{field, message}] (field: where in the
    body)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"the schedule is not valid: {len(problems)} problem(s)")
        self.details = [{"field": problem_field(p), "message": p} for p in problems]


def problem_field(problem: str) -> str:
    """Where a ScheduleError problem points: `windows[0].start ...` → `body.windows[0].start`."""
    match = _WHERE.match(problem)
    return f"body.{match[1]}" if match else "body"


@dataclass(frozen=True)
class GridOverview:
    location_id: str
    state: SiteGridState
    prices: list[Step]
    carbon: list[Step]
    upcoming: list[GridSignal]


@dataclass
class SiteGrid:
    store: GridSignalStore
    locations: LocationRepository
    limits: GridLimits
    now: Callable[[], datetime]
    on_change: Callable[[str], object] | None = None

    def _changed(self, location_id: str) -> None:
        if self.on_change is not None:
            self.on_change(location_id)

    def _location(self, location_id: str) -> None:
        if self.locations.get(location_id) is None:
            raise NotFound(f"location {location_id!r} not found")

    def put_schedule(self, location_id: str, document: Mapping[str, Any]) -> StoredGridDocument:
        self._location(location_id)
        try:
            schedule = OperatorSchedule.from_dict(document)
        except ScheduleError as error:
            raise InvalidSchedule(error.problems) from error
        stored = self.store.put_schedule(location_id, schedule.to_dict(), iso_utc(self.now()))
        self._changed(location_id)
        return stored

    def get_schedule(self, location_id: str) -> StoredGridDocument:
        self._location(location_id)
        stored = self.store.get_schedule(location_id)
        if stored is None:
            raise NotFound(f"location {location_id!r} has no grid schedule")
        return stored

    def delete_schedule(self, location_id: str) -> None:
        self._location(location_id)
        if not self.store.delete_schedule(location_id):
            raise NotFound(f"location {location_id!r} has no grid schedule")
        self._changed(location_id)

    def put_sources(self, location_id: str, document: Mapping[str, Any]) -> StoredGridDocument:
        self._location(location_id)
        stored = self.store.put_sources(location_id, document, iso_utc(self.now()))
        self._changed(location_id)
        return stored

    def get_sources(self, location_id: str) -> StoredGridDocument:
        self._location(location_id)
        stored = self.store.get_sources(location_id)
        if stored is None:
            raise NotFound(f"location {location_id!r} has no grid sources")
        return stored

    def delete_sources(self, location_id: str) -> None:
        self._location(location_id)
        if not self.store.delete_sources(location_id):
            raise NotFound(f"location {location_id!r} has no grid sources")
        self._changed(location_id)

    def overview(self, location_id: str) -> GridOverview:
        self._location(location_id)
        now = self.now()
        state = self.limits.state(location_id, now)
        end = now + HORIZON
        upcoming = sorted(
            (
                s
                for s in state.signals
                if s.kind in ("import_limit", "export_limit")
                and s.start < end
                and (s.end is None or s.end > now)
            ),
            key=lambda s: (s.start, s.source, s.group),
        )
        return GridOverview(
            location_id=location_id,
            state=state,
            prices=step_series(state.signals, "price", now, end),
            carbon=step_series(state.signals, "carbon", now, end),
            upcoming=upcoming,
        )
