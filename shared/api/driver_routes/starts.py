"""Starting a session from the app, and following the start until the session runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import Field, model_validator

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.errors import ApiError
from shared.api.models.common import CHARGE_POINT_ID_PATTERN, ApiModel
from shared.api.routes.responses import errors
from shared.drivers.sessions import opaque_id, opaque_key, session_id
from shared.models.location import ID_PATTERN
from shared.models.start_request import MAX_ENERGY_WH, StartRequest
from shared.timeutil import from_epoch_ms, iso_utc

TAGS = ["sessions"]


class StartBody(ApiModel):
    """Either the charger (`chargePointId`, `connectorId`) or the EVSE of a location
    (`locationId`, `evseUid`, from GET /driver/locations/{locationId}): one of the two."""

    chargePointId: Annotated[str | None, Field(pattern=CHARGE_POINT_ID_PATTERN)] = None
    connectorId: Annotated[
        int | None, Field(ge=1, le=100, description="1.6 connector / 2.0.1 EVSE")
    ] = None
    locationId: Annotated[str | None, Field(pattern=ID_PATTERN)] = None
    evseUid: Annotated[str | None, Field(pattern=ID_PATTERN)] = None
    departureTime: datetime | None = Field(
        default=None,
        description="When the car leaves (with a time zone; within 48 hours): with energyWh, "
        "the session is charged in the cheapest or lowest-carbon hours that still deliver "
        "the energy by then, where the site schedules",
    )
    energyWh: Annotated[int | None, Field(ge=1, le=MAX_ENERGY_WH)] = Field(
        default=None, description="The energy the car needs by departureTime (Wh)"
    )

    @model_validator(mode="after")
    def _needs_together(self) -> StartBody:
        if (self.departureTime is None) != (self.energyWh is None):
            raise ValueError("give departureTime and energyWh together, or neither")
        return self

    @model_validator(mode="after")
    def _one_shape(self) -> StartBody:
        by_charger = self.chargePointId is not None and self.connectorId is not None
        by_evse = self.locationId is not None and self.evseUid is not None
        given = [self.chargePointId, self.connectorId, self.locationId, self.evseUid]
        if by_charger == by_evse or sum(v is not None for v in given) != 2:
            raise ValueError("give either chargePointId and connectorId, or locationId and evseUid")
        return self


class StartView(ApiModel):
    startId: str = Field(description="Opaque: names the start in this API")
    status: str = Field(
        description="sent (the charger was asked; plug in), claimed (charging: see sessionId), "
        "settled, declined, released (no session: the hold is released), failed"
    )
    chargePointId: str
    connectorId: int
    holdMinor: int = Field(description="Held on your payment method until the session is paid")
    currency: str
    tariffId: str
    tariffVersion: int
    sessionId: str | None
    reason: str | None
    departureTime: str | None = Field(default=None, description="As given with the start")
    energyWh: int | None = Field(default=None, description="As given with the start")


def start_id(request: StartRequest) -> str:
    return opaque_id(request.charge_point_id, request.request_id)


def start_key(start_id_: str) -> tuple[str, str]:
    key = opaque_key(start_id_)
    if key is None:
        raise NotFound("no such start request")
    return key


def view(request: StartRequest, session: str | None) -> StartView:
    return StartView(
        startId=start_id(request),
        status=request.status,
        chargePointId=request.charge_point_id,
        connectorId=request.connector_id,
        holdMinor=request.hold_minor,
        currency=request.currency,
        tariffId=request.tariff_id,
        tariffVersion=request.tariff_version,
        sessionId=session,
        reason=request.reason,
        departureTime=(
            None
            if request.departure_at_ms is None
            else iso_utc(from_epoch_ms(request.departure_at_ms))
        ),
        energyWh=request.energy_needed_wh,
    )


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    starts = ctx.services.session_starts
    search = ctx.services.location_search

    def target(body: StartBody) -> tuple[str, int]:
        """The charger and its 1.6 connector id / 2.0.1 EVSE id the start is sent to."""
        if body.chargePointId is not None and body.connectorId is not None:
            return body.chargePointId, body.connectorId
        location_id, uid = str(body.locationId), str(body.evseUid)
        found = search.detail(location_id)
        if found is None or not found.location.publish:
            raise NotFound(f"location {location_id!r} not found")
        evse = found.location.evse(uid)
        if evse is None:
            raise NotFound(f"location {location_id!r} has no EVSE {uid!r}")
        binding = evse.binding
        if binding is None:
            raise ApiError(409, "EvseNotServed", f"EVSE {uid!r} has no charger yet")
        number = binding.evse_id if binding.evse_id is not None else binding.connector_id
        assert number is not None  # an EvseBinding has one of the two
        return binding.charge_point_id, number

    def session_of(request: StartRequest) -> str | None:
        if request.status == "sent":
            found = starts.claimable_session(request)
            return session_id(found) if found is not None else None
        if request.transaction_id is None:
            return None
        return opaque_id(request.charge_point_id, request.transaction_id)

    @routes.post(
        "/driver/sessions",
        status_code=202,
        tags=TAGS,
        summary="Start charging: hold the payment, ask the charger to start",
        responses={
            **errors(400, 404, 409, 503),
            402: errors(409)[409] | {"description": "The payment method was declined"},
        },
    )
    def start(body: StartBody) -> Response[StartView]:
        driver = ctx.driver()
        charge_point_id, connector_id = target(body)
        needs = None
        if body.departureTime is not None and body.energyWh is not None:
            needs = (body.departureTime, body.energyWh)
        request = starts.request(driver, charge_point_id, connector_id, needs)
        if request.status == "declined":
            raise ApiError(402, "PaymentDeclined", f"payment declined: {request.reason}")
        if request.status in ("released", "failed"):
            # The reason says why: the charger refused, was unreachable, or the workflow failed.
            raise ApiError(503, "StartFailed", request.reason or "the charger did not start")
        return Response(
            status_code=202,
            content_type=content_types.APPLICATION_JSON,
            body=view(request, None),
            headers={"Location": f"/driver/starts/{start_id(request)}"},
        )

    @routes.get(
        "/driver/starts/<startId>",
        tags=TAGS,
        summary="One of your starts: has the session begun?",
        responses=errors(404),
    )
    def get_start(startId: str) -> StartView:
        charge_point_id, request_id = start_key(path_value(startId))
        request = starts.status(ctx.driver(), charge_point_id, request_id)
        return view(request, session_of(request))
