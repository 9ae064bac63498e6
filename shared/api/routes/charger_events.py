"""A charger's reported events: NotifyEvent entries and security events (docs/adr/0036)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.charger_events import ChargerEventPage
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.routes.responses import errors
from shared.models.charger_event import ChargerEventKind

TAGS = ["chargers"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    deps = ctx.services.deps

    @routes.get(
        "/api/chargers/<chargePointId>/events",
        tags=TAGS,
        summary="A charger's reported events, newest first (paged)",
        description="kind=event: the entries of its NotifyEvent messages (OCPP 2.0.1 N07/N08: "
        "component, variable, value, trigger, cleared, ...); kind=security: its "
        "SecurityEventNotifications (2.0.1 A04 and the 1.6 security extension). Ordered by the "
        "charger's clock; kept 90 days (the setting CHARGER_EVENTS_RETENTION_DAYS).",
        responses=errors(400, 404),
    )
    def list_charger_events(
        chargePointId: str,
        kind: Annotated[ChargerEventKind, Query(description="Which events")] = "event",
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = (
            DEFAULT_PAGE_SIZE
        ),
        cursor: Annotated[
            str | None, Query(max_length=4096, description="nextCursor of the previous page")
        ] = None,
    ) -> ChargerEventPage:
        charge_point_id = path_value(chargePointId)
        if deps.chargers.get(charge_point_id) is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        page = deps.charger_events.newest(charge_point_id, kind, limit, cursor)
        return ChargerEventPage.of(page.items, page.next_cursor)
