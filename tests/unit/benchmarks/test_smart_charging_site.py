"""The site-simulation benchmark: its sections and the cost it derives from the counts."""

import pytest

from benchmarks import smart_charging_site
from benchmarks.cost_model import Prices


def test_a_small_run_reports_every_profile_and_the_goals():
    results = smart_charging_site.run(site_days=3, hours=6)
    assert results["site_hours"] == 18
    assert results["violations"] == 0
    assert set(results["profiles"]) == {"car park", "no slack", "steady"}
    for profile in results["profiles"].values():
        assert profile["allocations_per_site_hour"] > 0
        assert profile["cost_per_charger_month"]["total_usd"] > 0


def test_the_cost_follows_the_counts_at_list_prices():
    summary = {
        "allocations_per_site_hour": 12.0,
        "commands_per_evse_day": 24.0,
        "sending_s_per_allocation": 0.0,
    }
    costs = smart_charging_site.LoopCosts()
    cost = smart_charging_site.cost_per_charger_month(summary, 12, 0.0, Prices(), costs)
    # One allocation an hour per EVSE, one command an hour per EVSE: 730 of each a month.
    assert cost["allocations_per_charger_month"] == cost["commands_per_charger_month"] == 730
    # Two SQS requests, an invocation, three reads, two writes; 25 ms at 5 ms per store call.
    allocation = 2 * 0.50e-6 + 0.20e-6 + 3 * 0.125e-6 + 2 * 0.625e-6 + 25 / 1000 / 4 * 0.0000133334
    assert cost["allocations_usd"] == pytest.approx(730 * allocation, abs=1e-5)
    assert cost["triggers_usd"] == 0  # no events counted
    triggered = smart_charging_site.cost_per_charger_month(
        {**summary, "triggers_per_site_hour": 24.0}, 12, 0.0, Prices(), costs
    )
    # Two events an hour per EVSE: each an SQS send, an invocation of 15 ms, two reads, a write.
    trigger = 0.50e-6 + 0.20e-6 + 15 / 1000 / 4 * 0.0000133334 + 2 * 0.125e-6 + 0.625e-6
    assert triggered["triggers_usd"] == pytest.approx(1460 * trigger, abs=1e-5)
    assert triggered["total_usd"] == pytest.approx(cost["total_usd"] + 1460 * trigger, abs=2e-5)
    doubled = smart_charging_site.cost_per_charger_month(
        {**summary, "commands_per_evse_day": 48.0}, 12, 0.0, Prices(), costs
    )
    assert doubled["profiles_usd"] == pytest.approx(2 * cost["profiles_usd"], abs=2e-5)
    assert cost["sending_usd"] == 0
    sending = smart_charging_site.cost_per_charger_month(
        {**summary, "sending_s_per_allocation": 10.0}, 12, 0.0, Prices(), costs
    )
    # Ten seconds at 256 MB per allocation, 730 allocations.
    assert sending["sending_usd"] == pytest.approx(730 * 10 / 4 * 0.0000133334, abs=1e-5)
