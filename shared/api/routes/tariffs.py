"""Tariff routes: publish versions, read them, and price usage under a tariff (a quote)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from shared.admin.errors import InvalidRequest
from shared.api.context import ApiContext, path_value
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.models.tariffs import (
    TARIFF_ID_PATTERN,
    QuoteRequest,
    SessionPriceView,
    TariffBody,
    TariffPage,
    TariffVersions,
    TariffView,
    UsageBody,
)
from shared.api.routes.responses import errors
from shared.models.tariff import Tariff, TariffError
from shared.pricing.sessions import UsageError, price_session

TAGS = ["tariffs"]


def _tariff(body: TariffBody) -> Tariff:
    try:
        return body.tariff()
    except TariffError as exc:
        raise InvalidRequest(str(exc)) from None


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    admin = ctx.services.tariff_admin

    @routes.post(
        "/api/tariffs",
        status_code=201,
        tags=TAGS,
        summary="Publish a tariff version",
        description="Versions are never changed: a new price is a new version, valid from "
        "`validFrom` (now or later). Sessions are priced with the version valid at their start.",
        responses=errors(400, 409),
    )
    def publish_tariff(body: TariffBody) -> Response[TariffView]:
        published = admin.publish(_tariff(body), expected_version=body.version)
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body=TariffView.of(published),
            headers={
                "Location": f"/api/tariffs/{published.tariff_id}/versions/{published.version}"
            },
        )

    @routes.get("/api/tariffs", tags=TAGS, summary="List tariff versions (paged)")
    def list_tariffs(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[str | None, Query(max_length=4096)] = None,
    ) -> TariffPage:
        page = admin.page(limit, cursor)
        return TariffPage(items=[TariffView.of(t) for t in page.items], nextCursor=page.next_cursor)

    @routes.get(
        "/api/tariffs/<tariffId>",
        tags=TAGS,
        summary="A tariff: its versions and the one valid now",
        responses=errors(404),
    )
    def get_tariff(tariffId: Annotated[str, Path(pattern=TARIFF_ID_PATTERN)]) -> TariffVersions:
        tariff_id = path_value(tariffId)
        versions = admin.versions(tariff_id)
        now = ctx.now()
        current = [t for t in versions if t.valid_from <= now]
        return TariffVersions(
            tariffId=tariff_id,
            current=TariffView.of(current[-1]) if current else None,
            versions=[TariffView.of(t) for t in versions],
        )

    @routes.get(
        "/api/tariffs/<tariffId>/versions/<version>",
        tags=TAGS,
        summary="One version of a tariff",
        responses=errors(404),
    )
    def get_tariff_version(
        tariffId: Annotated[str, Path(pattern=TARIFF_ID_PATTERN)],
        version: Annotated[int, Path(ge=1)],
    ) -> TariffView:
        return TariffView.of(admin.version(path_value(tariffId), version))

    @routes.post(
        "/api/tariffs/<tariffId>/quote",
        tags=TAGS,
        summary="Price usage under a published tariff",
        description="Priced with the version valid when the usage starts.",
        responses=errors(400, 404),
    )
    def quote_tariff(
        tariffId: Annotated[str, Path(pattern=TARIFF_ID_PATTERN)], body: UsageBody
    ) -> SessionPriceView:
        return SessionPriceView.of(admin.quote(path_value(tariffId), body.usage()))

    @routes.post(
        "/api/tariffs/quote",
        tags=TAGS,
        summary="Price usage under a tariff given in full",
        description="The price a driver would pay, before the tariff is published: the same "
        "function the settlement uses (docs/adr/0020-tariffs-and-pricing.md). Nothing is stored.",
        responses=errors(400),
    )
    def quote(request: QuoteRequest) -> SessionPriceView:
        try:
            return SessionPriceView.of(price_session(_tariff(request.tariff), request.usage()))
        except UsageError as exc:
            raise InvalidRequest(str(exc)) from None
