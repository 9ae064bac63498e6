"""A location's electrical model and its last allocation in the operator API (docs/adr/0046,
docs/adr/0047-site-electrical-model-storage.md, docs/smart-charging.md "Sites and circuits").

The bodies check types and sizes only: what makes a model valid (one root, known nodes, no
cycles, limits above 0, minimum at most maximum, phases L1-L3 once each, EVSEs the location
serves) is checked by the service, which lists every problem in one 400.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from shared.api.models.common import ApiModel
from shared.load_management.sites import (
    ElectricalModel,
    EvseAllocation,
    EvseKind,
    NodeLoad,
    SiteAllocationView,
    model_document,
)
from shared.timeutil import iso_utc

MAX_NODES = 200
MAX_EVSES = 500


def _iso(moment: datetime | None) -> str | None:
    return iso_utc(moment) if moment else None


class PhaseCurrentsBody(ApiModel):
    """A current per grid phase, in amperes."""

    L1: float = Field(allow_inf_nan=False, examples=[63])
    L2: float = Field(allow_inf_nan=False, examples=[63])
    L3: float = Field(allow_inf_nan=False, examples=[63])

    @classmethod
    def of(cls, currents: tuple[float, float, float]) -> PhaseCurrentsBody:
        return cls(L1=currents[0], L2=currents[1], L3=currents[2])


class ElectricalNodeBody(ApiModel):
    """A point of the installation with limits: the grid connection (the one node without a
    parent), a distribution board, a circuit. A node without limits only groups."""

    id: str = Field(min_length=1, max_length=64, examples=["circuit-1"])
    parent: str | None = Field(
        default=None, max_length=64, description="The node above; none for the grid connection"
    )
    maxCurrent: PhaseCurrentsBody | None = Field(
        default=None, description="The fuse or contract: at most this current per phase (A)"
    )
    maxPowerW: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="At most this power (W) over the three phases, at voltageV",
    )
    voltageV: float = Field(
        default=230.0, allow_inf_nan=False, description="Phase-to-neutral voltage"
    )


class ElectricalEvseBody(ApiModel):
    """An EVSE of the location: where it hangs, how it is wired, what it may draw, how it
    ranks."""

    id: str = Field(min_length=1, max_length=64, examples=["CP-A-1"])
    node: str = Field(max_length=64, description="The node it hangs from", examples=["circuit-1"])
    chargePointId: str = Field(max_length=48, description="The charger serving it")
    evseId: int = Field(
        description="The charger's EVSE: the 2.0.1 evseId, the 1.6 connectorId; the location "
        "must bind one of its EVSEs to this charger and number"
    )
    phases: list[str] = Field(
        default_factory=lambda: ["L1", "L2", "L3"],
        max_length=10,
        description="The grid phase each of the charger's phases is wired to, in order: "
        '["L2", "L3", "L1"] is a 3-phase charger rotated by one, ["L3"] a 1-phase one on L3',
    )
    minCurrentA: float = Field(
        default=6.0, allow_inf_nan=False, description="Below this a car is paused (IEC 61851)"
    )
    maxCurrentA: float = Field(default=32.0, allow_inf_nan=False, description="Hardware maximum")
    tier: int = Field(default=0, description="Higher tiers are served first, strictly")
    weight: float = Field(
        default=1.0, allow_inf_nan=False, description="Its share within its tier, relative"
    )
    acceptsProfiles: bool = Field(
        default=True,
        description="False: the charger takes no charging profiles; its maximum is always held",
    )
    defaultLimitA: float = Field(
        default=0.0,
        allow_inf_nan=False,
        description="What a new session draws before the first allocation (TxDefaultProfile); "
        "held for the EVSE while it is idle",
    )


_EXAMPLE: dict[str, Any] = {
    "nodes": [
        {"id": "grid", "maxCurrent": {"L1": 63, "L2": 63, "L3": 63}},
        {"id": "circuit-1", "parent": "grid", "maxCurrent": {"L1": 32, "L2": 32, "L3": 32}},
    ],
    "evses": [
        {"id": "CP-A-1", "node": "circuit-1", "chargePointId": "CP-A", "evseId": 1},
        {
            "id": "CP-A-2",
            "node": "circuit-1",
            "chargePointId": "CP-A",
            "evseId": 2,
            "phases": ["L2", "L3", "L1"],
        },
    ],
}


class ElectricalModelBody(ApiModel):
    """A location's electrical model: the tree of nodes (one root: the grid connection) and
    the EVSEs. Replaces the stored model whole."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    nodes: list[ElectricalNodeBody] = Field(max_length=MAX_NODES)
    evses: list[ElectricalEvseBody] = Field(default_factory=list, max_length=MAX_EVSES)
    revision: int | None = Field(
        default=None,
        ge=1,
        description="The revision this replaces (a 409 if another edit won); without it the "
        "model replaces whatever is stored",
    )

    def document(self) -> dict[str, Any]:
        return self.model_dump(exclude={"revision"})


class ElectricalModelView(ApiModel):
    locationId: str
    revision: int = Field(description="One more on every change; give it back to change it")
    updatedAt: str
    nodes: list[ElectricalNodeBody]
    evses: list[ElectricalEvseBody]

    @classmethod
    def of(cls, stored: ElectricalModel) -> ElectricalModelView:
        document = model_document(stored.site)
        return cls(
            locationId=stored.site.id,
            revision=stored.revision,
            updatedAt=stored.updated_at,
            nodes=[ElectricalNodeBody.model_validate(node) for node in document["nodes"]],
            evses=[ElectricalEvseBody.model_validate(evse) for evse in document["evses"]],
        )


class EvseAllocationView(ApiModel):
    id: str
    chargePointId: str
    evseId: int
    node: str
    kind: EvseKind = Field(
        description="active: in session and controllable, drawing its limit; reserved: takes "
        "no profiles or does not answer, its worst case held; idle: no session, its default "
        "limit held"
    )
    limitA: float | None = Field(
        description="The allocated limit per phase (active EVSEs; 0: paused; none: not "
        "allocated yet)"
    )
    changedAt: str | None = Field(description="When the limit last changed (or was paused)")
    runningSince: str | None = Field(description="When it last went from paused to charging")

    @classmethod
    def of(cls, item: EvseAllocation) -> EvseAllocationView:
        evse = item.evse
        return cls(
            id=evse.id,
            chargePointId=evse.charge_point_id,
            evseId=evse.evse_id,
            node=evse.node,
            kind=item.kind,
            limitA=item.limit_a,
            changedAt=_iso(item.changed_at),
            runningSince=_iso(item.running_since),
        )


class NodeLoadView(ApiModel):
    id: str
    loadA: PhaseCurrentsBody = Field(
        description="The most the allocation lets flow through the node per phase: active "
        "EVSEs at their limits, reserved and idle ones at what they may draw"
    )
    maxCurrent: PhaseCurrentsBody | None
    maxPowerW: float | None

    @classmethod
    def of(cls, node: NodeLoad) -> NodeLoadView:
        return cls(
            id=node.node_id,
            loadA=PhaseCurrentsBody.of(node.load_a),
            maxCurrent=PhaseCurrentsBody.of(node.max_current_a) if node.max_current_a else None,
            maxPowerW=node.max_power_w,
        )


class SiteAllocationBody(ApiModel):
    """The last allocation of a location, over its current model and EVSE states."""

    locationId: str
    at: str | None = Field(description="When it was made")
    modelRevision: int | None = Field(description="The model revision it is shown against")
    overloaded: list[str] = Field(
        description="Limits the reserved and idle EVSEs alone exceed (`node/L1`, "
        "`node/power`): over-subscribed, an alert for the operator"
    )
    evses: list[EvseAllocationView]
    nodes: list[NodeLoadView]

    @classmethod
    def of(cls, view: SiteAllocationView) -> SiteAllocationBody:
        return cls(
            locationId=view.location_id,
            at=_iso(view.at),
            modelRevision=view.model_revision,
            overloaded=list(view.overloaded),
            evses=[EvseAllocationView.of(item) for item in view.evses],
            nodes=[NodeLoadView.of(node) for node in view.nodes],
        )
