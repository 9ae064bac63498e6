"""Health, the OpenAPI document and its browsable page (all public)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import ApiContext
from shared.api.docs_page import docs_page
from shared.api.models.common import ApiModel
from shared.timeutil import iso_utc


class Health(ApiModel):
    status: str
    time: str


def register(ctx: ApiContext) -> None:
    register_meta(ctx, "/api")


def register_meta(ctx: ApiContext, prefix: str) -> None:
    """`{prefix}/health`, `{prefix}/openapi.json` and `{prefix}/docs` (Swagger UI)."""
    routes = ctx.routes

    @routes.get(f"{prefix}/health", tags=["meta"], summary="Liveness (no authentication)")
    def health() -> Health:
        return Health(status="ok", time=iso_utc(ctx.now()))

    @routes.get(f"{prefix}/openapi.json", include_in_schema=False)
    def openapi() -> Response[Any]:
        return Response(
            status_code=200,
            content_type=content_types.APPLICATION_JSON,
            body=ctx.openapi(),
        )

    @routes.get(f"{prefix}/docs", include_in_schema=False)
    def docs() -> Response[str]:
        return Response(
            status_code=200,
            content_type=content_types.TEXT_HTML,
            body=docs_page(str(ctx.openapi()["info"]["title"])),
        )
