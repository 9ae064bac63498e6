"""A location's load over time in the operator API (docs/adr/0053-console-site-view.md)."""

from __future__ import annotations

from pydantic import Field

from shared.api.models.common import ApiModel
from shared.api.models.site_electrical import PhaseCurrentsBody
from shared.load_management.load_history import LoadHistoryView
from shared.ports.site_load_history import LoadSample, NodeSample
from shared.timeutil import iso_utc


class NodeSampleView(ApiModel):
    id: str
    limitA: PhaseCurrentsBody | None = Field(
        description="The node's current limit per phase (none: it limits power only)"
    )
    loadA: PhaseCurrentsBody = Field(
        description="The load the allocation permitted on the node per phase (A)"
    )

    @classmethod
    def of(cls, node: NodeSample) -> NodeSampleView:
        return cls(
            id=node.node_id,
            limitA=PhaseCurrentsBody.of(node.limit_a) if node.limit_a else None,
            loadA=PhaseCurrentsBody.of(node.load_a),
        )


class LoadSampleView(ApiModel):
    at: str = Field(description="The start of the UTC minute (or of the step) it stands for")
    nodes: list[NodeSampleView]

    @classmethod
    def of(cls, sample: LoadSample) -> LoadSampleView:
        return cls(at=iso_utc(sample.at), nodes=[NodeSampleView.of(n) for n in sample.nodes])


class SiteLoadHistoryView(ApiModel):
    """What each allocation of the range permitted per node and phase, oldest first."""

    locationId: str
    from_: str = Field(serialization_alias="from", description="The range's start")
    to: str = Field(description="The range's end")
    stepMinutes: int = Field(
        description="Minutes per sample: 1, or more when the range spans more than a day "
        "or the site has more than 20 nodes (and no `node` was asked for); a sample then "
        "holds the highest load and lowest limit of its minutes"
    )
    samples: list[LoadSampleView]

    @classmethod
    def of(cls, view: LoadHistoryView) -> SiteLoadHistoryView:
        return cls(
            locationId=view.location_id,
            from_=iso_utc(view.since),
            to=iso_utc(view.until),
            stepMinutes=view.step_minutes,
            samples=[LoadSampleView.of(s) for s in view.samples],
        )
