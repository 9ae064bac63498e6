import json

import pytest

from simulator.stats import RoundTrip, Stats, percentile


def test_percentile_uses_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 50) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([1, 2, 3, 4], 51) == 3


def test_percentile_of_nothing_is_none_and_bad_rank_is_refused():
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="percentile"):
        percentile([1], 0)


def test_round_trip_reports_milliseconds_from_unsorted_seconds():
    rt = RoundTrip.of([0.003, 0.001, 0.002, 0.010])
    assert rt == RoundTrip(count=4, p50_ms=2.0, p95_ms=10.0, p99_ms=10.0, max_ms=10.0)
    assert RoundTrip.of([]) == RoundTrip(0, None, None, None, None)


def test_summary_totals_rates_and_json():
    stats = Stats()
    stats.messages_sent = 50
    stats.messages_received = 48
    stats.error("timeout", "CP1")
    stats.error("timeout", "CP2")
    stats.error("CallError.InternalError", "CP1")
    stats.started.update({"CP1", "CP2"})
    stats.accepted.add("CP1")
    stats.connection_opened()
    stats.connection_opened()
    stats.connection_closed()
    stats.round_trips_s.extend([0.001, 0.002])

    summary = stats.summary(url="ws://x/ocpp", protocol="ocpp1.6", chargers=3, duration_s=10.0)

    assert summary.errors == {"CallError.InternalError": 1, "timeout": 2}
    assert summary.error_count == 3
    assert not summary.ok
    assert summary.messages_per_s == 5.0
    assert (summary.started, summary.accepted, summary.connected, summary.peak_connected) == (
        2,
        1,
        1,
        2,
    )
    as_dict = json.loads(json.dumps(summary.to_dict()))
    assert as_dict["round_trip"]["max_ms"] == 2.0
    assert as_dict["error_count"] == 3


def test_summary_without_errors_is_ok():
    summary = Stats().summary(url="u", protocol="ocpp2.0.1", chargers=1, duration_s=0)
    assert summary.ok
    assert summary.messages_per_s == 0.0
