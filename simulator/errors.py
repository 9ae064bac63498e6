"""Exceptions the simulator raises to its callers."""

from __future__ import annotations

from typing import Any


class SimulatorError(Exception):
    """Base class of every simulator failure."""


class ConnectionRefused(SimulatorError):
    """The server answered the WebSocket handshake with a non-101 HTTP status."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(
            f"handshake refused with HTTP {status}" + (f": {message}" if message else "")
        )
        self.status = status


class ConnectionFailed(SimulatorError):
    """The WebSocket could not be opened (DNS, TCP, TLS or handshake timeout)."""


class SubprotocolMismatch(SimulatorError):
    """The server accepted the WebSocket but did not select the subprotocol we offered."""

    def __init__(self, offered: str, selected: str | None) -> None:
        chosen = "none" if selected is None else repr(selected)
        super().__init__(f"offered subprotocol {offered!r}, server selected {chosen}")
        self.offered = offered
        self.selected = selected


class ConnectionLost(SimulatorError):
    """The WebSocket closed (or was never open) while a request needed it."""


class ResponseTimeout(SimulatorError, TimeoutError):
    """No CALLRESULT/CALLERROR arrived within the response timeout."""

    def __init__(self, action: str, message_id: str, timeout_s: float) -> None:
        super().__init__(f"no response to {action} ({message_id}) within {timeout_s:g} s")
        self.action = action
        self.message_id = message_id
        self.timeout_s = timeout_s


class CallErrorReceived(SimulatorError):
    """The server answered one of our CALLs with a CALLERROR."""

    def __init__(self, code: str, description: str, details: Any) -> None:
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description
        self.details = details


class FrameError(SimulatorError):
    """A received text is not a well-formed OCPP-J frame."""


class CallErrorReply(SimulatorError):
    """Raised by an action handler to answer a CSMS CALL with a CALLERROR."""

    def __init__(self, code: str, description: str = "", details: dict[str, Any] | None = None):
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description
        self.details = details or {}
