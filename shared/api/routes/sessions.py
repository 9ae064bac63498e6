"""Session and energy routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import AwareDatetime

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.models.sessions import (
    EnergyReportView,
    MeterValuePointView,
    SessionMeterValuesView,
    SessionPage,
    SessionView,
)
from shared.api.routes.responses import errors
from shared.ports import MAX_CURVE_POINTS
from shared.telemetry.session_curve import curve_points

TAGS = ["sessions"]
SessionStatus = Literal["active", "completed", "replaced", "orphan"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    reports = ctx.services.session_reports

    @routes.get(
        "/api/sessions",
        tags=TAGS,
        summary="Sessions of the network, of a charger or of an id tag (paged)",
        description="`from`/`to` bound the start time. Neither chargePointId nor idTag: every "
        "charger's sessions, newest first, within at most 31 UTC days (default: since 7 days "
        "ago); a page may come back short with a nextCursor. By id tag: newest first. By "
        "charger: in transaction id order.",
        responses=errors(400),
    )
    def list_sessions(
        charge_point_id: Annotated[
            str | None, Query(alias="chargePointId", min_length=1, max_length=48)
        ] = None,
        id_tag: Annotated[str | None, Query(alias="idTag", min_length=1, max_length=36)] = None,
        started_from: Annotated[
            AwareDatetime | None, Query(alias="from", description="Started at or after")
        ] = None,
        started_to: Annotated[
            AwareDatetime | None, Query(alias="to", description="Started at or before")
        ] = None,
        status: Annotated[SessionStatus | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> SessionPage:
        page = reports.page(
            limit,
            cursor,
            charge_point_id=charge_point_id,
            id_tag=id_tag,
            started_from=started_from,
            started_to=started_to,
            status=status,
        )
        return SessionPage(
            items=[SessionView.of(r) for r in page.items], nextCursor=page.next_cursor
        )

    @routes.get(
        "/api/chargers/<chargePointId>/sessions/<transactionId>",
        tags=TAGS,
        summary="One session",
        responses=errors(404),
    )
    def get_session(chargePointId: str, transactionId: str) -> SessionView:
        return SessionView.of(reports.get(path_value(chargePointId), path_value(transactionId)))

    @routes.get(
        "/api/chargers/<chargePointId>/sessions/<transactionId>/meter-values",
        tags=TAGS,
        summary="A session's energy and power curve",
        description="From the stored telemetry: the start (energy 0), the live-energy "
        "readings the telemetry consumer wrote (about one per write interval, at most "
        f"{MAX_CURVE_POINTS}), and the stop once the session stopped, oldest first.",
        responses=errors(404),
    )
    def session_meter_values(chargePointId: str, transactionId: str) -> SessionMeterValuesView:
        charge_point_id, transaction_id = path_value(chargePointId), path_value(transactionId)
        stored = ctx.services.deps.transactions.curve(charge_point_id, transaction_id)
        if stored is None:
            raise NotFound(f"session {transaction_id!r} of charger {charge_point_id!r} not found")
        return SessionMeterValuesView(
            chargePointId=charge_point_id,
            transactionId=transaction_id,
            points=[MeterValuePointView.of(p) for p in curve_points(stored.session, stored.points)],
        )

    @routes.get(
        "/api/chargers/<chargePointId>/energy",
        tags=TAGS,
        summary="Energy per UTC day (default: the last 30 days)",
        responses=errors(404),
    )
    def energy(
        chargePointId: str,
        first: Annotated[date | None, Query(alias="from", description="First day")] = None,
        last: Annotated[date | None, Query(alias="to", description="Last day")] = None,
    ) -> EnergyReportView:
        return EnergyReportView.of(reports.energy(path_value(chargePointId), first, last))
