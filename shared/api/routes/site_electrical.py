"""A location's electrical model and its last allocation (docs/adr/0047, docs/smart-charging.md
"Sites and circuits")."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.site_electrical import (
    ElectricalModelBody,
    ElectricalModelView,
    SiteAllocationBody,
)
from shared.api.routes.responses import errors
from shared.load_management.sites import SiteModels
from shared.models.location import ID_PATTERN

TAGS = ["sites"]
LocationId = Annotated[str, Path(pattern=ID_PATTERN)]
Revision = Annotated[
    int | None, Query(ge=1, description="The revision this deletes (409 if stale)")
]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes

    def models() -> SiteModels:
        if ctx.services.site_models is None:
            raise NotFound("site load management is not kept here")
        return ctx.services.site_models

    @routes.put(
        "/api/locations/<locationId>/electrical",
        tags=TAGS,
        summary="Replace (or create) a location's electrical model",
        description="The grid connection and circuits as a tree of nodes with per-phase current "
        "limits (and optional power limits), and each EVSE's node, phase mapping, minimum and "
        "maximum current, tier, weight, whether it takes charging profiles and its default "
        "limit. Every EVSE must name a charger and EVSE number the location serves. A model "
        "that cannot be allocated is a 400 listing every problem in `details`; give "
        "`revision` to be sure nobody changed it since it was read (409 otherwise).",
        responses=errors(400, 404, 409),
    )
    def put_electrical(locationId: LocationId, body: ElectricalModelBody) -> ElectricalModelView:
        stored = models().put(path_value(locationId), body.document(), body.revision)
        return ElectricalModelView.of(stored)

    @routes.get(
        "/api/locations/<locationId>/electrical",
        tags=TAGS,
        summary="A location's electrical model, with its revision",
        responses=errors(404),
    )
    def get_electrical(locationId: LocationId) -> ElectricalModelView:
        return ElectricalModelView.of(models().get(path_value(locationId)))

    @routes.delete(
        "/api/locations/<locationId>/electrical",
        status_code=204,
        tags=TAGS,
        summary="Delete a location's electrical model (and its last allocation)",
        responses=errors(404, 409),
    )
    def delete_electrical(locationId: LocationId, revision: Revision = None) -> Response[None]:
        models().delete(path_value(locationId), revision)
        return Response(status_code=204, content_type=None, body=None)

    @routes.get(
        "/api/locations/<locationId>/allocation",
        tags=TAGS,
        summary="A location's last allocation: each EVSE's limit and each node's load per phase",
        description="Shown over the current model and EVSE states; 404 while the location has "
        "no model or no allocation yet.",
        responses=errors(404),
    )
    def get_allocation(locationId: LocationId) -> SiteAllocationBody:
        return SiteAllocationBody.of(models().allocation(path_value(locationId)))
