"""`benchmarks/smart_charging_latency.py` in its quick size: every session's first profile
arrives, within the goal, and the report renders its section."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks import smart_charging_latency
from benchmarks.__main__ import QUICK
from benchmarks.report import _smart_charging_latency

# A platform process and real WebSockets, as the end-to-end tests.
pytestmark = pytest.mark.e2e


def test_the_quick_run_times_every_session_to_its_first_profile() -> None:
    result = smart_charging_latency.run(QUICK.latency_sessions)
    assert result["received"] == result["sessions"] == QUICK.latency_sessions
    assert result["lost"] == 0
    assert 0 < result["p50_s"] <= result["p95_s"] <= result["max_s"]
    # The debounce is part of it: no profile can come sooner.
    assert result["p50_s"] >= result["debounce_s"]
    assert result["within_goal"], result
    lines = _smart_charging_latency(
        {"smart_charging_latency": {**result, "measured_at": "2030"}, "date": "x", "machine": "m"}
    )
    assert "## Session start to first charging profile" in lines


def test_chargers_stand_at_sites_of_at_most_ten():
    """A location holds at most 48 chargers: the full run's 50 sessions need several sites."""
    calls: list[tuple[str, str, dict[str, Any]]] = []
    ids = [f"CP{n}" for n in range(25)]
    sites = smart_charging_latency._set_up_sites(
        lambda method, path, body: calls.append((method, path, body)), ids, "TAG", "x"
    )
    assert [len(members) for members in sites.values()] == [10, 10, 5]
    assert [cp for members in sites.values() for cp in members] == ids
    locations = [body for _, path, body in calls if path == "/locations"]
    assert [len(body["evses"]) for body in locations] == [10, 10, 5]
