"""Reading payload fields into the types the logic expects, whatever a charger sent.

The schemas guarantee types for strict chargers, but not sizes: an "integer" may have forty
digits, more than DynamoDB stores. A lenient charger's payload may also hold a "12.5" where an
integer belongs (its type violations are tolerated at the schema). Handlers read fields through
these functions, so nothing but a checked value reaches the logic: an integer that is not one,
or one out of range, is a clear CALLERROR instead of an InternalError further down.
"""

from __future__ import annotations

import re
from typing import Any

from shared.ocpp.errors import ErrorKind, OcppError

# Identifiers and counters in OCPP are 32-bit in practice (1.6 transaction ids are signed
# 32-bit); larger values are a charger's bug, not data to store.
MAX_ID = 2**31 - 1
# The largest energy register reading the platform accepts: 10^15 Wh (a terawatt-hour) is far
# beyond any meter, and stays well inside what DynamoDB and a float hold exactly.
MAX_METER_WH = 10**15
_INTEGER_TEXT = re.compile(r"[+-]?\d{1,19}(?:\.0*)?")


def as_integer(value: Any) -> int | None:
    """`value` as an int when it is exactly one (1, 1.0, "1", "1.0"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return int(value.strip().split(".", 1)[0])
    return None


def integer(payload: dict[str, Any], name: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """A required integer field within [minimum, maximum]; OcppError otherwise."""
    value = as_integer(payload.get(name))
    if value is None:
        raise OcppError(
            ErrorKind.TYPE_CONSTRAINT_VIOLATION,
            f"{name} must be an integer",
            {"path": name},
        )
    if not minimum <= value <= maximum:
        raise OcppError(
            ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
            f"{name} must be within {minimum} and {maximum}",
            {"path": name},
        )
    return value


def optional_integer(
    payload: dict[str, Any], name: str, *, minimum: int = 0, maximum: int = MAX_ID
) -> int | None:
    if payload.get(name) is None:
        return None
    return integer(payload, name, minimum=minimum, maximum=maximum)


def meter_wh(value: Any) -> int | None:
    """An energy register reading in Wh, or None when it is not a usable one (not an integer,
    negative, or beyond MAX_METER_WH): such a session is flagged, never refused."""
    reading = as_integer(value)
    if reading is None or not 0 <= reading <= MAX_METER_WH:
        return None
    return reading


def text(payload: dict[str, Any], name: str, default: str = "") -> str:
    """A string field; anything else a lenient charger sent becomes its JSON-ish text."""
    value = payload.get(name)
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def optional_text(payload: dict[str, Any], name: str) -> str | None:
    """An optional string field: None when absent."""
    return None if payload.get(name) is None else text(payload, name)


def as_object(value: Any) -> dict[str, Any]:
    """A nested object, or an empty one where a lenient charger sent something else."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """A nested list, or an empty one where a lenient charger sent something else."""
    return value if isinstance(value, list) else []


def optional_id(value: Any) -> int | None:
    """An optional id (connector, EVSE, reservation) where a CALLERROR would jam a charger's
    queue: None unless a usable integer within 0..MAX_ID."""
    number = as_integer(value)
    return number if number is not None and 0 <= number <= MAX_ID else None
