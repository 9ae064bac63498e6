"""The allocator benchmark's site is the size #18 budgets, valid, and its runner answers."""

from __future__ import annotations

from benchmarks.smart_charging_allocator import benchmark_site, run


def test_the_benchmark_site_has_200_evses_on_20_circuits() -> None:
    site = benchmark_site()
    circuits = {evse.node for evse in site.evses}
    assert len(site.evses) == 200
    assert len(circuits) == 20
    assert all(node.startswith("circuit") for node in circuits)


def test_the_runner_reports_milliseconds_per_allocation() -> None:
    result = run(iterations=3, evses=20, circuits=4)
    assert set(result) >= {"median_ms", "p95_ms", "mean_ms", "commands_per_allocation"}
    assert result["median_ms"] > 0
