"""A session's energy curve: what the telemetry consumer stores and what the API makes of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from shared.models.transaction import TransactionRecord
from shared.ports import MAX_CURVE_POINTS
from shared.telemetry.session_curve import (
    ABSOLUTE_FROM,
    CurveOrigin,
    PowerPoint,
    curve_points,
    encode_point,
)
from shared.telemetry.session_progress import SessionProgress
from tests.unit.transactions.helpers import Station, make_deps, ts
from tests.unit.transactions.test_consumers import NOW, record, started_session

START_EPOCH = int(datetime(2026, 6, 1, 10, tzinfo=UTC).timestamp())


def session(**changes) -> TransactionRecord:
    base = TransactionRecord(
        "CP1",
        "7",
        "active",
        meter_start_wh=1000,
        started_at="2026-06-01T10:00:00.000Z",
    )
    return replace(base, **changes)


def shown(deps, tx: str) -> list[tuple[str, int, int | None]]:
    stored = deps.transactions.curve("CP1", tx)
    return [(p.at, p.energy_wh, p.power_w) for p in curve_points(stored.session, stored.points)]


def test_each_live_energy_write_appends_one_point_the_first_absolute_then_relative():
    deps = make_deps()
    tx = started_session(deps)
    progress = SessionProgress(deps.transactions, deps.publisher, write_interval_s=300)
    for minute, wh in ((5, 1500), (7, 1600), (10, 2000), (20, 2500)):
        assert progress.apply([(f"s{minute}", record(tx, wh, minute))], NOW) == []
    # The minute-7 reading came within the write interval: neither live energy nor curve.
    stored = deps.transactions.curve("CP1", tx).points
    assert stored == ((START_EPOCH + 300, 1500), (600, 1000), (1200, 1500))
    assert shown(deps, tx) == [
        ("2026-06-01T10:00:00.000Z", 0, None),
        ("2026-06-01T10:05:00.000Z", 500, 6000),
        ("2026-06-01T10:10:00.000Z", 1000, 6000),
        ("2026-06-01T10:20:00.000Z", 1500, 3000),
    ]


def test_a_replayed_or_older_batch_adds_no_point():
    deps = make_deps()
    tx = started_session(deps)
    progress = SessionProgress(deps.transactions, deps.publisher)
    batch = [("s1", record(tx, 1500, 5)), ("s2", record(tx, 1900, 9))]
    progress.apply(batch, NOW)
    progress.apply(batch, NOW)  # Kinesis redelivers the batch
    progress.apply([("s0", record(tx, 1200, 2))], NOW)  # an older batch, late
    # A new consumer (cold container) sees the same batch again: still nothing added.
    SessionProgress(deps.transactions, deps.publisher).apply(batch, NOW)
    assert [energy for _, energy, _ in shown(deps, tx)] == [0, 900]


def test_the_curve_stops_growing_at_its_cap_while_the_live_energy_moves_on():
    deps = make_deps()
    tx = started_session(deps)
    progress = SessionProgress(deps.transactions, deps.publisher)
    for n in range(1, MAX_CURVE_POINTS + 3):
        progress.apply([(f"s{n}", record(tx, 1000 + 10 * n, n))], NOW)
    stored = deps.transactions.curve("CP1", tx)
    assert len(stored.points) == MAX_CURVE_POINTS
    assert stored.points[-1] == (MAX_CURVE_POINTS * 60, 10 * MAX_CURVE_POINTS)
    assert stored.session.last_meter_wh == 1000 + 10 * (MAX_CURVE_POINTS + 2)


def test_the_stop_ends_the_curve_and_later_readings_are_not_shown():
    deps = make_deps()
    station = Station(deps)
    tx = started_session(deps)
    progress = SessionProgress(deps.transactions, deps.publisher)
    progress.apply([("s1", record(tx, 1600, 10))], NOW)
    station.call(
        "StopTransaction", {"transactionId": int(tx), "meterStop": 2200, "timestamp": ts(20)}
    )
    progress.apply([("s2", record(tx, 2300, 25))], NOW)  # sent after the stop
    assert shown(deps, tx) == [
        ("2026-06-01T10:00:00.000Z", 0, None),
        ("2026-06-01T10:10:00.000Z", 600, 3600),
        ("2026-06-01T10:20:00.000Z", 1200, 3600),
    ]


def test_points_decode_both_kinds_and_power_is_the_mean_since_the_previous_point():
    stored = ((START_EPOCH + 1800, 2000), (3600, 2500), (5400, 2500))
    assert curve_points(session(), stored) == [
        PowerPoint("2026-06-01T10:00:00.000Z", 0, None),
        PowerPoint("2026-06-01T10:30:00.000Z", 1000, 2000),
        PowerPoint("2026-06-01T11:00:00.000Z", 2500, 3000),
        PowerPoint("2026-06-01T11:30:00.000Z", 2500, 0),
    ]
    stopped = session(stopped_at="2026-06-01T11:15:00.000Z", meter_stop_wh=4000)
    assert [(p.energy_wh, p.power_w) for p in curve_points(stopped, stored)] == [
        (0, None),
        (1000, 2000),
        (2500, 3000),
        (3000, 2000),  # the stop; the 11:30 reading after it is not shown
    ]


def test_points_out_of_place_are_left_out():
    stored = (
        (-60, 10),  # before the start (a charger clock behind)
        (0, 0),  # the start itself
        (600, 500),
        (600, 700),  # same second as the previous point
        (900, -100),  # below the start: a meter reset
        (1200, 900),
    )
    assert [(p.energy_wh, p.power_w) for p in curve_points(session(), stored)] == [
        (0, None),
        (500, 3000),
        (900, 2400),
    ]


def test_a_session_without_a_start_reading_has_no_curve():
    assert curve_points(session(meter_start_wh=None), ((600, 500),)) == []
    assert curve_points(session(started_at=None), ((600, 500),)) == []


def test_encoding_is_relative_to_the_start_once_it_is_known():
    at = datetime(2026, 6, 1, 10, 5, 30, 500_000, tzinfo=UTC)
    assert encode_point(at, 1700, None) == (START_EPOCH + 330, 1700)
    origin = CurveOrigin.of(session())
    assert encode_point(at, 1700, origin) == (330, 700)
    assert START_EPOCH + 330 >= ABSOLUTE_FROM > 330
