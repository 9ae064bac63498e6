"""The grid limit of the moment and the price/carbon series (docs/adr/0050-grid-signals.md)."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.grid_signals import (
    CONNECTION,
    GridSignal,
    SignalError,
    limit_at,
    resolve_limit,
    signal_amps,
    step_series,
)

# more with GRID_SIGNALS_EXAMPLES=5000 before a release
EXAMPLES = settings(max_examples=int(os.environ.get("GRID_SIGNALS_EXAMPLES", "300")), deadline=None)
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
CONNECTION_A = (63.0, 63.0, 63.0)


def limit(
    start_min: int,
    end_min: int | None,
    amps: float | tuple[float, float, float] | None = None,
    *,
    watts: float | None = None,
    source: str = "vtn",
) -> GridSignal:
    per_phase = (amps, amps, amps) if isinstance(amps, int | float) else amps
    return GridSignal(
        source=source,
        kind="import_limit",
        start=T0 + timedelta(minutes=start_min),
        end=None if end_min is None else T0 + timedelta(minutes=end_min),
        received_at=T0 - timedelta(hours=1),
        amps=per_phase,
        watts=watts,
    )


def price(start_min: int, end_min: int, value: float, received_min: int = -60, **kw) -> GridSignal:
    return GridSignal(
        source=kw.get("source", "entsoe"),
        kind="price",
        start=T0 + timedelta(minutes=start_min),
        end=T0 + timedelta(minutes=end_min),
        received_at=T0 + timedelta(minutes=received_min),
        value=value,
        currency=kw.get("currency", "EUR"),
    )


# --- the signal record --------------------------------------------------------------------


def test_a_signal_that_cannot_be_lists_every_problem() -> None:
    with pytest.raises(SignalError) as caught:
        GridSignal(
            source="x",
            kind="import_limit",
            start=datetime(2026, 1, 1),
            end=datetime(2025, 1, 1, tzinfo=UTC),
            received_at=T0,
            amps=(1.0, -2.0, float("nan")),
        )
    assert caught.value.problems == [
        "start has no time zone",
        "amps must be three finite values >= 0 (L1, L2, L3)",
    ]
    with pytest.raises(SignalError, match="end is not after start"):
        limit(10, 10, 16)
    with pytest.raises(SignalError, match="needs amps per phase or watts"):
        limit(0, 10)
    with pytest.raises(SignalError, match="needs a finite value"):
        GridSignal("x", "price", T0, None, T0, value=float("inf"))


# --- the limit in force -------------------------------------------------------------------


def test_without_signals_the_connection_is_the_limit() -> None:
    grid = resolve_limit([], T0, CONNECTION_A)
    assert grid.amps == CONNECTION_A
    assert grid.sources == (CONNECTION, CONNECTION, CONNECTION)
    assert grid.allocator_amps == CONNECTION_A
    assert not grid.limited
    assert grid.next_change is None


def test_the_tightest_source_wins_phase_by_phase() -> None:
    signals = [
        limit(-10, 30, (40.0, 20.0, 50.0), source="vtn"),
        limit(-10, None, 32.0, source="schedule"),
        limit(0, 5, 10.0, source="other"),  # covers T0: start is inclusive
        limit(-20, 0, 1.0, source="past"),  # ended at T0: end is exclusive
    ]
    grid = resolve_limit(signals, T0, CONNECTION_A)
    assert grid.amps == (10.0, 10.0, 10.0)
    at_6 = resolve_limit(signals, T0 + timedelta(minutes=6), CONNECTION_A)
    assert at_6.amps == (32.0, 20.0, 32.0)
    assert at_6.sources == ("schedule", "vtn", "schedule")


def test_a_signal_above_the_connection_does_not_raise_it() -> None:
    grid = resolve_limit([limit(-5, 5, 100.0)], T0, CONNECTION_A)
    assert grid.amps == CONNECTION_A
    assert grid.sources == (CONNECTION,) * 3


def test_watts_spread_over_three_phases_never_above_the_power() -> None:
    signal = limit(-5, 5, watts=22_080.0)
    assert signal_amps(signal) == pytest.approx((32.0, 32.0, 32.0))
    both = limit(-5, 5, (20.0, 40.0, 40.0), watts=22_080.0)
    assert signal_amps(both) == pytest.approx((20.0, 32.0, 32.0))
    assert signal_amps(signal, voltage_v=240.0) == pytest.approx((22_080 / 720,) * 3)


def test_a_drop_within_the_look_ahead_counts_before_it_starts() -> None:
    signals = [limit(3, 60, 16.0), limit(10, 20, 8.0)]
    grid = resolve_limit(signals, T0, CONNECTION_A, look_ahead=timedelta(minutes=5))
    assert grid.amps == CONNECTION_A  # not in force yet
    assert grid.upcoming_amps == (16.0, 16.0, 16.0)
    assert grid.upcoming_at == T0 + timedelta(minutes=3)
    assert grid.allocator_amps == (16.0, 16.0, 16.0)
    assert grid.limited
    # the next thing to look at: the 8 A drop enters the look-ahead at minute 5
    assert grid.next_change == T0 + timedelta(minutes=3)
    later = resolve_limit(signals, T0 + timedelta(minutes=3), CONNECTION_A)
    assert later.next_change == T0 + timedelta(minutes=5)
    assert resolve_limit(signals, later.next_change, CONNECTION_A).allocator_amps == (8.0,) * 3


def test_an_increase_waits_for_its_start() -> None:
    signals = [limit(-10, 2, 10.0), limit(2, None, 40.0)]
    grid = resolve_limit(signals, T0, CONNECTION_A, look_ahead=timedelta(minutes=5))
    assert grid.allocator_amps == (10.0,) * 3
    assert grid.upcoming_at is None
    assert grid.next_change == T0 + timedelta(minutes=2)


# --- properties ---------------------------------------------------------------------------

phase_amps = st.floats(min_value=0, max_value=200, allow_nan=False)
bounds = st.tuples(
    st.none() | st.tuples(phase_amps, phase_amps, phase_amps),
    st.none() | st.floats(min_value=0, max_value=100_000, allow_nan=False),
).filter(lambda b: b != (None, None))
limit_signals = st.builds(
    lambda start, length, bound, source: limit(
        start,
        None if length is None else start + length,
        bound[0],
        watts=bound[1],
        source=source,
    ),
    st.integers(-120, 120),
    st.none() | st.integers(1, 240),
    bounds,
    st.sampled_from(["vtn", "schedule", "dso"]),
)
connections = st.tuples(phase_amps, phase_amps, phase_amps)
offsets = st.integers(-150, 400)
look_aheads = st.integers(0, 30).map(lambda m: timedelta(minutes=m))


@EXAMPLES
@given(st.lists(limit_signals, max_size=8), connections, offsets, look_aheads)
def test_never_above_any_limit_in_force_nor_the_connection(signals, connection, at, ahead) -> None:
    moment = T0 + timedelta(minutes=at)
    grid = resolve_limit(signals, moment, connection, look_ahead=ahead)
    for phase in range(3):
        assert grid.amps[phase] <= connection[phase]
        assert grid.allocator_amps[phase] <= grid.amps[phase]
        for signal in signals:
            if signal.covers(moment):
                assert grid.amps[phase] <= signal_amps(signal)[phase]
        # tightest, not tighter: it is the connection or one of the signals in force
        bound = grid.amps[phase]
        assert bound == connection[phase] or any(
            signal.covers(moment) and signal_amps(signal)[phase] == bound for signal in signals
        )


@EXAMPLES
@given(st.lists(limit_signals, max_size=8), connections, offsets, look_aheads)
def test_no_limit_within_the_look_ahead_is_below_what_the_allocator_gets(
    signals, connection, at, ahead
) -> None:
    moment = T0 + timedelta(minutes=at)
    grid = resolve_limit(signals, moment, connection, look_ahead=ahead)
    for minute in range(0, int(ahead.total_seconds() // 60) + 1):
        then = limit_at(signals, moment + timedelta(minutes=minute), connection)
        for phase in range(3):
            # a drop inside the look-ahead is already in the bound (signals start on minutes)
            assert grid.allocator_amps[phase] <= then.amps[phase]


@EXAMPLES
@given(st.lists(limit_signals, max_size=8), limit_signals, connections, offsets)
def test_another_source_never_raises_the_limit(signals, extra, connection, at) -> None:
    moment = T0 + timedelta(minutes=at)
    before = resolve_limit(signals, moment, connection)
    after = resolve_limit([*signals, extra], moment, connection)
    for phase in range(3):
        assert after.allocator_amps[phase] <= before.allocator_amps[phase]


@EXAMPLES
@given(st.lists(limit_signals, max_size=8), connections, offsets)
def test_the_answer_holds_until_next_change(signals, connection, at) -> None:
    moment = T0 + timedelta(minutes=at)
    grid = resolve_limit(signals, moment, connection)
    until = grid.next_change or moment + timedelta(hours=10)
    probe = moment + (until - moment) / 2
    assert resolve_limit(signals, probe, connection).allocator_amps == grid.allocator_amps


# --- prices and carbon --------------------------------------------------------------------


def test_price_steps_newest_publication_wins_and_gaps_stay_gaps() -> None:
    signals = [
        price(0, 60, 0.30),
        price(60, 120, 0.25),
        price(30, 90, 0.10, received_min=-10, source="corrected"),
        price(180, 240, 0.40),
        price(0, 240, 9.99, currency="SEK"),
        GridSignal("vtn", "carbon", T0, T0 + timedelta(hours=1), T0, value=250.0),
    ]
    steps = step_series(signals, "price", T0, T0 + timedelta(hours=4), currency="EUR")
    assert [
        (
            int((s.start - T0).total_seconds() // 60),
            int((s.end - T0).total_seconds() // 60),
            s.value,
        )
        for s in steps
    ] == [(0, 30, 0.30), (30, 90, 0.10), (90, 120, 0.25), (180, 240, 0.40)]
    carbon = step_series(signals, "carbon", T0 - timedelta(hours=1), T0 + timedelta(hours=4))
    assert [(s.start, s.end, s.value) for s in carbon] == [(T0, T0 + timedelta(hours=1), 250.0)]


def test_steps_are_cut_at_the_horizon_and_equal_neighbours_merge() -> None:
    signals = [price(0, 15, 0.2), price(15, 30, 0.2), price(30, 45, 0.3)]
    steps = step_series(signals, "price", T0 + timedelta(minutes=5), T0 + timedelta(minutes=40))
    assert [(s.start, s.end, s.value) for s in steps] == [
        (T0 + timedelta(minutes=5), T0 + timedelta(minutes=30), 0.2),
        (T0 + timedelta(minutes=30), T0 + timedelta(minutes=40), 0.3),
    ]


prices = st.builds(
    lambda start, length, value, received: price(start, start + length, value, received),
    st.integers(0, 200),
    st.integers(1, 120),
    st.floats(-1, 1, allow_nan=False),
    st.integers(-100, 0),
)


@EXAMPLES
@given(st.lists(prices, max_size=10), st.integers(0, 300))
def test_the_series_gives_the_newest_covering_value_at_every_moment(signals, at) -> None:
    moment = T0 + timedelta(minutes=at)
    steps = step_series(signals, "price", T0, T0 + timedelta(minutes=330))
    here = [s for s in steps if s.start <= moment < s.end]
    covering = [s for s in signals if s.covers(moment)]
    assert len(here) == (1 if covering else 0)
    if covering:
        newest = max(s.received_at for s in covering)
        assert here[0].value in {s.value for s in covering if s.received_at == newest}
    assert all(a.end <= b.start for a, b in itertools.pairwise(steps))
