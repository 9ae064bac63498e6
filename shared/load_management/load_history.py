"""A site's load over time, as the console's chart reads it (docs/adr/0053-console-site-view.md):
the samples the site load history kept (shared/ports/site_load_history.py) over a range of at
most 8 days, of the whole site or one node, thinned to one sample per `stepMinutes` minutes
when it spans more than a day (or, for a site of more than 20 nodes, less).

A range is given by its ends (ISO 8601; without a zone: UTC). Missing ends default to the last
24 hours: `to` is now, `from` is 24 hours before `to`. Every wrong range is a 400 naming its
field: an unreadable time, `from` not before `to`, or more than 8 days.

Thinning keeps peaks: a point stands for `stepMinutes` minutes and holds, per node and phase,
the highest load and the lowest limit of the samples it covers. A chart of a week then shows
every minute a node came close to its limit, which an average or a pick would hide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.admin.errors import InvalidRequest, NotFound
from shared.ports.locations import LocationRepository
from shared.ports.site_load_history import (
    RETENTION,
    LoadSample,
    NodeSample,
    Phases,
    SiteLoadHistory,
    minute_of,
)
from shared.timeutil import parse_timestamp

DEFAULT_RANGE = timedelta(hours=24)
MAX_RANGE = RETENTION
# A day of minutes: the default range of one node, or of a site of up to 20 nodes, comes back
# whole (at most one more: both ends count).
MAX_POINTS = 1440
# Node-samples in one answer: a day of 20 nodes, about 3 MB of JSON. A site with more nodes
# gets fewer samples (a 200-node site's day: one per 10 minutes), so that an answer stays
# well under Lambda's 6 MB; asking for one node (`node`) gets the full resolution.
MAX_NODE_POINTS = MAX_POINTS * 20


@dataclass(frozen=True)
class LoadHistoryView:
    """The samples of [since, until] (minutes), `step_minutes` minutes per sample."""

    location_id: str
    since: datetime
    until: datetime
    step_minutes: int
    samples: tuple[LoadSample, ...]


def _time(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        message = f"{field} is not an ISO 8601 date-time"
        raise InvalidRequest(message, [{"field": f"query.{field}", "message": message}])
    return parsed


def load_range(first: str | None, last: str | None, now: datetime) -> tuple[datetime, datetime]:
    """The range the query names, by the rules above (InvalidRequest when it is wrong)."""
    until = _time(last, "to") or now
    since = _time(first, "from") or until - DEFAULT_RANGE
    if since >= until:
        message = "from must be before to"
        raise InvalidRequest(message, [{"field": "query.from", "message": message}])
    if until - since > MAX_RANGE:
        message = f"the range is at most {MAX_RANGE.days} days"
        raise InvalidRequest(message, [{"field": "query.to", "message": message}])
    return since, until


def _worst(values: Sequence[Phases], pick: Callable[[Sequence[float]], float]) -> Phases:
    return (pick([v[0] for v in values]), pick([v[1] for v in values]),
            pick([v[2] for v in values]))  # fmt: skip


def thin(samples: Sequence[LoadSample], since: datetime, step_minutes: int) -> list[LoadSample]:
    """One sample per `step_minutes` from `since`'s minute: per node and phase the highest
    load and the lowest limit of the samples in it (a node without a current limit in any of
    them has none). Nodes in the order they first appear."""
    if step_minutes <= 1:
        return list(samples)
    start = minute_of(since)
    buckets: dict[int, list[LoadSample]] = {}
    for sample in samples:
        index = int((sample.at - start).total_seconds() // 60) // step_minutes
        buckets.setdefault(index, []).append(sample)
    thinned: list[LoadSample] = []
    for index in sorted(buckets):
        nodes: dict[str, list[NodeSample]] = {}
        for sample in buckets[index]:
            for node in sample.nodes:
                nodes.setdefault(node.node_id, []).append(node)
        merged = []
        for node_id, kept in nodes.items():
            limits = [n.limit_a for n in kept if n.limit_a is not None]
            merged.append(
                NodeSample(
                    node_id,
                    _worst(limits, min) if limits else None,
                    _worst([n.load_a for n in kept], max),
                )
            )
        thinned.append(LoadSample(start + timedelta(minutes=index * step_minutes), tuple(merged)))
    return thinned


@dataclass
class LoadHistory:
    history: SiteLoadHistory
    locations: LocationRepository
    now: Callable[[], datetime]

    def read(
        self, location_id: str, first: str | None, last: str | None, node: str | None = None
    ) -> LoadHistoryView:
        """The location's samples over the range, of one node when `node` is given (samples
        without it left out). NotFound for an unknown location; an empty list when nothing
        was recorded: no model, no allocation yet, an unknown node, or all expired."""
        since, until = load_range(first, last, self.now())
        if self.locations.get(location_id) is None:
            raise NotFound(f"location {location_id!r} not found")
        samples = self.history.samples(location_id, since, until)
        if node is not None:
            samples = [
                LoadSample(s.at, tuple(n for n in s.nodes if n.node_id == node))
                for s in samples
                if any(n.node_id == node for n in s.nodes)
            ]
        widest = max((len(s.nodes) for s in samples), default=1)
        points = max(1, min(MAX_POINTS, MAX_NODE_POINTS // max(1, widest)))
        # Whole minutes: a day asked for as "24 hours before now" is a few ms over a day.
        minutes = int((until - since).total_seconds() // 60)
        step = max(1, math.ceil(minutes / points))
        return LoadHistoryView(location_id, since, until, step, tuple(thin(samples, since, step)))
