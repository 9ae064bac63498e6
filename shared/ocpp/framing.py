"""OCPP-J RPC framing: CALL [2, id, action, payload], CALLRESULT [3, id, payload],
CALLERROR [4, id, code, description, details]."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.ocpp.errors import ErrorKind

CALL = 2
CALL_RESULT = 3
CALL_ERROR = 4

MAX_MESSAGE_ID_LENGTH = 36
# Used as the message id of a CALLERROR when the offending frame's id could not be read
# (OCPP 2.0.1 part 4, RpcFrameworkError).
UNKNOWN_MESSAGE_ID = "-1"


@dataclass(frozen=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CallError:
    message_id: str
    code: str
    description: str
    details: dict[str, Any] = field(default_factory=dict)


Frame = Call | CallResult | CallError


class FrameError(Exception):
    """A frame that cannot be read as OCPP-J.

    `message_id` is the frame's id when it could be read; `reply` says whether the sender should
    get a CALLERROR (never for something that looked like a CALLRESULT or CALLERROR).
    """

    def __init__(
        self,
        kind: ErrorKind,
        description: str,
        message_id: str | None = None,
        *,
        reply: bool = True,
    ) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.message_id = message_id
        self.reply = reply


def _read_message_id(frame: list[Any]) -> str | None:
    if len(frame) < 2:
        return None
    message_id = frame[1]
    if isinstance(message_id, str) and 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH:
        return message_id
    return None


_raw_decode = json.JSONDecoder().raw_decode


def _loads(raw: str | bytes) -> Any:
    """json.loads, without its per-call overhead for the usual frame (text, no whitespace
    around it); anything else takes json.loads itself, with its errors."""
    if isinstance(raw, str):
        try:
            value, end = _raw_decode(raw)
        except ValueError:
            pass
        else:
            if end == len(raw):
                return value
    return json.loads(raw)


REPLACEMENT_CHARACTER = "\ufffd"


def _is_surrogate(char: str) -> bool:
    return "\ud800" <= char <= "\udfff"


def _clean_text(text: str) -> str:
    if not any(map(_is_surrogate, text)):
        return text
    return "".join(REPLACEMENT_CHARACTER if _is_surrogate(c) else c for c in text)


def without_lone_surrogates(value: Any) -> Any:
    """`value` with every unpaired UTF-16 surrogate replaced by U+FFFD.

    JSON may escape one ("\ud800"); json decodes it into a str that no UTF-8 encoder (DynamoDB,
    logs, hashing, the reply) accepts. Paired escapes were already joined into one character.
    """
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_clean_text(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def _may_hold_surrogates(raw: str | bytes) -> bool:
    """Cheap pre-check: a surrogate can only come from a \\uD800-\\uDFFF escape."""
    marker = "\\ud" if isinstance(raw, str) else b"\\ud"
    upper = "\\uD" if isinstance(raw, str) else b"\\uD"
    return marker in raw or upper in raw  # type: ignore[operator]


def parse_frame(raw: str | bytes) -> Frame:
    """Read one OCPP-J frame; raise FrameError for anything that is not one.

    Unpaired surrogates in the payload become U+FFFD (every message is still processed and
    acknowledged; a stop is never refused for a broken string). The message id is kept as sent:
    the reply must carry it back, escaped (see `_dumps_frame`).
    """
    try:
        frame = _loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameError(ErrorKind.RPC_FRAMEWORK_ERROR, "message is not valid JSON") from exc
    if isinstance(frame, list) and len(frame) > 2 and _may_hold_surrogates(raw):
        frame = frame[:2] + without_lone_surrogates(frame[2:])
    if not isinstance(frame, list) or not frame:
        raise FrameError(ErrorKind.RPC_FRAMEWORK_ERROR, "message is not a JSON array")

    message_type = frame[0]
    message_id = _read_message_id(frame)
    if isinstance(message_type, bool) or message_type not in (CALL, CALL_RESULT, CALL_ERROR):
        raise FrameError(
            ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED,
            f"message type {message_type!r} is not supported",
            message_id,
        )
    is_reply = message_type != CALL
    if message_id is None:
        raise FrameError(
            ErrorKind.RPC_FRAMEWORK_ERROR,
            f"message id must be a string of 1 to {MAX_MESSAGE_ID_LENGTH} characters",
            reply=not is_reply,
        )

    if message_type == CALL:
        if len(frame) != 4 or not isinstance(frame[2], str) or not frame[2]:
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK_ERROR,
                "a CALL must be [2, messageId, action, payload]",
                message_id,
            )
        if not isinstance(frame[3], dict):
            raise FrameError(
                ErrorKind.FORMAT_VIOLATION,
                "the payload of a CALL must be a JSON object",
                message_id,
            )
        return Call(message_id, frame[2], frame[3])

    if message_type == CALL_RESULT:
        if len(frame) != 3 or not isinstance(frame[2], dict):
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK_ERROR,
                "a CALLRESULT must be [3, messageId, payload]",
                message_id,
                reply=False,
            )
        return CallResult(message_id, frame[2])

    if (
        len(frame) != 5
        or not isinstance(frame[2], str)
        or not isinstance(frame[3], str)
        or not isinstance(frame[4], dict)
    ):
        raise FrameError(
            ErrorKind.RPC_FRAMEWORK_ERROR,
            "a CALLERROR must be [4, messageId, errorCode, errorDescription, errorDetails]",
            message_id,
            reply=False,
        )
    return CallError(message_id, frame[2], frame[3], frame[4])


def _compact_encoder() -> Callable[[Any], str]:
    """Compact JSON, UTF-8 kept as is: json.dumps(separators=(",", ":"), ensure_ascii=False).

    JSONEncoder.encode builds its C encoder anew on every call (about half the cost of
    writing a small reply); this builds it once. Without circular-reference markers: frames are
    plain trees of dicts and lists (and a shared markers dict would keep stale entries after a
    failed encode).
    """
    encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the pure-Python encoder
        return encoder.encode
    # (markers, default, encode_str, indent, key_sep, item_sep, sort_keys, skipkeys, allow_nan)
    iterencode = make(
        None, encoder.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )

    def dumps(value: Any) -> str:
        return "".join(iterencode(value, 0))

    return dumps


_dumps = _compact_encoder()


def _dumps_frame(message_id: str, frame: list[Any]) -> str:
    """The frame as text that is always valid UTF-8: a message id that is not plain ASCII
    (rare; it may hold an unpaired surrogate a charger sent) is written with JSON escapes."""
    if message_id.isascii():
        return _dumps(frame)
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=True)


def encode_call(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return _dumps_frame(message_id, [CALL, message_id, action, payload])


def encode_call_result(message_id: str, payload: dict[str, Any]) -> str:
    return _dumps_frame(message_id, [CALL_RESULT, message_id, payload])


def encode_call_error(
    message_id: str, code: str, description: str, details: dict[str, Any] | None = None
) -> str:
    return _dumps_frame(message_id, [CALL_ERROR, message_id, code, description, details or {}])
