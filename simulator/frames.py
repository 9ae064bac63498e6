"""OCPP-J framing: building and parsing CALL / CALLRESULT / CALLERROR frames.

The same array framing serves OCPP 1.6J and 2.0.1 (RPC framework of both editions).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from simulator.errors import FrameError

CALL = 2
CALLRESULT = 3
CALLERROR = 4

# 2.0.1 limits message ids to 36 characters; a uuid4 string is exactly 36.
MAX_MESSAGE_ID_LENGTH = 36


@dataclass(frozen=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return _dump([CALL, self.message_id, self.action, self.payload])


@dataclass(frozen=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return _dump([CALLRESULT, self.message_id, self.payload])


@dataclass(frozen=True)
class CallError:
    message_id: str
    code: str
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return _dump([CALLERROR, self.message_id, self.code, self.description, self.details])


Frame = Call | CallResult | CallError


def new_message_id() -> str:
    return str(uuid.uuid4())


def utc_timestamp(moment: datetime | None = None) -> str:
    """RFC 3339 UTC with millisecond precision and a 'Z' suffix, as both editions expect."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_frame(text: str) -> Frame:
    """Parse one received frame; raise FrameError naming what is wrong."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FrameError(f"not JSON: {exc}") from exc
    if not isinstance(data, list) or len(data) < 3:
        raise FrameError("not an OCPP-J array of at least 3 elements")
    message_type, message_id = data[0], data[1]
    if not isinstance(message_id, str):
        raise FrameError("message id is not a string")
    if message_type == CALL and len(data) == 4:
        action, payload = data[2], data[3]
        if isinstance(action, str) and isinstance(payload, dict):
            return Call(message_id, action, payload)
        raise FrameError("CALL needs a string action and an object payload")
    if message_type == CALLRESULT and len(data) == 3:
        if isinstance(data[2], dict):
            return CallResult(message_id, data[2])
        raise FrameError("CALLRESULT payload is not an object")
    if message_type == CALLERROR and len(data) == 5:
        code, description, details = data[2], data[3], data[4]
        if isinstance(code, str) and isinstance(description, str) and isinstance(details, dict):
            return CallError(message_id, code, description, details)
        raise FrameError("CALLERROR needs string code, string description and object details")
    raise FrameError(
        f"unknown message type or wrong length: type {message_type!r}, {len(data)} items"
    )


def _dump(frame: list[Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
