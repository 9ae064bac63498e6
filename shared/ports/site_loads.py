"""The port of site load management's state (docs/adr/0047-site-electrical-model-storage.md):
per site (a location), its electrical model, the live state of each of its EVSEs, and the
last allocation with what the stability filter remembers.

Records are held in their plain forms (ADR 0046: `Site.to_dict`, `EvseLive.to_dict`,
`Allocation.to_dict`): the store knows their keys, versions and times, never their meaning
(shared/load_management/sites.py reads them as the model's types).

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

# (chargePointId, EVSE number: the 2.0.1 evseId, the 1.6 connectorId)
EvseAddress = tuple[str, int]
Document = Mapping[str, Any]


@dataclass(frozen=True)
class StoredModel:
    """A site's electrical model as stored: its plain form (EVSEs without live state), the
    revision (1 for the first, one more per change) and when it was last written."""

    site_id: str
    document: dict[str, Any]
    revision: int
    updated_at: str


@dataclass(frozen=True)
class StoredLive:
    """An EVSE's live state (plain form) and the time (epoch ms) of the event it came from."""

    live: dict[str, Any]
    event_at_ms: int


@dataclass(frozen=True)
class StoredAllocation:
    """The site's last allocation (plain form) and when it was made (epoch ms)."""

    document: dict[str, Any]
    at_ms: int


@dataclass(frozen=True)
class SiteRecords:
    """Everything stored about a site, read at once (one Query on DynamoDB)."""

    model: StoredModel | None = None
    live: Mapping[EvseAddress, StoredLive] = field(default_factory=dict)
    allocation: StoredAllocation | None = None


class SiteLoadStore(Protocol):
    def snapshot(self, site_id: str) -> SiteRecords:
        """The model, every live state and the last allocation of a site."""
        ...

    def get_model(self, site_id: str) -> StoredModel | None: ...

    def put_model(
        self, site_id: str, document: Document, expected_revision: int | None, updated_at: str
    ) -> StoredModel | None:
        """Store the model at `expected_revision + 1`, only if the stored revision is
        `expected_revision` (None: only if no model is stored). None when that did not hold:
        nothing was written."""
        ...

    def delete_model(self, site_id: str, expected_revision: int) -> bool:
        """Remove the model (only at `expected_revision`) and the site's last allocation, in
        one write; False when the revision did not hold. Live states stay: they are facts
        about the chargers, kept current by events whether or not a model exists."""
        ...

    def put_live(
        self, site_id: str, address: EvseAddress, live: Document, event_at_ms: int
    ) -> bool:
        """Store an EVSE's live state unless one from an event at `event_at_ms` or later is
        stored (an older event, or the same one delivered again): False then, and nothing
        changed."""
        ...

    def put_allocation(self, site_id: str, document: Document, at_ms: int) -> bool:
        """Store the site's allocation made at `at_ms` unless one made then or later is
        stored: False then, and nothing changed."""
        ...
