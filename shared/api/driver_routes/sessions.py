"""A driver's sessions: history (newest first), one session live, and stopping it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from shared.api.context import ApiContext, path_value
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ApiModel
from shared.api.routes.responses import errors
from shared.drivers.sessions import session_id
from shared.models.transaction import TransactionRecord

TAGS = ["sessions"]


class DriverSessionView(ApiModel):
    sessionId: str = Field(description="Opaque: names the session in this API")
    chargePointId: str
    connectorId: int | None
    evseId: int | None
    status: str = Field(description="active | completed | replaced | orphan")
    startedAt: str | None
    stoppedAt: str | None
    energyWh: int | None = Field(description="So far while active (last meter value)")
    durationS: int | None = Field(description="So far while active")
    stopReason: str | None


class DriverSessionPage(ApiModel):
    items: list[DriverSessionView]
    nextCursor: str | None


class StopAnswer(ApiModel):
    sessionId: str
    commandId: str
    status: str = Field(description="The command: answered | pending | timeout | ...")
    accepted: bool | None = Field(description="The charger's answer, once it gave one")


def view(record: TransactionRecord, now_s: float) -> DriverSessionView:
    energy = record.energy_wh
    duration = record.duration_s
    if not record.stopped:
        if record.last_meter_wh is not None and record.meter_start_wh is not None:
            energy = max(0, record.last_meter_wh - record.meter_start_wh)
        if record.started_at_ms is not None:
            duration = max(0, int(now_s - record.started_at_ms / 1000))
    return DriverSessionView(
        sessionId=session_id(record),
        chargePointId=record.charge_point_id,
        connectorId=record.connector_id,
        evseId=record.evse_id,
        status=record.status,
        startedAt=record.started_at,
        stoppedAt=record.stopped_at,
        energyWh=energy,
        durationS=duration,
        stopReason=record.stop_reason,
    )


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    sessions = ctx.services.driver_sessions

    @routes.get("/driver/sessions", tags=TAGS, summary="Your sessions, newest first (paged)")
    def history(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=1024)] = None,
    ) -> DriverSessionPage:
        page = sessions.history(ctx.driver(), limit, cursor)
        now_s = ctx.now().timestamp()
        return DriverSessionPage(
            items=[view(r, now_s) for r in page.items], nextCursor=page.next_cursor
        )

    @routes.get(
        "/driver/sessions/<sessionId>",
        tags=TAGS,
        summary="One of your sessions, live while it runs",
        responses=errors(404),
    )
    def get_session(sessionId: str) -> DriverSessionView:
        record = sessions.get(ctx.driver(), path_value(sessionId))
        return view(record, ctx.now().timestamp())

    @routes.post(
        "/driver/sessions/<sessionId>/stop",
        tags=TAGS,
        summary="Stop one of your sessions (the charger is asked to stop)",
        responses=errors(404, 409, 503),
    )
    def stop_session(sessionId: str) -> StopAnswer:
        command = ctx.services.driver_stops.stop(ctx.driver(), path_value(sessionId))
        answer = command.result or {}
        return StopAnswer(
            sessionId=path_value(sessionId),
            commandId=command.message_id,
            status=command.status,
            accepted=answer.get("status") == "Accepted" if command.result is not None else None,
        )
