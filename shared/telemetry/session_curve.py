"""A session's energy curve: the live-energy readings the telemetry consumer stored, between
the session's start and stop (docs/adr/0034-session-curves-and-network-energy.md).

Each stored point is a pair of integers kept small on the session item: (seconds, Wh) since
the session's start when the consumer knows the start (it learns it from the session its
first write returns), else the reading itself, (epoch seconds, register Wh). Epoch seconds
are at least ABSOLUTE_FROM; no session runs that long, so the two kinds never mix up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from shared.models.transaction import TransactionRecord
from shared.ports import CurvePoint
from shared.timeutil import iso_utc, parse_timestamp

# 2001-09-09T01:46:40Z: any reading's epoch seconds are above it, any session's offset below.
ABSOLUTE_FROM = 1_000_000_000


@dataclass(frozen=True)
class CurveOrigin:
    """A session's start, as curve points are made relative to it."""

    epoch_s: int
    meter_wh: int

    @classmethod
    def of(cls, session: TransactionRecord) -> CurveOrigin | None:
        started = parse_timestamp(session.started_at) if session.started_at else None
        if started is None or session.meter_start_wh is None:
            return None
        return cls(int(started.timestamp()), session.meter_start_wh)


def encode_point(at: datetime, energy_wh: int, origin: CurveOrigin | None) -> CurvePoint:
    """The stored point of a reading: relative to the session's start when it is known."""
    epoch_s = int(at.timestamp())
    if origin is None:
        return (epoch_s, energy_wh)
    return (epoch_s - origin.epoch_s, energy_wh - origin.meter_wh)


@dataclass(frozen=True)
class PowerPoint:
    at: str  # RFC 3339 UTC
    energy_wh: int  # since the session's start
    power_w: int | None  # mean power since the previous point; None on the first


def curve_points(session: TransactionRecord, stored: tuple[CurvePoint, ...]) -> list[PowerPoint]:
    """The session's curve: its start (energy 0), the stored readings strictly between start
    and stop in reading order, and its stop when it stopped. A session without a start
    reading has no curve; readings below the start (a meter reset) are left out."""
    origin = CurveOrigin.of(session)
    if origin is None or session.started_at is None:
        return []
    start = parse_timestamp(session.started_at)
    if start is None:
        return []
    stop = parse_timestamp(session.stopped_at) if session.stopped_at else None
    # (seconds since the start, Wh since the start, timestamp)
    moments: list[tuple[float, int, str]] = [(0.0, 0, iso_utc(start))]
    start_s = start.timestamp()
    stop_s = stop.timestamp() - start_s if stop is not None else None
    for first, second in stored:
        if first >= ABSOLUTE_FROM:
            seconds, energy = first - start_s, second - origin.meter_wh
        else:
            seconds, energy = first + origin.epoch_s - start_s, second
        if seconds <= moments[-1][0] or energy < 0:
            continue  # before the start (clock skew), or not after the previous point
        if stop_s is not None and seconds >= stop_s:
            continue  # the stop's own reading ends the curve
        moments.append((seconds, energy, iso_utc(datetime.fromtimestamp(start_s + seconds, UTC))))
    if stop is not None and stop_s is not None and stop_s > 0 and session.meter_stop_wh is not None:
        energy = session.meter_stop_wh - origin.meter_wh
        if energy >= 0:
            moments.append((stop_s, energy, iso_utc(stop)))
    points: list[PowerPoint] = []
    previous: tuple[float, int, str] | None = None
    for moment in moments:
        power = None
        if previous is not None and moment[0] > previous[0]:
            power = round((moment[1] - previous[1]) * 3600 / (moment[0] - previous[0]))
        points.append(PowerPoint(moment[2], moment[1], power))
        previous = moment
    return points
