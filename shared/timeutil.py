"""Timestamps as the platform writes them: RFC 3339, UTC, millisecond precision, 'Z'."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def iso_utc(moment: datetime) -> str:
    """A naive moment is taken as UTC. (isoformat: a third of strftime's cost, on every
    Heartbeat and BootNotification reply.)"""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def from_epoch_ms(epoch_ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=epoch_ms)


def to_epoch_ms(moment: datetime) -> int:
    """Exact (integer arithmetic): float seconds round 9999-12-31T23:59:59.999Z up a year."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MILLISECOND


# Leap seconds: RFC 3339 allows second 60, Python's datetime does not.
_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}:)60(?=[.,Z+\-]|$)", re.IGNORECASE)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def parse_timestamp(value: object) -> datetime | None:
    """A charger-supplied timestamp in UTC, or None if it is not a readable date-time.

    Always a datetime the rest of the platform can convert and format: second 60 (a leap
    second) reads as the last millisecond of its minute, and moments that fall outside
    datetime's range once moved to UTC (0001-01-01T00:00:00+01:00) are clamped to its edges.
    The same text always gives the same moment, so a replayed message keeps its identity.
    """
    if not isinstance(value, str):
        return None
    text, leap = _LEAP_SECOND.subn(r"\g<1>59", value, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if leap:
        parsed = parsed.replace(microsecond=999_000)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        offset = parsed.utcoffset()
        return _EARLIEST if offset is not None and offset > timedelta(0) else _LATEST


def utc_now() -> datetime:
    return datetime.now(UTC)
