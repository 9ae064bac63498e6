"""A driver's sessions: history (newest first), one session live, and stopping it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import Field

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ApiModel
from shared.api.routes.responses import errors
from shared.drivers.receipt_page import receipt_html
from shared.drivers.sessions import opaque_id, session_id
from shared.models.receipt import Receipt
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
    register_receipts(ctx)
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


class ReceiptLineView(ApiModel):
    dimension: str = Field(description="ENERGY | TIME | PARKING_TIME | FLAT")
    unitPrice: int = Field(description="Minor units per kWh, per hour, or per session")
    volume: int = Field(description="Wh, seconds, or 1")
    amount: int = Field(description="Minor units, excluding tax")


class ReceiptView(ApiModel):
    sessionId: str
    issuedAt: str
    startedAt: str | None
    stoppedAt: str | None
    energyWh: int
    durationS: int
    parkingS: int
    tariffId: str
    tariffVersion: int
    currency: str
    taxRateBp: int = Field(description="Tax rate in basis points (1900 = 19 %)")
    lines: list[ReceiptLineView]
    totalExclTax: int
    tax: int
    totalInclTax: int
    outcome: str = Field(description="captured | charged | released | outstanding | invoice")
    paidMinor: int
    outstandingMinor: int
    paymentIds: list[str]


def receipt_view(receipt: Receipt) -> ReceiptView:
    return ReceiptView(
        sessionId=opaque_id(receipt.charge_point_id, receipt.transaction_id),
        issuedAt=receipt.issued_at,
        startedAt=receipt.started_at,
        stoppedAt=receipt.stopped_at,
        energyWh=receipt.energy_wh,
        durationS=receipt.duration_s,
        parkingS=receipt.parking_s,
        tariffId=receipt.tariff_id,
        tariffVersion=receipt.tariff_version,
        currency=receipt.currency,
        taxRateBp=receipt.tax_rate_bp,
        lines=[
            ReceiptLineView(
                dimension=line.dimension,
                unitPrice=line.unit_price,
                volume=line.volume,
                amount=line.amount,
            )
            for line in receipt.lines
        ],
        totalExclTax=receipt.total_excl_tax,
        tax=receipt.tax,
        totalInclTax=receipt.total_incl_tax,
        outcome=receipt.outcome,
        paidMinor=receipt.paid_minor,
        outstandingMinor=receipt.outstanding_minor,
        paymentIds=list(receipt.payment_ids),
    )


def register_receipts(ctx: ApiContext) -> None:
    routes = ctx.routes
    sessions = ctx.services.driver_sessions

    def receipt_of(session_id_: str) -> Receipt:
        record = sessions.get(ctx.driver(), path_value(session_id_))  # NotFound unless theirs
        receipt = ctx.services.deps.receipts.get(record.charge_point_id, record.transaction_id)
        if receipt is None or receipt.driver_id != ctx.driver():
            raise NotFound("this session has no receipt (yet)")
        return receipt

    @routes.get(
        "/driver/sessions/<sessionId>/receipt",
        tags=TAGS,
        summary="The receipt of one of your sessions",
        responses=errors(404),
    )
    def receipt(sessionId: str) -> ReceiptView:
        return receipt_view(receipt_of(sessionId))

    @routes.get(
        "/driver/sessions/<sessionId>/receipt.html",
        tags=TAGS,
        summary="The receipt as a printable page",
        responses=errors(404),
    )
    def receipt_page(sessionId: str) -> Response[str]:
        return Response(
            status_code=200,
            content_type="text/html; charset=utf-8",
            body=receipt_html(receipt_of(sessionId)),
        )
