"""Health and the OpenAPI document of the driver API (both public)."""

from __future__ import annotations

from shared.api.context import ApiContext
from shared.api.routes import meta


def register(ctx: ApiContext) -> None:
    meta.register_meta(ctx, "/driver")
