"""A station's device model (OCPP 2.0.1 NotifyReport, docs/adr/0037-device-model.md)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.device_model import DeviceModelView
from shared.api.routes.responses import errors
from shared.station.device_model import DeviceModelReader

TAGS = ["chargers"]
Name = Annotated[
    str | None, Query(min_length=1, max_length=50, description="Case-insensitive name")
]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    deps = ctx.services.deps
    reader = DeviceModelReader(deps.device_models)

    @routes.get(
        "/api/chargers/<chargePointId>/device-model",
        tags=TAGS,
        summary="The device model an OCPP 2.0.1 charger reported",
        description="Components, variables, attribute values and characteristics from the "
        "charger's NotifyReport messages (answers to GetBaseReport and GetReport): the newest "
        "report of each variable, with the report it came from and whether every part of that "
        "report arrived. Empty until the charger reported. `component` and `variable` narrow "
        "it to those names.",
        responses=errors(404),
    )
    def get_device_model(
        chargePointId: str, component: Name = None, variable: Name = None
    ) -> DeviceModelView:
        charge_point_id = path_value(chargePointId)
        if deps.chargers.get(charge_point_id) is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        return DeviceModelView.of(reader.model(charge_point_id, component, variable))
