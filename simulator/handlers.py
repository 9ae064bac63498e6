"""The table of handlers a charger answers the CALLs of a CSMS with.

A handler receives the charger (as a ChargerApi) and the CALL payload and returns the
CALLRESULT payload, or raises CallErrorReply to answer with a CALLERROR. Actions without a
handler are answered with NotImplemented (spelled the same in 1.6 and 2.0.1).

`default_handlers()` answers every command of simulator/command_handlers/ as a working
charger would; `default_handlers(accept=False)` refuses them all and
`default_handlers(reject={"Reset"})` only those named. `CommandHandlerTable()` is empty:
every command gets NotImplemented.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from simulator.command_handlers import COMMANDS, ChargerApi

ActionHandler = Callable[[ChargerApi, dict[str, Any]], Awaitable[dict[str, Any]]]


class CommandHandlerTable:
    """Handlers by (protocol, action); a handler registered without protocol serves both."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str | None, str], ActionHandler] = {}

    def register(self, action: str, handler: ActionHandler, protocol: str | None = None) -> None:
        """The latest registration wins: one without protocol replaces the action's
        protocol-specific handlers too."""
        if protocol is None:
            for key in [key for key in self._handlers if key[1] == action]:
                del self._handlers[key]
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


def default_handlers(*, accept: bool = True, reject: Collection[str] = ()) -> CommandHandlerTable:
    """The command handlers of a charger that behaves like a real one (1.6 and 2.0.1).

    accept=False makes it refuse every command; `reject` names the actions it refuses while
    it answers the others (both versions). A refusal is the command's negative answer:
    Rejected, UnlockFailed, Failed (SendLocalList), listVersion -1, no diagnostics file, a
    firmware download that fails, every variable Rejected, ...
    """
    known = {action for commands in COMMANDS.values() for action in commands}
    unknown = set(reject) - known
    if unknown:
        raise ValueError(f"no default handler for {', '.join(sorted(unknown))}")
    table = CommandHandlerTable()
    for protocol, commands in COMMANDS.items():
        for action, command in commands.items():
            refused = not accept or action in reject
            table.register(action, command.refuse if refused else command.answer, protocol)
    return table
