"""Routes OCPP-J frames from a charger to handler functions and turns every outcome into a reply.

`Router.handle` is the whole inbound protocol: parse the frame, refuse a CALL its charger's
registration does not allow, validate a CALL against its schema, call the handler for (version,
action), validate what the handler answers, and write the CALLRESULT or CALLERROR. CALLRESULTs
and CALLERRORs (answers to our own CALLs) go to the reply handler and are never answered. No
input can make it raise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from shared.ocpp.errors import ErrorKind, OcppError, wire_code
from shared.ocpp.framing import (
    UNKNOWN_MESSAGE_ID,
    Call,
    CallError,
    CallResult,
    FrameError,
    encode_call_error,
    encode_call_result,
    parse_frame,
)
from shared.ocpp.validation import (
    LENIENT_TOLERATED,
    OcppSchemas,
    Validator,
    default_schemas,
    violation_of,
)
from shared.ocpp.versions import OcppVersion

logger = logging.getLogger("csms.ocpp.router")

ADMISSION_ACTION = "BootNotification"


class MessageContext(NamedTuple):
    """Who sent a frame and when, as known from the connection.

    Immutable; a NamedTuple rather than a frozen dataclass because it is built twice per
    message (without, then with the frame's id) and a frozen dataclass costs three times as
    much to build.
    """

    charge_point_id: str
    connection_id: str
    version: OcppVersion
    received_at: datetime
    lenient: bool = False
    message_id: str = ""
    # False for a charger whose registration was not Accepted when it connected: anything but
    # BootNotification asks the router's registration check first.
    admitted: bool = True


CallHandler = Callable[[MessageContext, dict[str, Any]], dict[str, Any]]
ReplyHandler = Callable[[MessageContext, CallResult | CallError], None]
# Whether a charger not admitted at connect may send this CALL now: (charger id, version,
# action, payload, received at). The payload is not validated yet.
RegistrationCheck = Callable[[str, OcppVersion, str, dict[str, Any], datetime], bool]


def _drop_reply(ctx: MessageContext, reply: CallResult | CallError) -> None:
    logger.warning(
        "reply to an unknown CALL dropped",
        extra={"chargePointId": ctx.charge_point_id, "messageId": reply.message_id},
    )


@dataclass
class Outcome:
    """What happened to one inbound frame: for metrics and logs."""

    action: str | None = None
    error: str | None = None
    tolerated_violation: str | None = None


@dataclass(frozen=True)
class _Route:
    """A routed action with its compiled request and response validators."""

    handler: CallHandler
    request: Validator
    response: Validator


@dataclass
class Router:
    schemas: OcppSchemas = field(default_factory=default_schemas)
    reply_handler: ReplyHandler = _drop_reply
    # None: a charger not admitted at connect may only boot.
    registration_check: RegistrationCheck | None = None
    _handlers: dict[tuple[OcppVersion, str], CallHandler] = field(default_factory=dict)
    # Filled on an action's first message (compiling every schema at registration would cost
    # each cold start the actions it never sees).
    _routes: dict[tuple[OcppVersion, str], _Route] = field(default_factory=dict)

    def route(self, version: OcppVersion, action: str, handler: CallHandler) -> None:
        if not self.schemas.has_schema(version, action):
            raise ValueError(f"{action} is not an OCPP {version.value} action a charger sends")
        self._handlers[(version, action)] = handler
        self._routes.pop((version, action), None)

    def _route_for(self, version: OcppVersion, action: str) -> _Route | None:
        route = self._routes.get((version, action))
        if route is None:
            handler = self._handlers.get((version, action))
            if handler is None:
                return None
            route = _Route(
                handler,
                self.schemas.validator(version, action, "request"),
                self.schemas.validator(version, action, "response"),
            )
            self._routes[(version, action)] = route
        return route

    def actions(self, version: OcppVersion) -> list[str]:
        return sorted(action for (v, action) in self._handlers if v is version)

    def handler(self, version: OcppVersion, action: str) -> CallHandler | None:
        """The handler registered for an action (None: answered NotImplemented)."""
        return self._handlers.get((version, action))

    def handle(self, ctx: MessageContext, raw: str, outcome: Outcome | None = None) -> str | None:
        """The reply frame for `raw` (None when nothing must be sent back)."""
        outcome = outcome if outcome is not None else Outcome()
        try:
            return self._handle(ctx, raw, outcome)
        except Exception:  # the last line of defence: a charger must always get an answer
            logger.exception("unexpected failure handling a frame")
            outcome.error = ErrorKind.INTERNAL_ERROR.value
            return encode_call_error(
                ctx.message_id or UNKNOWN_MESSAGE_ID,
                wire_code(ErrorKind.INTERNAL_ERROR, ctx.version),
                "internal error",
            )

    def _handle(self, ctx: MessageContext, raw: str, outcome: Outcome) -> str | None:
        try:
            frame = parse_frame(raw)
        except FrameError as exc:
            outcome.error = exc.kind.value
            logger.warning(
                "malformed frame",
                extra={"chargePointId": ctx.charge_point_id, "reason": exc.description},
            )
            if not exc.reply:
                return None
            return self._error(ctx, exc.message_id or UNKNOWN_MESSAGE_ID, exc.kind, exc.description)

        if isinstance(frame, CallResult | CallError):
            outcome.action = "Reply"
            try:
                self.reply_handler(_with_id(ctx, frame.message_id), frame)
            except Exception:
                # Never answered, whatever happened: a CALLERROR to a CALLRESULT is a protocol
                # violation. The command it answers runs into its deadline instead.
                outcome.error = ErrorKind.INTERNAL_ERROR.value
                logger.exception(
                    "reply from a charger could not be processed",
                    extra={"chargePointId": ctx.charge_point_id, "messageId": frame.message_id},
                )
            return None
        return self._handle_call(_with_id(ctx, frame.message_id), frame, outcome)

    def _handle_call(self, ctx: MessageContext, call: Call, outcome: Outcome) -> str:
        route = self._route_for(ctx.version, call.action)
        # Only routed action names become metric dimensions: a charger cannot invent new ones.
        outcome.action = call.action if route is not None else "Unrouted"
        if not ctx.admitted and call.action != ADMISSION_ACTION:
            # Not Accepted when it connected: BootNotification, and what the registration check
            # allows now (B02/B03: a Pending charger sends what we asked for; it may have been
            # accepted since). Its answers to our commands never get here: they always count.
            refusal = self._refusal(ctx, call, outcome)
            if refusal is not None:
                return refusal
        if route is None:
            outcome.error = "Unrouted"
            if self.schemas.has_schema(ctx.version, call.action):
                return self._error(
                    ctx,
                    call.message_id,
                    ErrorKind.NOT_SUPPORTED,
                    f"{call.action} is not supported by this central system",
                )
            return self._error(
                ctx,
                call.message_id,
                ErrorKind.NOT_IMPLEMENTED,
                f"unknown action {call.action[:64]!r} for {ctx.version.value}",
            )

        violation = violation_of(route.request, call.payload)
        if violation is not None:
            if ctx.lenient and violation.kind in LENIENT_TOLERATED:
                outcome.tolerated_violation = violation.kind.value
                logger.warning(
                    "schema violation tolerated (lenient charger)",
                    extra={
                        "chargePointId": ctx.charge_point_id,
                        "action": call.action,
                        "violation": violation.message,
                    },
                )
            else:
                outcome.error = violation.kind.value
                return self._ocpp_error(ctx, call.message_id, violation.to_error(call.action))

        try:
            response = route.handler(ctx, call.payload)
        except OcppError as exc:
            outcome.error = exc.kind.value
            return self._ocpp_error(ctx, call.message_id, exc)
        except Exception:
            return self._internal_error(ctx, call, outcome, "handler failed", exc_info=True)

        # Our own answers are checked too: a charger must never receive a non-conformant reply.
        invalid = violation_of(route.response, response)
        if invalid is not None:
            return self._internal_error(
                ctx,
                call,
                outcome,
                "handler produced an invalid response",
                violation=invalid.message,
            )
        return encode_call_result(call.message_id, response)

    def _refusal(self, ctx: MessageContext, call: Call, outcome: Outcome) -> str | None:
        """The CALLERROR for a CALL a charger not admitted at connect may not send; None if it
        may."""
        check = self.registration_check
        try:
            allowed = check is not None and check(
                ctx.charge_point_id, ctx.version, call.action, call.payload, ctx.received_at
            )
        except Exception:
            # Refused, but as a fault of ours: the charger may try again.
            return self._internal_error(
                ctx, call, outcome, "registration check failed", exc_info=True
            )
        if allowed:
            return None
        outcome.error = ErrorKind.SECURITY_ERROR.value
        return self._error(
            ctx,
            call.message_id,
            ErrorKind.SECURITY_ERROR,
            "the charger is not accepted: only BootNotification and what the central system "
            "asked for are served",
        )

    def _internal_error(
        self,
        ctx: MessageContext,
        call: Call,
        outcome: Outcome,
        what: str,
        *,
        exc_info: bool = False,
        violation: str | None = None,
    ) -> str:
        """A fault of ours with a CALL: logged (with the exception being handled, if any), and
        answered InternalError so the charger may send it again. The action in the answer is
        cut short: an unrouted CALL's name is the charger's to choose."""
        outcome.error = ErrorKind.INTERNAL_ERROR.value
        extra: dict[str, Any] = {"chargePointId": ctx.charge_point_id, "action": call.action[:64]}
        if violation is not None:
            extra["violation"] = violation
        logger.error(what, extra=extra, exc_info=exc_info)
        return self._error(
            ctx,
            call.message_id,
            ErrorKind.INTERNAL_ERROR,
            f"{call.action[:64]} could not be processed",
        )

    def _ocpp_error(self, ctx: MessageContext, message_id: str, error: OcppError) -> str:
        return self._error(ctx, message_id, error.kind, error.description, error.details)

    @staticmethod
    def _error(
        ctx: MessageContext,
        message_id: str,
        kind: ErrorKind,
        description: str,
        details: dict[str, Any] | None = None,
    ) -> str:
        return encode_call_error(
            message_id, wire_code(kind, ctx.version), description[:255], details
        )


def _with_id(ctx: MessageContext, message_id: str) -> MessageContext:
    return MessageContext(
        ctx.charge_point_id,
        ctx.connection_id,
        ctx.version,
        ctx.received_at,
        ctx.lenient,
        message_id,
        ctx.admitted,
    )
