"""The charger's normal OCPP traffic, spoken through the `ocpp` package (mobilityhouse/ocpp).

Every CALL the simulator makes in its normal flow (boot, status, heartbeat, authorize,
transaction messages, meter values) and every answer it gives to a CSMS command goes through
`ocpp.v16.ChargePoint` / `ocpp.v201.ChargePoint`: the package builds the frames from its own
message classes and validates both directions against the official schemas. So every run is
also an interoperability check against an OCPP implementation this project did not write: a
CSMS answer the package rejects is counted as `invalid_response.<Action>`.

The charger keeps the socket, the reader and the accounting (pending calls, timeouts,
statistics): the link sends through `send` and gets its answers from the charger's reader.
Deliberate faults (malformed frames, unknown actions, invalid payloads) bypass it on the
charger's raw path (`call_raw`, `send_raw`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import ocpp.messages
from ocpp import v16, v201
from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)
from ocpp.exceptions import OCPPError

from simulator.errors import SimulatorError
from simulator.frames import Call, CallError, CallResult, Frame

# The package validates in a thread pool by default; inline is several times faster and a
# load run validates every frame twice.
ocpp.messages.ASYNC_VALIDATION = False

log = logging.getLogger("simulator.ocpp")
# The ocpp package logs every frame at INFO: too much beside the simulator's own one line per
# event (the local platform's demo chargers too). `python -m simulator -vv` turns it on.
log.setLevel(logging.WARNING)

Send = Callable[[str], Awaitable[None]]
# Waits for the answer to a message id: the charger's pending-call table.
AwaitAnswer = Callable[[str, float | None], Awaitable[Frame]]
# Answers a CSMS CALL: the result payload, or raises ocpp's OCPPError for a CALLERROR.
Answer = Callable[[Call], Awaitable[dict[str, Any]]]
Resolve = Callable[[str], Answer | None]
# Runs after the CALLRESULT went out (follow-ups such as a reboot after Reset).
AfterAnswer = Callable[[str], None]


class InvalidRequest(SimulatorError):
    """The simulator built a CALL (or an answer) the ocpp package does not accept: a
    simulator bug, or a deliberate fault that belongs on the raw path."""


class InvalidResponse(SimulatorError):
    """The CSMS answered with a payload the ocpp package rejects against the schema."""

    def __init__(self, action: str, error: Exception, payload: dict[str, Any]) -> None:
        super().__init__(f"{action} answer {payload} rejected by the ocpp package: {error}")
        self.action = action
        self.payload = payload


class _NoAnswer(Exception):
    def __init__(self, error: SimulatorError) -> None:
        super().__init__(str(error))
        self.error = error


class CommandRefused(OCPPError):  # type: ignore[misc]
    """A CALLERROR our command handler chose; the code is set per instance."""

    code = "GenericError"

    def __init__(self, code: str, description: str, details: dict[str, Any]) -> None:
        super().__init__(description, details)
        self.code = code


class _Connection:
    """What ocpp's ChargePoint expects of a connection; it never reads (the charger does)."""

    def __init__(self, send: Send) -> None:
        self.send = send

    async def recv(self) -> str:  # pragma: no cover - ChargePoint.start() is never used
        raise RuntimeError("the charger's reader delivers frames")


class _Routes(Mapping[str, dict[str, Any]]):
    """ocpp's route map, resolved when a CALL arrives: handlers can change at any time."""

    def __init__(self, link: _LinkMixin) -> None:
        self._link = link

    def __getitem__(self, action: str) -> dict[str, Any]:
        if self._link.resolve(action) is None:
            raise KeyError(action)
        return {
            "_on_action": self._link.on_command,
            "_after_action": self._link.after_command,
            "_skip_schema_validation": False,
        }

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class _LinkMixin:
    """The parts shared by the 1.6 and 2.0.1 links (ocpp's ChargePoint supplies the rest)."""

    _call: Any
    _call_result: Any
    _response_timeout: float
    call: Callable[..., Awaitable[Any]]
    route_message: Callable[[str], Awaitable[None]]

    def _setup(
        self, await_answer: AwaitAnswer, resolve: Resolve, after_answer: AfterAnswer
    ) -> None:
        self._await_answer = await_answer
        self.resolve = resolve
        self._after_answer = after_answer
        self.route_map = _Routes(self)
        self._answers: dict[str, Frame] = {}
        self._commands: dict[str, Call] = {}

    async def request(self, action: str, payload: dict[str, Any], message_id: str) -> Frame:
        """Send a CALL built from ocpp's message class and return the answer frame.

        Raises InvalidRequest when the package refuses the payload (nothing was sent) and
        InvalidResponse when it refuses the CSMS's CALLRESULT.
        """
        message = _build(self._call, action, payload)
        try:
            await self.call(message, suppress=True, unique_id=message_id)
        except _NoAnswer as wrapped:
            raise wrapped.error from None
        except (OCPPError, TypeError) as exc:
            answer = self._answers.pop(message_id, None)
            if answer is None:
                raise InvalidRequest(f"{action} {payload}: {exc}") from exc
            assert isinstance(answer, CallResult)
            raise InvalidResponse(action, exc, answer.payload) from exc
        return self._answers.pop(message_id)

    async def _get_specific_response(self, unique_id: str, timeout: float) -> Any:
        # Answers come from the charger's pending-call table, with its timeout and accounting.
        try:
            frame = await self._await_answer(unique_id, timeout)
        except SimulatorError as exc:
            # The package would replace a timeout with its own TimeoutError: carry ours past it.
            raise _NoAnswer(exc) from exc
        self._answers[unique_id] = frame
        if isinstance(frame, CallError):
            return ocpp.messages.CallError(unique_id, frame.code, frame.description, frame.details)
        assert isinstance(frame, CallResult)
        return ocpp.messages.CallResult(unique_id, frame.payload)

    async def answer(self, call: Call, text: str) -> None:
        """Answer a CSMS CALL through the package's routing, validation and framing."""
        self._commands[call.message_id] = call
        try:
            await self.route_message(text)
        finally:
            self._commands.pop(call.message_id, None)

    async def on_command(self, call_unique_id: str, **_fields: Any) -> Any:
        # The raw payload, not the package's snake_case copy: handlers speak OCPP's names.
        call = self._commands[call_unique_id]
        handler = self.resolve(call.action)
        assert handler is not None
        # An answer the package cannot carry as given is our bug: it answers InternalError.
        return _build(self._call_result, call.action, await handler(call))

    def after_command(self, call_unique_id: str, **_fields: Any) -> None:
        self._after_answer(call_unique_id)


def _build(messages: Any, action: str, payload: dict[str, Any]) -> Any:
    """The package's message object (module `call` or `call_result`) for a payload.

    The package sends what it rebuilds from the object's snake_case fields: refuse a payload
    that would not come out as given rather than send something else.
    """
    message_class = getattr(messages, action, None)
    if message_class is None:
        raise InvalidRequest(f"{action} is not an action the ocpp package knows")
    try:
        message = message_class(**camel_to_snake_case(payload))
    except TypeError as exc:
        raise InvalidRequest(f"{action} {payload}: {exc}") from exc
    rebuilt = snake_to_camel_case(remove_nones(serialize_as_dict(message)))
    if rebuilt != payload:
        raise InvalidRequest(f"{action}: the ocpp package would send {rebuilt}, not {payload}")
    return message


class Link16(_LinkMixin, v16.ChargePoint):  # type: ignore[misc]
    pass


class Link201(_LinkMixin, v201.ChargePoint):  # type: ignore[misc]
    pass


def open_link(
    protocol: str,
    charge_point_id: str,
    *,
    send: Send,
    await_answer: AwaitAnswer,
    resolve: Resolve,
    after_answer: AfterAnswer,
) -> Link16 | Link201:
    link_class = Link16 if protocol == "ocpp1.6" else Link201
    link = link_class(charge_point_id, _Connection(send), logger=log)
    link._setup(await_answer, resolve, after_answer)
    return link
