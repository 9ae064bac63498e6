"""Charger registry routes."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.chargers import PasswordChange
from shared.api.context import ApiContext, path_value
from shared.api.models.chargers import (
    ChargerPage,
    ChargerRegistration,
    ChargerSaved,
    ChargerSummary,
    ChargerUpdate,
    ChargerView,
    ConnectorList,
    ConnectorView,
    RegistrationStatus,
)
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.routes.responses import errors
from shared.ports import ChargerFilter

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

    @routes.get("/api/chargers", tags=TAGS, summary="List chargers (paged)")
    def list_chargers(
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
        registration_status: Annotated[
            RegistrationStatus | None, Query(alias="registrationStatus")
        ] = None,
        online: Annotated[bool | None, Query()] = None,
    ) -> ChargerPage:
        page = admin.page(
            limit, cursor, ChargerFilter(registration_status=registration_status, online=online)
        )
        return ChargerPage(
            items=[ChargerSummary.of(r) for r in page.items], nextCursor=page.next_cursor
        )

    @routes.get(
        "/api/chargers/<chargePointId>",
        tags=TAGS,
        summary="A charger with its connectors and live connection",
        responses=errors(404),
    )
    def get_charger(chargePointId: str) -> ChargerView:
        return ChargerView.of_details(admin.details(path_value(chargePointId)))

    @routes.patch(
        "/api/chargers/<chargePointId>",
        tags=TAGS,
        summary="Change registration status, validation mode or password",
        description='`"password": null` removes the password; `"generatePassword": true` '
        "sets a random one and returns it once.",
        responses=errors(404),
    )
    def update_charger(chargePointId: str, update: ChargerUpdate) -> ChargerSaved:
        record, generated = admin.update(
            path_value(chargePointId),
            update.registrationStatus,
            update.validationMode,
            _password(update.password, update.generatePassword, update.clears_password),
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
