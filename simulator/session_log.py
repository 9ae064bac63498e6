"""What a charging session sent: each message with its answer, recorded as it goes out.

The charger's message methods call `record` for every message; while a session runs (inside
`recording`) the messages land in that session's list, elsewhere they are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from simulator.offline_queue import QueuedMessage


@dataclass(eq=False)
class SessionMessage:
    """A message a session sent or queued, with the answer once there is one."""

    action: str
    payload: dict[str, Any]
    queued: QueuedMessage | None = None
    answer: dict[str, Any] | None = None

    @property
    def offline(self) -> bool:
        """Created while the charger was offline (delivered later, if at all)."""
        return self.queued is not None and self.queued.offline

    @property
    def response(self) -> dict[str, Any] | None:
        return self.queued.response if self.queued is not None else self.answer


# The message list of the session running in the current task (None outside sessions), so the
# charger's message methods can record into it without an extra parameter on each of them.
_recorder: ContextVar[list[SessionMessage] | None] = ContextVar("session_messages", default=None)


def record(
    action: str, payload: dict[str, Any], queued: QueuedMessage | None = None
) -> SessionMessage:
    message = SessionMessage(action, payload, queued)
    messages = _recorder.get()
    if messages is not None:
        messages.append(message)
    return message


@contextmanager
def recording(messages: list[SessionMessage]) -> Iterator[None]:
    """Record the messages of the current task (a session) into `messages`."""
    token = _recorder.set(messages)
    try:
        yield
    finally:
        _recorder.reset(token)
