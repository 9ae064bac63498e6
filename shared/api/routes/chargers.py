"""Charger registry routes. The list and a charger show its state (shared/station/fleet.py),
derived at read time from the charger and its connectors' statuses: nothing is written for it
on the charger path."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.chargers import PasswordChange
from shared.api.context import ApiContext, path_value
from shared.api.models.chargers import (
    ChargerRegistration,
    ChargerSaved,
    ChargerUpdate,
    ConnectorList,
    ConnectorView,
    RegistrationStatus,
)
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.models.fleet import (
    STATE_DESCRIPTION,
    ChargerDetailView,
    ChargerListItem,
    ChargerListPage,
)
from shared.api.routes.responses import errors
from shared.models.charger import TAG_PATTERN
from shared.station.fleet import ChargerState, Fleet, FleetFilter

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")]
Cursor = Annotated[
    str | None, Query(max_length=4096, description="nextCursor of the previous page")
]
TAGS = ["chargers"]


def _password(given: str | None, generate: bool, clear: bool) -> PasswordChange | None:
    if generate:
        return PasswordChange(generate=True)
    if given is not None:
        return PasswordChange(value=given)
    if clear:
        return PasswordChange(clear=True)
    return None


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    admin = ctx.services.charger_admin

    @routes.post(
        "/api/chargers",
        status_code=201,
        tags=TAGS,
        summary="Register a charger",
        responses=errors(409),
    )
    def register_charger(registration: ChargerRegistration) -> Response[ChargerSaved]:
        record, generated = admin.register(
            registration.chargePointId,
            registration.registrationStatus,
            registration.validationMode,
            _password(registration.password, registration.generatePassword, clear=False),
        )
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=ChargerSaved.saved(record, generated),
            headers={"Location": f"/api/chargers/{record.charge_point_id}"},
        )

    fleet = Fleet(
        chargers=ctx.services.deps.chargers,
        connectors=ctx.services.deps.connectors,
        locations=ctx.services.deps.locations,
    )

    @routes.get(
        "/api/chargers",
        tags=TAGS,
        summary="List chargers with their state (paged, filtered)",
        description="Filters compose. A page may hold fewer than `limit` chargers (even none) "
        "while `nextCursor` says more follow: state, location and `q` are applied to each "
        "bounded read of the registry, and the cursor never skips a match. Reads per page: "
        "per charger read, one query of its connectors; per charger listed, one read of its "
        "location (one read of the location instead when `locationId` is given).",
        responses=errors(400),
    )
    def list_chargers(
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
        registration_status: Annotated[
            RegistrationStatus | None, Query(alias="registrationStatus")
        ] = None,
        online: Annotated[bool | None, Query()] = None,
        state: Annotated[ChargerState | None, Query(description=STATE_DESCRIPTION)] = None,
        location_id: Annotated[
            str | None, Query(alias="locationId", min_length=1, max_length=64)
        ] = None,
        vendor: Annotated[
            str | None,
            Query(min_length=1, max_length=50, description="Exactly as the charger reported it"),
        ] = None,
        model: Annotated[
            str | None,
            Query(min_length=1, max_length=50, description="Exactly as the charger reported it"),
        ] = None,
        q: Annotated[
            str | None,
            Query(min_length=1, max_length=48, description="Part of the charger id, any case"),
        ] = None,
        tag: Annotated[
            str | None,
            Query(pattern=TAG_PATTERN, description="Chargers carrying this tag"),
        ] = None,
    ) -> ChargerListPage:
        page = fleet.page(
            limit,
            cursor,
            FleetFilter(
                registration_status=registration_status,
                online=online,
                state=state,
                location_id=location_id,
                vendor=vendor,
                model=model,
                text=q,
                tag=tag,
            ),
        )
        return ChargerListPage(
            items=[ChargerListItem.of(e) for e in page.items], nextCursor=page.next_cursor
        )

    @routes.get(
        "/api/chargers/<chargePointId>",
        tags=TAGS,
        summary="A charger with its state, connectors and live connection",
        responses=errors(404),
    )
    def get_charger(chargePointId: str) -> ChargerDetailView:
        return ChargerDetailView.of_details(admin.details(path_value(chargePointId)))

    @routes.patch(
        "/api/chargers/<chargePointId>",
        tags=TAGS,
        summary="Change registration status, validation mode, password or tags",
        description='`"password": null` removes the password; `"generatePassword": true` '
        "sets a random one and returns it once. `addTags` and `removeTags` change the "
        "charger's tags (at most 20); changing only tags leaves the connection open.",
        responses=errors(404),
    )
    def update_charger(chargePointId: str, update: ChargerUpdate) -> ChargerSaved:
        record, generated = admin.update(
            path_value(chargePointId),
            update.registrationStatus,
            update.validationMode,
            _password(update.password, update.generatePassword, update.clears_password),
            frozenset(update.addTags),
            frozenset(update.removeTags),
        )
        return ChargerSaved.saved(record, generated)

    @routes.delete(
        "/api/chargers/<chargePointId>",
        status_code=204,
        tags=TAGS,
        summary="Delete a charger (its open connection is closed)",
        responses=errors(404),
    )
    def delete_charger(chargePointId: str) -> Response[None]:
        admin.delete(path_value(chargePointId))
        return Response(status_code=204, content_type=None, body=None)

    @routes.get(
        "/api/chargers/<chargePointId>/connectors",
        tags=TAGS,
        summary="Last status of each connector",
        responses=errors(404),
    )
    def list_connectors(chargePointId: str) -> ConnectorList:
        charge_point_id = path_value(chargePointId)
        return ConnectorList(
            chargePointId=charge_point_id,
            connectors=[ConnectorView.of(s) for s in admin.connectors_of(charge_point_id)],
        )
