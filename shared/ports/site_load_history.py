"""The port of a site's load history (docs/adr/0053-console-site-view.md): per site, at most one
compact sample per minute of what each allocation permitted, for the console's load-over-time
chart.

A sample holds, per node of the electrical model and per grid phase, the node's current limit
and the load the allocation let flow through it (`SiteAllocationView.nodes`, shared/
load_management/sites.py). Nothing else of the allocation is kept: the EVSEs' limits are in
the allocation itself, and the history only answers "how close to its limits was each node".

- `record` keys the sample by the UTC minute of `at`: a later allocation in the same minute
  replaces the earlier one (the last word of the minute is what held). Recording the same
  allocation twice (a redelivery) therefore changes nothing.
- A sample expires 8 days after `at` (`RETENTION`): the store may drop it from then on.
- `samples` answers one site's samples only, oldest first, within [since, until] by minute.

The view is taken by its shape (`AllocationLoads`), not its class: ports sit below the load
management services that define it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

RETENTION = timedelta(days=8)

Phases = tuple[float, float, float]


class NodeLoadShape(Protocol):
    """What a node of an allocation view exposes (`shared.load_management.sites.NodeLoad`)."""

    @property
    def node_id(self) -> str: ...
    @property
    def load_a(self) -> Phases: ...
    @property
    def max_current_a(self) -> Phases | None: ...


class AllocationLoads(Protocol):
    """What the history needs of `shared.load_management.sites.SiteAllocationView`."""

    @property
    def nodes(self) -> Sequence[NodeLoadShape]: ...


@dataclass(frozen=True)
class NodeSample:
    """A node at one minute: its limit (None: the node limits power only) and the load the
    allocation permitted on it, per grid phase (A)."""

    node_id: str
    limit_a: Phases | None
    load_a: Phases


@dataclass(frozen=True)
class LoadSample:
    """One minute of a site: `at` is the start of the UTC minute."""

    at: datetime
    nodes: tuple[NodeSample, ...]


def minute_of(at: datetime) -> datetime:
    """The start of the UTC minute of `at` (the sample's key); ValueError for a naive time,
    whose minute would depend on the machine's zone."""
    if at.tzinfo is None:
        raise ValueError("a load sample's time must carry its timezone")
    return at.astimezone(UTC).replace(second=0, microsecond=0)


def sample_of(view: AllocationLoads, at: datetime) -> LoadSample:
    """The compact sample of an allocation view made at `at`."""
    return LoadSample(
        at=minute_of(at),
        nodes=tuple(
            NodeSample(node.node_id, node.max_current_a, node.load_a) for node in view.nodes
        ),
    )


class SiteLoadHistory(Protocol):
    def record(self, site_id: str, view: AllocationLoads, at: datetime) -> None:
        """Keep the loads of `view` (made at `at`, timezone-aware) as the site's sample of
        that minute, replacing any sample of the same minute."""
        ...

    def samples(self, site_id: str, since: datetime, until: datetime) -> list[LoadSample]:
        """The site's samples whose minute lies in [minute_of(since), minute_of(until)],
        oldest first; never another site's."""
        ...
