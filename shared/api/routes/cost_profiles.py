"""Cost profile routes: the profiles and their OCPP settings; applying one to chargers.

Applying answers at once (202) with, per charger, the commands it gets (the first sent, the
rest of an OCPP 1.6 sequence as the charger answers) or why it got nothing; each command's
outcome is at its Location as for any other command.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types

from shared.api.context import ApiContext, path_value
from shared.api.models.cost_profiles import (
    ChargerApplyOutcome,
    ChargerGroup,
    CostProfileApplied,
    CostProfileList,
    CostProfileView,
)
from shared.api.routes.responses import errors
from shared.ports import ChargerFilter
from shared.station.cost_profiles import COST_PROFILES

TAGS = ["cost profiles"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes

    @routes.get(
        "/api/cost-profiles",
        tags=TAGS,
        summary="The cost profiles and the charger settings each one sets",
    )
    def list_cost_profiles() -> CostProfileList:
        return CostProfileList(items=[CostProfileView.of(p) for p in COST_PROFILES.values()])

    @routes.get(
        "/api/cost-profiles/<name>",
        tags=TAGS,
        summary="A cost profile",
        responses=errors(404),
    )
    def get_cost_profile(name: str) -> CostProfileView:
        return CostProfileView.of(ctx.services.cost_profiles.profile(path_value(name)))

    @routes.post(
        "/api/cost-profiles/<name>/apply",
        status_code=202,
        tags=TAGS,
        summary="Apply a cost profile to chargers (ChangeConfiguration / SetVariables)",
        description="The group is an explicit list or the charger listing's filters. Unknown, "
        "offline or busy chargers are reported per charger and get nothing (apply again "
        "later); 422 when the group is empty or larger than allowed.",
        responses=errors(404, 422),
    )
    def apply_cost_profile(name: str, group: ChargerGroup) -> Response[CostProfileApplied]:
        service = ctx.services.cost_profiles
        profile = service.profile(path_value(name))  # 404 before any charger is read
        if group.selector is not None:
            selector = group.selector
            ids = service.select(
                ChargerFilter(
                    registration_status=selector.registrationStatus, online=selector.online
                )
            )
        else:
            ids = list(group.chargePointIds or [])
        outcomes = [
            ChargerApplyOutcome.of(o)
            for o in service.apply(profile.name, ids, requested_by=ctx.operator())
        ]
        refused = sum(1 for o in outcomes if o.status == "refused")
        return Response(
            status_code=202,
            content_type=content_types.APPLICATION_JSON,
            body=CostProfileApplied(
                profile=profile.name,
                sent=len(outcomes) - refused,
                refused=refused,
                chargers=outcomes,
            ),
        )
