"""The calling driver: who the token says they are."""

from __future__ import annotations

from shared.api.context import ApiContext
from shared.api.models.common import ApiModel


class DriverProfile(ApiModel):
    driverId: str  # the user pool's `sub`: stable, never reassigned


def register(ctx: ApiContext) -> None:
    @ctx.routes.get("/driver/me", tags=["profile"], summary="The calling driver")
    def me() -> DriverProfile:
        return DriverProfile(driverId=ctx.driver())
