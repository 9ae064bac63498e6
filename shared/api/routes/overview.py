"""The network overview of the operator console (shared/station/overview.py). A full read of
the chargers and connector statuses and one ledger item: poll it every 60 s at most, only
while the console is visible (docs/adr/0035)."""

from __future__ import annotations

from shared.api.context import ApiContext
from shared.api.models.fleet import OverviewView
from shared.station.overview import NetworkOverview

TAGS = ["overview"]


def register(ctx: ApiContext) -> None:
    overview = NetworkOverview(
        chargers=ctx.services.deps.chargers,
        connectors=ctx.services.deps.connectors,
        ledger=ctx.services.deps.energy,
        now=ctx.now,
    )

    @ctx.routes.get(
        "/api/overview",
        tags=TAGS,
        summary="The network at a glance: chargers by state, today's energy, recent faults",
        description="Reads every charger and every connector status: its cost grows with the "
        "fleet (about 1,800 DynamoDB read units at 10,000 chargers, docs/adr/0035). Poll it "
        "every 60 s at most, and only while the view is visible.",
    )
    def get_overview() -> OverviewView:
        return OverviewView.of(overview.build())
