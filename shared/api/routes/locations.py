"""Location routes: sites with EVSEs and connectors, the chargers serving them, and a search
near a point with live availability (docs/locations.md)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from shared.admin.errors import InvalidRequest, NotFound
from shared.api.context import ApiContext, path_value
from shared.api.errors import ApiError
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.models.locations import (
    ChargerAssignment,
    LocationAvailabilityView,
    LocationBody,
    LocationChange,
    LocationPage,
    LocationView,
    NearbyLocations,
)
from shared.api.routes.responses import errors
from shared.locations.search import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_RADIUS_M,
    SearchError,
    SearchFilters,
)
from shared.models.location import CONNECTOR_STANDARDS, ID_PATTERN, Location, LocationError

TAGS = ["locations"]
# The query of a search near a point, for the operator's and the drivers' routes alike.
Latitude = Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)]
RadiusM = Annotated[int, Query(ge=1, le=MAX_RADIUS_M)]
Standards = Annotated[
    str | None, Query(max_length=400, description="Connector standards, comma-separated (any of)")
]
MinPowerW = Annotated[int, Query(ge=0, le=4_000_000)]
SearchLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
LocationId = Annotated[str, Path(pattern=ID_PATTERN)]
Version = Annotated[int | None, Query(ge=1, description="The version this changes")]


def _location(body: LocationBody | LocationChange, location_id: str) -> Location:
    try:
        return body.location(location_id)
    except LocationError as exc:
        raise InvalidRequest(str(exc)) from None


def standards_query(raw: str | None) -> frozenset[str]:
    """`standard=A,B` (API Gateway also joins a repeated parameter with commas)."""
    if not raw:
        return frozenset()
    standards = frozenset(s.strip() for s in raw.split(",") if s.strip())
    unknown = sorted(standards - set(CONNECTOR_STANDARDS))
    if unknown:
        message = f"unknown connector standards {unknown}"
        raise ApiError(
            400, "ValidationError", message, [{"field": "query.standard", "message": message}]
        )
    return standards


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    admin = ctx.services.location_admin
    search = ctx.services.location_search

    @routes.post(
        "/api/locations",
        status_code=201,
        tags=TAGS,
        summary="Create a location",
        description="A charger serves EVSEs of one location at most: binding one that another "
        "location holds is a 409.",
        responses=errors(400, 409),
    )
    def create_location(body: LocationBody) -> Response[LocationView]:
        created = admin.create(_location(body, body.locationId))
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=LocationView.of(created),
            headers={"Location": f"/api/locations/{created.location_id}"},
        )

    @routes.get("/api/locations", tags=TAGS, summary="List locations (paged, by id)")
    def list_locations(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> LocationPage:
        page = admin.page(limit, cursor)
        return LocationPage(
            items=[LocationView.of(location) for location in page.items],
            nextCursor=page.next_cursor,
        )

    # Before /api/locations/<locationId>: "nearby" is a route, not a location id.
    @routes.get(
        "/api/locations/nearby",
        tags=TAGS,
        summary="Locations near a point, nearest first, with live EVSE availability",
        description="Every filter holds for one and the same EVSE. Reads the geo index cells "
        "around the point (never a table scan).",
        responses=errors(400),
    )
    def nearby_locations(
        lat: Latitude,
        lon: Longitude,
        radiusM: RadiusM = 5_000,
        standard: Standards = None,
        minPowerW: MinPowerW = 0,
        availableNow: bool = False,
        includeUnpublished: bool = True,
        limit: SearchLimit = DEFAULT_LIMIT,
    ) -> NearbyLocations:
        filters = SearchFilters(
            standards=standards_query(standard),
            min_power_w=minPowerW,
            available_now=availableNow,
            include_unpublished=includeUnpublished,
        )
        try:
            found = search.nearby(lat, lon, radiusM, filters, limit)
        except SearchError as exc:
            raise InvalidRequest(str(exc)) from None
        return NearbyLocations(items=[LocationAvailabilityView.of(f) for f in found])

    @routes.get(
        "/api/locations/<locationId>",
        tags=TAGS,
        summary="A location with the live status of its EVSEs",
        responses=errors(404),
    )
    def get_location(locationId: LocationId) -> LocationAvailabilityView:
        location_id = path_value(locationId)
        found = search.detail(location_id)
        if found is None:
            raise NotFound(f"location {location_id!r} not found")
        return LocationAvailabilityView.of(found)

    @routes.put(
        "/api/locations/<locationId>",
        tags=TAGS,
        summary="Replace a location",
        description="Give `version` to be sure nobody changed it since it was read (409).",
        responses=errors(400, 404, 409),
    )
    def replace_location(locationId: LocationId, body: LocationChange) -> LocationView:
        location = _location(body, path_value(locationId))
        return LocationView.of(admin.replace(location, expected_version=body.version))

    @routes.delete(
        "/api/locations/<locationId>",
        status_code=204,
        tags=TAGS,
        summary="Delete a location (its chargers are released)",
        responses=errors(404, 409),
    )
    def delete_location(locationId: LocationId, version: Version = None) -> Response[None]:
        admin.delete(path_value(locationId), expected_version=version)
        return Response(status_code=204, content_type=None, body=None)

    @routes.put(
        "/api/locations/<locationId>/evses/<uid>/charger",
        tags=TAGS,
        summary="Serve an EVSE by a charger",
        description="`connectorId` for an OCPP 1.6 charger, `evseId` for 2.0.1. A charger "
        "belongs to one location at most: one on another location is a 409.",
        responses=errors(400, 404, 409),
    )
    def assign_charger(
        locationId: LocationId,
        uid: Annotated[str, Path(pattern=ID_PATTERN)],
        body: ChargerAssignment,
    ) -> LocationView:
        try:
            binding = body.binding()
        except LocationError as exc:
            raise InvalidRequest(str(exc)) from None
        updated = admin.bind_evse(path_value(locationId), path_value(uid), binding, body.version)
        return LocationView.of(updated)

    @routes.delete(
        "/api/locations/<locationId>/evses/<uid>/charger",
        tags=TAGS,
        summary="Unassign an EVSE's charger (the charger is free for another location)",
        responses=errors(404, 409),
    )
    def unassign_charger(
        locationId: LocationId,
        uid: Annotated[str, Path(pattern=ID_PATTERN)],
        version: Version = None,
    ) -> LocationView:
        return LocationView.of(
            admin.bind_evse(path_value(locationId), path_value(uid), None, version)
        )
