"""Payment routes: read a payment, refund it (docs/adr/0021-payments.md)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path

from shared.admin.errors import InvalidRequest
from shared.api.context import ApiContext, path_value
from shared.api.models.payments import (
    IDEMPOTENCY_KEY_MAX,
    PAYMENT_ID_PATTERN,
    PaymentView,
    RefundBody,
    RefundResultView,
    RefundView,
)
from shared.api.routes.responses import errors

TAGS = ["payments"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    admin = ctx.services.payment_admin

    @routes.get(
        "/api/payments/<paymentId>",
        tags=TAGS,
        summary="A payment: its state, amounts and refunds",
        responses=errors(404),
    )
    def get_payment(paymentId: Annotated[str, Path(pattern=PAYMENT_ID_PATTERN)]) -> PaymentView:
        return PaymentView.of(admin.get(path_value(paymentId)))

    @routes.post(
        "/api/payments/<paymentId>/refunds",
        status_code=201,
        tags=TAGS,
        summary="Refund a payment in full or in part",
        description="Never above what was captured less what was refunded. Send an "
        "`Idempotency-Key` header to make retries safe: the same key gives the same refund "
        "(200) instead of a second one. The operator and the reason are kept with the refund.",
        responses=errors(400, 404, 409, 503),
    )
    def refund_payment(
        paymentId: Annotated[str, Path(pattern=PAYMENT_ID_PATTERN)], body: RefundBody
    ) -> Response[RefundResultView]:
        key = ctx.app.current_event.headers.get("Idempotency-Key")
        if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
            details = [{"field": "header.Idempotency-Key", "message": "1-200 characters"}]
            raise InvalidRequest("Idempotency-Key must be 1-200 characters", details)
        operator = ctx.operator() or "unknown"  # the operator check ran before routing
        result = admin.refund(path_value(paymentId), body.amountMinor, body.reason, operator, key)
        return Response(
            status_code=201 if result.created else 200,
            content_type=content_types.APPLICATION_JSON,
            body=RefundResultView(
                refund=RefundView.of(result.refund), payment=PaymentView.of(result.payment)
            ),
        )
