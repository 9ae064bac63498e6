"""What a command handler is: an answer and a refusal, each taking the charger and the CALL
payload and returning the CALLRESULT payload."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from simulator.command_handlers.charger_api import ChargerApi
from simulator.errors import CallErrorReceived, ConnectionLost, ResponseTimeout

Payload = dict[str, Any]
Answer = Callable[[ChargerApi, Payload], Awaitable[Payload]]

V16, V201 = "ocpp1.6", "ocpp2.0.1"
ACCEPTED: Payload = {"status": "Accepted"}
REJECTED: Payload = {"status": "Rejected"}


@dataclass(frozen=True)
class Command:
    """A command's answer and the refusal given instead when the charger refuses it."""

    answer: Answer
    refuse: Answer


def refusal(answer: Payload) -> Answer:
    """A refusal that always gives `answer`."""

    async def refuse(cp: ChargerApi, payload: Payload) -> Payload:
        return dict(answer)

    return refuse


async def quietly(call: Awaitable[Any]) -> None:
    """Send a follow-up message; failures are counted by the charger and otherwise ignored."""
    with contextlib.suppress(ConnectionLost, ResponseTimeout, CallErrorReceived):
        await call
