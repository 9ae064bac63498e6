"""Sites' electrical models: put, get and delete the model of a location, and read its last
allocation with the loads it permits (docs/adr/0047-site-electrical-model-storage.md).

A site is a location: the model's id is the location id, and each of its EVSEs must name a
charger and EVSE number (2.0.1 evseId, 1.6 connectorId) that an EVSE of the location is bound
to. Every problem of a model is answered at once: the model's own (`SiteError`, ADR 0046) and
the EVSEs the location does not serve, in one InvalidRequest.

Every change names the revision it replaces, or is written conditionally on the revision it
read: two operators editing one site never overwrite each other silently (a Conflict instead),
and a retried request whose first attempt was written finds the revision moved on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from shared.admin.errors import Conflict, InvalidRequest, NotFound
from shared.models.domain_events import SITE_MODEL_CHANGED, DomainEvent
from shared.models.location import Location
from shared.ports import EventPublisher, publish_safely
from shared.ports.locations import LocationRepository
from shared.ports.site_loads import EvseAddress, SiteLoadStore, StoredModel
from shared.smart_charging.allocation import Allocation
from shared.smart_charging.loads import reservation_da
from shared.smart_charging.site import PHASE_INDEX, Evse, EvseLive, Site, SiteError, quantise_up
from shared.timeutil import iso_utc, to_epoch_ms

EvseKind = Literal["active", "reserved", "idle"]


def model_document(site: Site) -> dict[str, Any]:
    """The plain form a model is stored in: the site's, without its EVSEs' live state (that
    is kept per EVSE, written by events)."""
    document = site.to_dict()
    for evse in document["evses"]:
        evse.pop("live", None)
    return document


@dataclass(frozen=True)
class ElectricalModel:
    """A stored model read back: the site (EVSEs without live state), its revision and when
    it was last written."""

    site: Site
    revision: int
    updated_at: str

    @classmethod
    def of(cls, stored: StoredModel) -> ElectricalModel:
        return cls(Site.from_dict({**stored.document, "id": stored.site_id}), stored.revision,
                   stored.updated_at)  # fmt: skip


@dataclass(frozen=True)
class LiveState:
    """An EVSE's live state and the time (epoch ms) of the event it was taken from."""

    live: EvseLive
    event_at_ms: int


@dataclass(frozen=True)
class SiteState:
    """What is stored about a site, as the allocator's types."""

    model: ElectricalModel | None
    live: Mapping[EvseAddress, LiveState]
    allocation: Allocation | None

    def site(self) -> Site | None:
        """The model with each EVSE's live state; None without a model."""
        return None if self.model is None else with_live(self.model.site, self.live)


@dataclass
class SiteLoads:
    """The site load store in the allocator's types: what the loop reads and writes."""

    store: SiteLoadStore

    def state(self, site_id: str) -> SiteState:
        records = self.store.snapshot(site_id)
        return SiteState(
            model=ElectricalModel.of(records.model) if records.model else None,
            live={
                address: LiveState(EvseLive.from_dict(stored.live), stored.event_at_ms)
                for address, stored in records.live.items()
            },
            allocation=(
                Allocation.from_dict(records.allocation.document) if records.allocation else None
            ),
        )

    def put_live(
        self, site_id: str, address: EvseAddress, live: EvseLive, event_at_ms: int
    ) -> bool:
        """False: a state from this event or a newer one is stored already (done)."""
        return self.store.put_live(site_id, address, live.to_dict(), event_at_ms)

    def put_allocation(self, site_id: str, allocation: Allocation) -> bool:
        """False: this allocation or a newer one is stored already. An allocation is stored
        with the time it was made (it orders redeliveries): ValueError without one."""
        if allocation.at is None:
            raise ValueError("an allocation is stored with the time it was made")
        return self.store.put_allocation(site_id, allocation.to_dict(), to_epoch_ms(allocation.at))


@dataclass(frozen=True)
class EvseAllocation:
    """An EVSE of the model under the last allocation: `kind` says what it counts as
    (active: in session and controllable, drawing its limit; reserved: takes no profiles or
    does not answer, its worst case held; idle: no session, its default limit held) and
    `limit_a` the allocated limit (active only; None: not allocated yet)."""

    evse: Evse
    kind: EvseKind
    limit_a: float | None
    changed_at: datetime | None
    running_since: datetime | None


@dataclass(frozen=True)
class NodeLoad:
    """A node's limits and the load the allocation permits on it, per grid phase (A)."""

    node_id: str
    load_a: tuple[float, float, float]
    max_current_a: tuple[float, float, float] | None
    max_power_w: float | None


@dataclass(frozen=True)
class SiteAllocationView:
    location_id: str
    at: datetime | None
    overloaded: tuple[str, ...]
    evses: tuple[EvseAllocation, ...]
    nodes: tuple[NodeLoad, ...]
    model_revision: int | None


def served_addresses(location: Location) -> frozenset[EvseAddress]:
    """The (charger, EVSE number) pairs the location's EVSEs are bound to."""
    served: set[EvseAddress] = set()
    for evse in location.evses:
        binding = evse.binding
        if binding is None:
            continue
        number = binding.evse_id if binding.evse_id is not None else binding.connector_id
        if number is not None:
            served.add((binding.charge_point_id, number))
    return frozenset(served)


def _unserved(document: Mapping[str, Any], served: frozenset[EvseAddress]) -> list[str]:
    """The EVSEs of a submitted model that name no charger and EVSE of the location (read
    leniently: a model the site check refuses is still checked here, so that every problem
    is answered at once)."""
    problems: list[str] = []
    evses = document.get("evses") or []
    if not isinstance(evses, list):
        return problems
    for index, evse in enumerate(evses):
        if not isinstance(evse, Mapping):
            continue
        charger, number = evse.get("chargePointId"), evse.get("evseId")
        if not isinstance(charger, str) or isinstance(number, bool) or not isinstance(number, int):
            continue
        if (charger, number) not in served:
            name = evse.get("id", index)
            problems.append(
                f"EVSE {name!r}: charger {charger!r} EVSE {number} is not an EVSE of this location"
            )
    return problems


def with_live(site: Site, live: Mapping[EvseAddress, LiveState]) -> Site:
    """The model with each EVSE's stored live state (the default for one without)."""
    evses = tuple(
        replace(evse, live=state.live)
        if (state := live.get((evse.charge_point_id, evse.evse_id)))
        else evse
        for evse in site.evses
    )
    return replace(site, evses=evses)


def allocation_view(
    site: Site, allocation: Allocation, model_revision: int | None
) -> SiteAllocationView:
    """Each EVSE's limit and kind, and the load the allocation permits on every node per
    phase: active EVSEs at their limit on the phases they use (an active EVSE not allocated
    yet at its default limit, as the command plan assumes), reserved and idle ones at what
    they may draw on every phase they are wired to."""
    loads: dict[str, list[int]] = {node.id: [0, 0, 0] for node in site.nodes}
    evses: list[EvseAllocation] = []
    for evse in site.evses:
        limit = allocation.limits.get(evse.id)
        kind: EvseKind
        if evse.controllable and evse.live.session_active:
            kind = "active"
            drawn = limit.limit_da if limit else quantise_up(evse.default_limit_a)
            phases = evse.used_phases()
        else:
            kind = "reserved" if not evse.controllable else "idle"
            drawn = reservation_da(evse)
            phases = evse.phases
        for node_id in site.path(evse.node):
            for phase in phases:
                loads[node_id][PHASE_INDEX[phase]] += drawn
        evses.append(
            EvseAllocation(
                evse=evse,
                kind=kind,
                limit_a=limit.limit_a if limit and kind == "active" else None,
                changed_at=limit.changed_at if limit else None,
                running_since=limit.running_since if limit else None,
            )
        )
    nodes = tuple(
        NodeLoad(
            node_id=node.id,
            load_a=(loads[node.id][0] / 10, loads[node.id][1] / 10, loads[node.id][2] / 10),
            max_current_a=node.max_current.by_phase() if node.max_current else None,
            max_power_w=node.max_power_w,
        )
        for node in site.nodes
    )
    return SiteAllocationView(
        location_id=site.id,
        at=allocation.at,
        overloaded=allocation.overloaded,
        evses=tuple(evses),
        nodes=nodes,
        model_revision=model_revision,
    )


@dataclass
class SiteModels:
    store: SiteLoadStore
    locations: LocationRepository
    now: Callable[[], datetime]
    # SiteModelChanged after each put and delete (docs/adr/0051): the site is allocated
    # again. None: nothing is published (tools that only read).
    publisher: EventPublisher | None = None

    def _changed(self, location_id: str, revision: int, deleted: bool) -> None:
        """The model is stored: a bus that does not take the event loses an allocation
        until the site's next event (logged and alarmed on by publish_safely), never the
        operator's change."""
        if self.publisher is None:
            return
        detail = {
            "siteId": location_id,
            "revision": revision,
            "deleted": deleted,
            "changedAt": iso_utc(self.now()),
        }
        publish_safely(self.publisher, DomainEvent(SITE_MODEL_CHANGED, "", self.now(), detail))

    def _location(self, location_id: str) -> Location:
        location = self.locations.get(location_id)
        if location is None:
            raise NotFound(f"location {location_id!r} not found")
        return location

    def get(self, location_id: str) -> ElectricalModel:
        self._location(location_id)
        stored = self.store.get_model(location_id)
        if stored is None:
            raise NotFound(f"location {location_id!r} has no electrical model")
        return ElectricalModel.of(stored)

    def put(
        self,
        location_id: str,
        document: Mapping[str, Any],
        expected_revision: int | None = None,
    ) -> ElectricalModel:
        """Replace (or create) the model of a location from its plain form (without `id`:
        the location's). `expected_revision`, when given, must be the stored revision
        (Conflict otherwise, also when none is stored); without it the model replaces
        whatever is stored, conditionally on the revision read."""
        location = self._location(location_id)
        problems: list[str] = []
        site: Site | None = None
        try:
            site = Site.from_dict({**document, "id": location_id})
        except SiteError as error:
            problems += error.problems
        unserved = _unserved(document, served_addresses(location))
        if problems or unserved:
            details = [{"field": "body", "message": p} for p in problems] + [
                {"field": "body.evses", "message": p} for p in unserved
            ]
            raise InvalidRequest(
                f"the electrical model of {location_id!r} is not valid: {len(details)} problem(s)",
                details,
            )
        assert site is not None
        current = self.store.get_model(location_id)
        stored_revision = current.revision if current else None
        if expected_revision is not None and expected_revision != stored_revision:
            raise Conflict(self._revision_message(location_id, stored_revision, expected_revision))
        saved = self.store.put_model(
            location_id, model_document(site), stored_revision, iso_utc(self.now())
        )
        if saved is None:
            raise Conflict(f"the electrical model of {location_id!r} changed meanwhile")
        self._changed(location_id, saved.revision, deleted=False)
        return ElectricalModel.of(saved)

    def delete(self, location_id: str, expected_revision: int | None = None) -> None:
        current = self.get(location_id)
        if expected_revision is not None and expected_revision != current.revision:
            raise Conflict(self._revision_message(location_id, current.revision, expected_revision))
        if not self.store.delete_model(location_id, current.revision):
            raise Conflict(f"the electrical model of {location_id!r} changed meanwhile")
        self._changed(location_id, current.revision, deleted=True)

    def allocation(self, location_id: str) -> SiteAllocationView:
        """The last stored allocation over the current model and live states; NotFound when
        the site has no model or has not been allocated yet."""
        self._location(location_id)
        state = SiteLoads(self.store).state(location_id)
        site = state.site()
        if state.model is None or site is None:
            raise NotFound(f"location {location_id!r} has no electrical model")
        if state.allocation is None:
            raise NotFound(f"location {location_id!r}: no allocation yet")
        return allocation_view(site, state.allocation, state.model.revision)

    @staticmethod
    def _revision_message(location_id: str, stored: int | None, expected: int) -> str:
        if stored is None:
            return f"location {location_id!r} has no electrical model (not revision {expected})"
        return f"the electrical model of {location_id!r} is at revision {stored}, not {expected}"
