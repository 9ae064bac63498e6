"""The port of site load management's state (docs/adr/0047-site-electrical-model-storage.md):
per site (a location), its electrical model, the live state of each of its EVSEs, and the
last allocation with what the stability filter remembers.

- The model is versioned: every write names the revision it replaces (None: there must be
  none), so two operators editing one site cannot overwrite each other silently.
- A live state is written per EVSE (charger and EVSE number, as events name them) with the
  time of the event it comes from; a state from an older event, or a redelivery of the same
  one, never replaces a newer state.
- An allocation is written with its time; an older one never replaces a newer one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.smart_charging.allocation import Allocation
from shared.smart_charging.site import EvseLive, Site

# (chargePointId, EVSE number: the 2.0.1 evseId, the 1.6 connectorId)
EvseAddress = tuple[str, int]


@dataclass(frozen=True)
class StoredSite:
    """A site's electrical model as stored: the model (its EVSEs without live state), the
    revision (1 for the first, one more per change) and when it was last written."""

    site: Site
    revision: int
    updated_at: str


@dataclass(frozen=True)
class LiveState:
    """An EVSE's live state and the time (epoch ms) of the event it was taken from."""

    live: EvseLive
    event_at_ms: int


@dataclass(frozen=True)
class SiteSnapshot:
    """Everything stored about a site, read at once (one Query on DynamoDB)."""

    model: StoredSite | None = None
    live: Mapping[EvseAddress, LiveState] = field(default_factory=dict)
    allocation: Allocation | None = None


class SiteLoadStore(Protocol):
    def snapshot(self, site_id: str) -> SiteSnapshot:
        """The model, every live state and the last allocation of a site."""
        ...

    def get_model(self, site_id: str) -> StoredSite | None: ...

    def put_model(
        self, site: Site, expected_revision: int | None, updated_at: str
    ) -> StoredSite | None:
        """Store `site` (its EVSEs' live states are not kept here) at `expected_revision + 1`,
        only if the stored revision is `expected_revision` (None: only if no model is
        stored). None when that did not hold: nothing was written."""
        ...

    def delete_model(self, site_id: str, expected_revision: int) -> bool:
        """Remove the model (only at `expected_revision`) and the site's last allocation, in
        one write; False when the revision did not hold. Live states stay: they are facts
        about the chargers, kept current by events whether or not a model exists."""
        ...

    def put_live(
        self, site_id: str, address: EvseAddress, live: EvseLive, event_at_ms: int
    ) -> bool:
        """Store an EVSE's live state unless one from an event at `event_at_ms` or later is
        stored (an older event, or the same one delivered again): False then, and nothing
        changed."""
        ...

    def put_allocation(self, site_id: str, allocation: Allocation) -> bool:
        """Store the site's allocation (its `at` is required) unless one at that time or
        later is stored: False then, and nothing changed."""
        ...


class AllocationWithoutTime(ValueError):
    """An allocation is stored with the time it was made (it orders redeliveries)."""


def model_document(site: Site) -> dict[str, Any]:
    """The plain form a model is stored in: the site's, without its EVSEs' live state (that
    is kept per EVSE, written by events)."""
    document = site.to_dict()
    for evse in document["evses"]:
        evse.pop("live", None)
    return document
