"""Tariff routes: price a session under a tariff before it is published (a quote)."""

from __future__ import annotations

from shared.admin.errors import InvalidRequest
from shared.api.context import ApiContext
from shared.api.models.tariffs import QuoteRequest, SessionPriceView
from shared.api.routes.responses import errors
from shared.models.tariff import TariffError
from shared.pricing.sessions import UsageError, price_session

TAGS = ["tariffs"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes

    @routes.post(
        "/api/tariffs/quote",
        tags=TAGS,
        summary="Price a session's usage under a tariff",
        description="The price a driver would pay: the same function the settlement uses "
        "(docs/adr/0020-tariffs-and-pricing.md). Nothing is stored.",
        responses=errors(400),
    )
    def quote(request: QuoteRequest) -> SessionPriceView:
        try:
            tariff = request.tariff.tariff()
            periods = [p.period() for p in request.periods]
            return SessionPriceView.of(price_session(tariff, periods))
        except (TariffError, UsageError) as exc:
            raise InvalidRequest(str(exc)) from None
