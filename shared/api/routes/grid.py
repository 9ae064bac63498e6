"""A location's grid: the operator's schedule of limits, the sources polled for it, and the
limit in force now (docs/adr/0052, docs/smart-charging.md "Grid signals")."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.errors import ApiError
from shared.api.models.grid import (
    GridScheduleBody,
    GridScheduleView,
    GridSourcesBody,
    GridSourcesView,
    GridView,
)
from shared.api.routes.responses import errors
from shared.load_management.grid_sites import InvalidSchedule, SiteGrid
from shared.models.location import ID_PATTERN

TAGS = ["sites"]
LocationId = Annotated[str, Path(pattern=ID_PATTERN)]
SCHEDULE = "/api/locations/<locationId>/grid/schedule"
SOURCES = "/api/locations/<locationId>/grid/sources"


def _no_content() -> Response[None]:
    return Response(status_code=204, content_type=None, body=None)


def register(ctx: ApiContext) -> None:
    routes = ctx.routes

    def grid() -> SiteGrid:
        if ctx.services.site_grid is None:
            raise NotFound("grid signals are not kept here")
        return ctx.services.site_grid

    @routes.put(
        SCHEDULE,
        tags=TAGS,
        summary="Replace (or create) a location's schedule of grid limits",
        description="Recurring windows (days, local start and end, `maxCurrent` per phase "
        "and/or `maxPowerW`) and dated exceptions that replace a day's windows, in the site's "
        "IANA time zone. A schedule that cannot be is a 422 listing every problem in "
        "`details` with the field it is in.",
        responses=errors(400, 404, 422),
    )
    def put_schedule(locationId: LocationId, body: GridScheduleBody) -> GridScheduleView:
        try:
            stored = grid().put_schedule(path_value(locationId), body.document())
        except InvalidSchedule as error:
            raise ApiError(422, "InvalidSchedule", str(error), error.details) from error
        return GridScheduleView.of(stored)

    @routes.get(SCHEDULE, tags=TAGS, summary="A location's schedule of grid limits",
                responses=errors(404))  # fmt: skip
    def get_schedule(locationId: LocationId) -> GridScheduleView:
        return GridScheduleView.of(grid().get_schedule(path_value(locationId)))

    @routes.delete(
        SCHEDULE, status_code=204, tags=TAGS, summary="Delete a location's schedule of grid "
        "limits", responses=errors(404),
    )  # fmt: skip
    def delete_schedule(locationId: LocationId) -> Response[None]:
        grid().delete_schedule(path_value(locationId))
        return _no_content()

    @routes.put(
        SOURCES,
        tags=TAGS,
        summary="Replace (or create) the grid sources polled for a location",
        description="An OpenADR 3 VTN (URL, programs, client id, and the NAME of the Secrets "
        "Manager secret with the client secret) and/or an ENTSO-E bidding zone (and the name "
        "of the secret with the security token). The poller asks them every 5 minutes.",
        responses=errors(400, 404),
    )
    def put_sources(locationId: LocationId, body: GridSourcesBody) -> GridSourcesView:
        return GridSourcesView.of(grid().put_sources(path_value(locationId), body.document()))

    @routes.get(SOURCES, tags=TAGS, summary="The grid sources polled for a location",
                responses=errors(404))  # fmt: skip
    def get_sources(locationId: LocationId) -> GridSourcesView:
        return GridSourcesView.of(grid().get_sources(path_value(locationId)))

    @routes.delete(
        SOURCES, status_code=204, tags=TAGS, summary="Stop polling grid sources for a location",
        responses=errors(404),
    )  # fmt: skip
    def delete_sources(locationId: LocationId) -> Response[None]:
        grid().delete_sources(path_value(locationId))
        return _no_content()

    @routes.get(
        "/api/locations/<locationId>/grid",
        tags=TAGS,
        summary="The grid limit in force at a location now, its source and next change",
        description="The limit per phase now and the one the site is allocated under (a drop "
        "within the look-ahead counts already), which source binds, when that may change, "
        "the limits in force or ahead and the prices and carbon intensity over two days.",
        responses=errors(404),
    )
    def get_grid(locationId: LocationId) -> GridView:
        return GridView.of(grid().overview(path_value(locationId)))
