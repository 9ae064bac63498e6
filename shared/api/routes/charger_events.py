"""A charger's reported events: NotifyEvent entries and security events (docs/adr/0036)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.models.charger_events import ChargerEventPage, ChargingLimitsView
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.routes.responses import errors
from shared.models.charger_event import ChargerEvent, ChargerEventKind
from shared.ports import ChargerEventLog

TAGS = ["chargers"]


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    deps = ctx.services.deps

    @routes.get(
        "/api/chargers/<chargePointId>/events",
        tags=TAGS,
        summary="A charger's reported events, newest first (paged)",
        description="kind=event: the entries of its NotifyEvent messages (OCPP 2.0.1 N07/N08: "
        "component, variable, value, trigger, cleared, ...); kind=security: its "
        "SecurityEventNotifications (2.0.1 A04 and the 1.6 security extension); the other kinds "
        "(2.0.1, in `notification`): monitoring (NotifyMonitoringReport parts, N02), customer "
        "(NotifyCustomerInformation parts, N09), display (NotifyDisplayMessages, O04), "
        "charging-limit (the latest NotifyChargingLimit/ClearedChargingLimit per EVSE and "
        "source, K11/K12), ev-needs (the latest NotifyEVChargingNeeds per EVSE, K15), "
        "ev-schedule (NotifyEVChargingSchedule, K17), charging-profiles "
        "(ReportChargingProfiles, K09), firmware-publish (PublishFirmwareStatusNotification, "
        "L03). event/security/ev-schedule are ordered by the charger's clock, report kinds by "
        "request id (newest request first), charging-limit/ev-needs by EVSE; kept 90 days "
        "from receipt (the setting CHARGER_EVENTS_RETENTION_DAYS).",
        responses=errors(400, 404),
    )
    def list_charger_events(
        chargePointId: str,
        kind: Annotated[ChargerEventKind, Query(description="Which events")] = "event",
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = (
            DEFAULT_PAGE_SIZE
        ),
        cursor: Annotated[
            str | None, Query(max_length=4096, description="nextCursor of the previous page")
        ] = None,
    ) -> ChargerEventPage:
        charge_point_id = path_value(chargePointId)
        if deps.chargers.get(charge_point_id) is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        page = deps.charger_events.newest(charge_point_id, kind, limit, cursor)
        return ChargerEventPage.of(page.items, page.next_cursor)

    @routes.get(
        "/api/chargers/<chargePointId>/charging-limits",
        tags=TAGS,
        summary="The external charging limits in force and the EVs' charging needs, per EVSE",
        description="externalLimits: the latest NotifyChargingLimit per EVSE and source "
        "(OCPP 2.0.1 K11; EVSE 0 is the whole station) not lifted by a ClearedChargingLimit "
        "(K12); evNeeds: the latest NotifyEVChargingNeeds per EVSE (K15, ISO 15118) and what "
        "the CSMS answered. Kept 90 days from receipt, like the charger's events.",
        responses=errors(404),
    )
    def get_charging_limits(chargePointId: str) -> ChargingLimitsView:
        charge_point_id = path_value(chargePointId)
        if deps.chargers.get(charge_point_id) is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        return ChargingLimitsView.of(
            _all(deps.charger_events, charge_point_id, "charging-limit"),
            _all(deps.charger_events, charge_point_id, "ev-needs"),
        )


def _all(log: ChargerEventLog, charge_point_id: str, kind: ChargerEventKind) -> list[ChargerEvent]:
    """Every item of a state kind: one per EVSE (and source), a page or two at most."""
    items: list[ChargerEvent] = []
    cursor: str | None = None
    while True:
        page = log.newest(charge_point_id, kind, MAX_PAGE_SIZE, cursor)
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return items
