"""The network's energy per UTC day or hour."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.errors import InvalidRequest
from shared.api.context import ApiContext
from shared.api.models.energy import NetworkEnergyView
from shared.api.routes.responses import errors
from shared.telemetry.network_energy import MAX_DAYS, EnergyRangeError, NetworkEnergy

TAGS = ["sessions"]
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(
            f"{field} is not a date", [{"field": f"query.{field}", "message": "not a date"}]
        ) from None


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    report = NetworkEnergy(ctx.services.deps.energy, ctx.now)

    @routes.get(
        "/api/energy",
        tags=TAGS,
        summary="The network's energy per UTC day or hour",
        description="Energy and sessions of every charger, per period of the range, every "
        "period present (zeros included), oldest first. A session counts in the day and hour "
        f"it stopped. At most {MAX_DAYS['day']} days by day, {MAX_DAYS['hour']} days by hour; "
        "default: the last 14 days by day (by hour: the last 7), ending today.",
        responses=errors(400),
    )
    def network_energy(
        first: Annotated[
            str | None,
            Query(alias="from", pattern=DAY_PATTERN, description="First UTC day, YYYY-MM-DD"),
        ] = None,
        last: Annotated[
            str | None,
            Query(alias="to", pattern=DAY_PATTERN, description="Last UTC day, YYYY-MM-DD"),
        ] = None,
        granularity: Annotated[Literal["day", "hour"], Query()] = "day",
    ) -> NetworkEnergyView:
        try:
            result = report.report(granularity, _day(first, "from"), _day(last, "to"))
        except EnergyRangeError as exc:
            raise InvalidRequest(
                exc.message, [{"field": exc.field, "message": exc.message}]
            ) from None
        return NetworkEnergyView.of(result)
