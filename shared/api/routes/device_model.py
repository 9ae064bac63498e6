"""A station's device model (OCPP 2.0.1 NotifyReport, docs/adr/0037-device-model.md)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.device_model import (
    DeviceModelView,
    GetVariablesBody,
    SetVariablesBody,
    VariablesOutcomeView,
)
from shared.api.routes.responses import errors
from shared.commands.engine import DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S
from shared.commands.variables import VariableCommands, VariablesAction
from shared.station.device_model_reader import DeviceModelReader

TAGS = ["chargers"]
Timeout = Annotated[
    int, Query(ge=1, le=MAX_TIMEOUT_S, description="Each CALL's deadline in seconds")
]
SPLIT_DESCRIPTION = (
    "Sent as one CALL, or as several in turn when the entries exceed the charger's "
    "DeviceCtrlr ItemsPerMessage or BytesPerMessage for this action (from its device model "
    "report); the results are merged in the order of the request. The API waits for every "
    "answer (20 s in all); the first CALL not answered stops the rest (`unsent`). Errors of "
    "the first CALL (charger unknown or offline, another command in flight, a payload the "
    "charger's schema refuses) are answered like a single command's."
)
Name = Annotated[
    str | None, Query(min_length=1, max_length=50, description="Case-insensitive name")
]
# The split commands and their bodies: GetVariables is `POST .../get-variables` (operation
# `get_variables`), its entries in `getVariableData`; SetVariables likewise.
SPLIT_ROUTES: dict[VariablesAction, type[GetVariablesBody] | type[SetVariablesBody]] = {
    "GetVariables": GetVariablesBody,
    "SetVariables": SetVariablesBody,
}


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

    variables = VariableCommands(ctx.services.engine, reader)
    for action, body in SPLIT_ROUTES.items():
        _register_split_route(ctx, variables, action, body)


def _register_split_route(
    ctx: ApiContext,
    variables: VariableCommands,
    action: VariablesAction,
    body: type[GetVariablesBody] | type[SetVariablesBody],
) -> None:
    """One route function for either split command, its `request` typed with the action's own
    body so the document shows it (the same operations as two hand-written routes)."""
    verb = action.removesuffix("Variables").lower()
    entries_field = f"{verb}VariableData"

    def split(
        chargePointId: str, request: Any, timeout: Timeout = DEFAULT_TIMEOUT_S
    ) -> VariablesOutcomeView:
        entries = [e.model_dump(exclude_none=True) for e in getattr(request, entries_field)]
        outcome = variables.send(
            path_value(chargePointId),
            action,
            entries,
            timeout_s=timeout,
            requested_by=ctx.operator(),
        )
        return VariablesOutcomeView.of(outcome)

    split.__name__ = split.__qualname__ = f"{verb}_variables"
    split.__annotations__["request"] = body
    ctx.routes.post(
        f"/api/chargers/<chargePointId>/device-model/{verb}-variables",
        tags=TAGS,
        summary=f"{action}, split to the charger's reported message limits",
        description=SPLIT_DESCRIPTION,
        responses=errors(400, 404, 409, 503),
    )(split)
