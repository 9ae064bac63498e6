"""A location's load over time (docs/adr/0053-console-site-view.md): what each allocation
permitted per node and phase, for the console's site view."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.site_load_history import SiteLoadHistoryView
from shared.api.routes.responses import errors
from shared.load_management.load_history import (
    MAX_NODE_POINTS,
    MAX_POINTS,
    MAX_RANGE,
    LoadHistory,
)
from shared.models.location import ID_PATTERN

TAGS = ["sites"]
LocationId = Annotated[str, Path(pattern=ID_PATTERN)]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes

    def history() -> LoadHistory:
        if ctx.services.site_load_history is None:
            raise NotFound("site load history is not kept here")
        return ctx.services.site_load_history

    @routes.get(
        "/api/locations/<locationId>/load-history",
        tags=TAGS,
        summary="A location's load over time: each node's limit and allocated load per phase",
        description="One sample per minute an allocation was stored in (the minute's last), "
        "oldest first, kept 8 days. Default range: the last 24 hours; at most "
        f"{MAX_RANGE.days} days. A range over {MAX_POINTS} minutes comes back thinned to one "
        "sample per `stepMinutes`, holding the highest load and lowest limit of its minutes; "
        f"so does a site of more than {MAX_NODE_POINTS // MAX_POINTS} nodes, unless `node` "
        "asks for one. "
        "Empty while nothing was allocated in the range; 404 for an unknown location.",
        responses=errors(400, 404),
    )
    def get_load_history(
        locationId: LocationId,
        first: Annotated[
            str | None,
            Query(alias="from", max_length=40, description="Start, ISO 8601 (no zone: UTC)"),
        ] = None,
        last: Annotated[
            str | None,
            Query(alias="to", max_length=40, description="End, ISO 8601 (default: now)"),
        ] = None,
        node: Annotated[
            str | None,
            Query(max_length=64, description="Only this node (full resolution for a day)"),
        ] = None,
    ) -> SiteLoadHistoryView:
        return SiteLoadHistoryView.of(history().read(path_value(locationId), first, last, node))
