"""Registry of handlers for CALLs the CSMS sends to a charger.

A handler receives the charger and the CALL payload and returns the CALLRESULT payload, or
raises CallErrorReply to answer with a CALLERROR. Actions without a handler are answered
with NotImplemented (spelled the same in 1.6 and 2.0.1).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.charger import SimulatedCharger

ActionHandler = Callable[["SimulatedCharger", dict[str, Any]], Awaitable[dict[str, Any]]]


class HandlerRegistry:
    """Handlers by (protocol, action); a handler registered without protocol serves both."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str | None, str], ActionHandler] = {}

    def register(self, action: str, handler: ActionHandler, protocol: str | None = None) -> None:
        self._handlers[(protocol, action)] = handler

    def handler(
        self, action: str, protocol: str | None = None
    ) -> Callable[[ActionHandler], ActionHandler]:
        """Decorator form of register()."""

        def decorate(func: ActionHandler) -> ActionHandler:
            self.register(action, func, protocol)
            return func

        return decorate

    def resolve(self, protocol: str, action: str) -> ActionHandler | None:
        return self._handlers.get((protocol, action)) or self._handlers.get((None, action))


def default_handlers() -> HandlerRegistry:
    """The handlers every simulated charger starts with (none yet: all NotImplemented)."""
    return HandlerRegistry()
