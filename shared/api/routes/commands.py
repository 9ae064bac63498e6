"""Command routes: any OCPP command, local lists and reservations.

wait=true (default): send, then wait (at most 20 s: API Gateway's integration timeout is
29 s) for the charger's answer -> 200 with the outcome, 504 with the pending command when it
did not answer in time. wait=false: 202 with the pending command and its Location.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel

from shared.admin.errors import NotFound
from shared.api.context import ApiContext, path_value
from shared.api.errors import CommandNotAnswered, command_location
from shared.api.models.command_bodies import (
    command_actions,
    command_body_components,
    command_body_schema,
)
from shared.api.models.commands import (
    CommandNotAnsweredBody,
    CommandView,
    LocalListUpdate,
    ReservationCommand,
    ReservationList,
    ReservationRequest,
    ReservationView,
)
from shared.api.models.common import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from shared.api.models.fleet import CommandPage
from shared.api.routes.responses import body, errors
from shared.commands.engine import (
    DEFAULT_TIMEOUT_S,
    MAX_SYNC_WAIT_S,
    MAX_TIMEOUT_S,
    CommandEngine,
)
from shared.commands.history import CommandHistory
from shared.models.command import CommandRecord, CommandStatus

TAGS = ["commands"]
COMMAND_PATH = "/api/chargers/{chargePointId}/commands/{action}"
Wait = Annotated[bool, Query(description="Wait (at most 20 s) for the charger's answer")]
OUTCOMES = {
    202: body("Sent (wait=false); poll the Location", CommandView),
    503: body("Charger offline", CommandNotAnsweredBody),
    504: body("The charger did not answer while the API waited", CommandNotAnsweredBody),
    **errors(404, 409),
}


def document_command_bodies(document: dict[str, Any]) -> None:
    """The generic route's body is any command's official schema (Powertools can only say
    "an object" for it); `action` names the commands of either version."""
    operation = document["paths"][COMMAND_PATH]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    content["schema"] = command_body_schema()
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path" and parameter["name"] == "action":
            parameter["schema"] = {
                "type": "string",
                "enum": command_actions(),
                "description": "An OCPP action the charger's protocol lets the CSMS send",
            }
    document.setdefault("components", {}).setdefault("schemas", {}).update(
        command_body_components()
    )


def command_outcome(
    engine: CommandEngine,
    sent: CommandRecord,
    wait: bool,
    wait_s: float,
    view: Callable[[CommandRecord], BaseModel],
    extra: Callable[[CommandRecord], dict[str, Any]] | None = None,
) -> Response[Any]:
    """A sent command's answer to the API: 202 at once (wait=false), else 200 with its
    outcome once the charger answered, CommandNotAnswered when it did not within wait_s."""
    if not wait:
        return Response(
            status_code=202,
            content_type=content_types.APPLICATION_JSON,
            body=view(sent),
            headers={"Location": command_location(sent)},
        )
    final = engine.wait(sent.charge_point_id, sent.message_id, wait_s) or sent
    if final.status in ("pending", "timeout", "offline"):
        raise CommandNotAnswered(final, extra(final) if extra else None)
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=view(final))


def register(ctx: ApiContext) -> None:
    routes = ctx.routes
    ctx.document_hooks.append(document_command_bodies)

    def engine_of() -> CommandEngine:
        return ctx.services.engine

    def outcome(
        sent: CommandRecord,
        wait: bool,
        wait_s: float,
        view: Callable[[CommandRecord], BaseModel],
        extra: Callable[[CommandRecord], dict[str, Any]] | None = None,
    ) -> Response[Any]:
        return command_outcome(engine_of(), sent, wait, wait_s, view, extra)

    @routes.post(
        "/api/chargers/<chargePointId>/commands/<action>",
        tags=TAGS,
        summary="Send an OCPP command (the body is its request payload)",
        description="The payload is checked against the OCPP schema of the charger's "
        "protocol. `timeout` is the command's deadline in seconds.",
        responses=OUTCOMES,
    )
    def send_command(
        chargePointId: str,
        action: str,
        payload: Annotated[dict[str, Any] | None, Body(description="OCPP request payload")] = None,
        wait: Wait = True,
        timeout: Annotated[int, Query(ge=1, le=MAX_TIMEOUT_S)] = DEFAULT_TIMEOUT_S,
    ) -> Response[CommandView]:
        sent = engine_of().send(
            path_value(chargePointId),
            path_value(action),
            payload or {},
            timeout_s=timeout,
            requested_by=ctx.operator(),
        )
        return outcome(sent, wait, min(timeout, MAX_SYNC_WAIT_S), CommandView.of)

    history = CommandHistory(
        chargers=ctx.services.deps.chargers,
        commands=ctx.services.deps.commands,
        engine=ctx.services.engine,
    )

    @routes.get(
        "/api/chargers/<chargePointId>/commands",
        tags=TAGS,
        summary="A charger's commands, newest first (paged, filtered)",
        description="Each command as `GET .../commands/{commandId}` shows it (a pending one "
        "past its deadline shows as timeout). Commands are kept a week. A page may hold fewer "
        "than `limit` commands while `nextCursor` says more follow (a filter left some out).",
        responses=errors(400, 404),
    )
    def list_commands(
        chargePointId: str,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = (
            DEFAULT_PAGE_SIZE
        ),
        cursor: Annotated[
            str | None, Query(max_length=4096, description="nextCursor of the previous page")
        ] = None,
        action: Annotated[
            str | None,
            Query(min_length=1, max_length=64, description="Only this OCPP action, e.g. Reset"),
        ] = None,
        status: Annotated[CommandStatus | None, Query(description="Only this outcome")] = None,
    ) -> CommandPage:
        page = history.page(path_value(chargePointId), limit, cursor, action, status)
        return CommandPage.of(page.items, page.next_cursor)

    @routes.get(
        "/api/chargers/<chargePointId>/commands/<commandId>",
        tags=TAGS,
        summary="A command and its outcome",
        responses=errors(404),
    )
    def get_command(chargePointId: str, commandId: str) -> CommandView:
        record = engine_of().get(path_value(chargePointId), path_value(commandId))
        if record is None:
            raise NotFound(f"command {path_value(commandId)!r} not found")
        return CommandView.of(record)

    @routes.post(
        "/api/chargers/<chargePointId>/local-list",
        tags=TAGS,
        summary="Send the local authorization list (SendLocalList) built from the id tags",
        responses=OUTCOMES,
    )
    def send_local_list(
        chargePointId: str, update: LocalListUpdate, wait: Wait = True
    ) -> Response[CommandView]:
        sent = ctx.services.local_lists.send(
            path_value(chargePointId),
            update.updateType,
            ctx.now(),
            id_tags=update.idTags,
            requested_by=ctx.operator(),
        )
        return outcome(sent, wait, MAX_SYNC_WAIT_S, CommandView.of)

    def reservation_view(charge_point_id: str, reservation_id: int) -> ReservationView:
        record = ctx.services.deps.reservations.get(charge_point_id, reservation_id)
        if record is None:
            raise NotFound(f"reservation {reservation_id} not found")
        return ReservationView.of(record.view(ctx.now()))

    def with_reservation(
        charge_point_id: str, reservation_id: int
    ) -> tuple[Callable[[CommandRecord], BaseModel], Callable[[CommandRecord], dict[str, Any]]]:
        def view(command: CommandRecord) -> ReservationCommand:
            return ReservationCommand(
                reservation=reservation_view(charge_point_id, reservation_id),
                command=CommandView.of(command),
            )

        def extra(command: CommandRecord) -> dict[str, Any]:
            reservation = reservation_view(charge_point_id, reservation_id)
            return {"reservation": reservation.model_dump(mode="json")}

        return view, extra

    @routes.post(
        "/api/chargers/<chargePointId>/reservations",
        tags=TAGS,
        summary="Reserve a connector (ReserveNow)",
        responses={**OUTCOMES, 202: body("Sent (wait=false)", ReservationCommand)},
    )
    def reserve(
        chargePointId: str, request: ReservationRequest, wait: Wait = True
    ) -> Response[ReservationCommand]:
        charge_point_id = path_value(chargePointId)
        ctx.services.charger_admin.get(charge_point_id)  # 404 before a reservation is recorded
        reservation, sent = ctx.services.reservations.reserve(
            charge_point_id,
            request.connectorId,
            request.idTag,
            request.expiryDate,
            ctx.now(),
            parent_id_tag=request.parentIdTag,
            requested_by=ctx.operator(),
            id_token_type=request.idTokenType,
            connector_type=request.connectorType,
        )
        view, extra = with_reservation(charge_point_id, reservation.reservation_id)
        return outcome(sent, wait, MAX_SYNC_WAIT_S, view, extra)

    @routes.get(
        "/api/chargers/<chargePointId>/reservations",
        tags=TAGS,
        summary="A charger's reservations",
        responses=errors(404),
    )
    def list_reservations(chargePointId: str) -> ReservationList:
        charge_point_id = path_value(chargePointId)
        ctx.services.charger_admin.get(charge_point_id)
        now = ctx.now()
        return ReservationList(
            chargePointId=charge_point_id,
            items=[
                ReservationView.of(r.view(now))
                for r in ctx.services.deps.reservations.list_for(charge_point_id)
            ],
        )

    @routes.delete(
        "/api/chargers/<chargePointId>/reservations/<reservationId>",
        tags=TAGS,
        summary="Cancel a reservation (CancelReservation)",
        responses={**OUTCOMES, 202: body("Sent (wait=false)", ReservationCommand)},
    )
    def cancel_reservation(
        chargePointId: str, reservationId: int, wait: Wait = True
    ) -> Response[ReservationCommand]:
        charge_point_id = path_value(chargePointId)
        sent = ctx.services.reservations.cancel(
            charge_point_id, reservationId, requested_by=ctx.operator()
        )
        view, extra = with_reservation(charge_point_id, reservationId)
        return outcome(sent, wait, MAX_SYNC_WAIT_S, view, extra)
