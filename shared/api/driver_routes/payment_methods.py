"""A driver's payment methods: start adding a card (SetupIntent), list, choose the default,
remove. Cards are collected by the provider's SDK in the app, never by this API."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import Field

from shared.api.context import ApiContext, path_value
from shared.api.models.common import ApiModel
from shared.api.routes.responses import errors

TAGS = ["payment methods"]
PAYMENT_METHOD_ID = r"^[A-Za-z0-9_]{1,255}$"


class SetupView(ApiModel):
    customerId: str
    setupIntentId: str
    clientSecret: str = Field(description="For the provider's SDK in the app, once")


class PaymentMethodView(ApiModel):
    paymentMethodId: str
    brand: str | None
    last4: str | None
    expMonth: int | None
    expYear: int | None
    default: bool


class PaymentMethodList(ApiModel):
    items: list[PaymentMethodView]


class DefaultChoice(ApiModel):
    paymentMethodId: Annotated[str, Field(pattern=PAYMENT_METHOD_ID)]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    methods = ctx.services.driver_payment_methods

    @routes.post(
        "/driver/payment-methods/setup",
        status_code=201,
        tags=TAGS,
        summary="Start adding a card: the app confirms the SetupIntent with the provider's SDK",
        responses=errors(503),
    )
    def setup() -> Response[SetupView]:
        customer_id, intent = methods.setup(ctx.driver())
        body = SetupView(
            customerId=customer_id,
            setupIntentId=intent.setup_intent_id,
            clientSecret=intent.client_secret,
        )
        return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=body)

    @routes.get(
        "/driver/payment-methods",
        tags=TAGS,
        summary="Your saved payment methods",
        responses=errors(503),
    )
    def list_methods() -> PaymentMethodList:
        found, default = methods.methods(ctx.driver())
        return PaymentMethodList(
            items=[
                PaymentMethodView(
                    paymentMethodId=m.payment_method_id,
                    brand=m.brand,
                    last4=m.last4,
                    expMonth=m.exp_month,
                    expYear=m.exp_year,
                    default=m.payment_method_id == default,
                )
                for m in found
            ]
        )

    @routes.put(
        "/driver/payment-methods/default",
        status_code=204,
        tags=TAGS,
        summary="Choose the payment method your sessions are paid with",
        responses=errors(404, 503),
    )
    def choose_default(choice: DefaultChoice) -> Response[None]:
        methods.set_default(ctx.driver(), choice.paymentMethodId)
        return Response(status_code=204, content_type=None, body=None)

    @routes.delete(
        "/driver/payment-methods/<paymentMethodId>",
        status_code=204,
        tags=TAGS,
        summary="Remove one of your payment methods",
        responses=errors(404, 503),
    )
    def remove(paymentMethodId: str) -> Response[None]:
        methods.remove(ctx.driver(), path_value(paymentMethodId))
        return Response(status_code=204, content_type=None, body=None)
