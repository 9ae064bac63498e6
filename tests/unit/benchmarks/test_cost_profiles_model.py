"""The price of each cost profile on each reference profile: the model's own arithmetic on
the profile's settings, from the stored benchmark results."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import cost_levers, costs, report, stack_facts
from benchmarks import cost_model as cm
from shared.station.cost_profiles import COST_PROFILES, ENERGY_REGISTER, CostProfile

RESULTS = Path(__file__).resolve().parents[3] / "benchmarks" / "results" / "latest.json"


@pytest.fixture(scope="module")
def stored():
    d = json.loads(RESULTS.read_text())
    measured = cm.measured_actions(
        d["aws_calls"]["steps"], cm.cpu_by_step(d["cpu"]["messages"], d["cpu"]["routes"])
    )
    assumptions = cm.Assumptions(sdk_cpu_us=d["sdk_cpu"]["median_us"])
    return d, measured, stack_facts.load(), assumptions


@pytest.mark.parametrize("profile", cm.PROFILES, ids=[p.name for p in cm.PROFILES])
def test_lean_lowers_every_reference_profile_by_the_models_own_difference(stored, profile):
    _, measured, facts, assumptions = stored
    lean = COST_PROFILES["lean"]
    base = cm.charger_month(profile, measured, facts, None, assumptions)["usd_total"]
    applied = cost_levers.cost_profile_costs(profile, measured, facts, None, assumptions)["lean"]
    assert applied["usd_total"] < base
    changed = replace(
        profile,
        meter_interval_s=lean.sample_interval_s,
        heartbeat_interval_s=lean.heartbeat_interval_s,
    )
    meter = measured[cm.METER_VALUES]
    smaller = cost_levers.sampled_value_bytes(
        lean.sampled_measurands
    ) - cost_levers.sampled_value_bytes(cost_levers.MEASURED_MEASURANDS)
    assert smaller < 0  # the energy register alone: a smaller frame and record
    lean_measured = {
        **measured,
        cm.METER_VALUES: replace(
            meter,
            frame_in_bytes=meter.frame_in_bytes + smaller,
            kinesis_bytes=meter.kinesis_bytes + smaller,
        ),
    }
    expected = cm.charger_month(changed, lean_measured, facts, None, assumptions)["usd_total"]
    assert applied["usd_total"] == pytest.approx(expected, abs=1e-8)
    assert applied["difference_usd"] == pytest.approx(expected - base, abs=1e-8)


def test_standard_is_the_reference_the_model_assumes(stored):
    _, measured, facts, assumptions = stored
    ac = cm.PROFILES[0]
    assert ac.meter_interval_s == COST_PROFILES["standard"].sample_interval_s
    assert ac.heartbeat_interval_s == COST_PROFILES["standard"].heartbeat_interval_s
    applied = cost_levers.cost_profile_costs(ac, measured, facts, None, assumptions)
    assert applied["standard"]["difference_usd"] == 0
    assert applied["detailed"]["difference_usd"] > 0  # twice the messages, larger frames


def test_more_measurands_alone_cost_frame_bytes_only(stored):
    _, measured, facts, assumptions = stored
    profile = cm.PROFILES[0]
    few = CostProfile("few", "", 60, (ENERGY_REGISTER,))
    many = CostProfile("many", "", 60, (ENERGY_REGISTER, "Power.Active.Import", "Voltage", "SoC"))
    applied = cost_levers.cost_profile_costs(
        profile, measured, facts, None, assumptions, {"few": few, "many": many}
    )
    assert applied["few"]["usd_total"] < applied["many"]["usd_total"]
    lever = cost_levers.cost_profile_lever(many)
    _, resized, _, _ = lever((profile, measured, facts, assumptions))
    assert resized[cm.METER_VALUES].frame_in_bytes > measured[cm.METER_VALUES].frame_in_bytes
    assert resized[cm.METER_VALUES].kinesis_bytes > measured[cm.METER_VALUES].kinesis_bytes


def test_clock_aligned_data_is_not_priced_silently():
    aligned = CostProfile("aligned", "", 60, (ENERGY_REGISTER,), 900, (ENERGY_REGISTER,))
    with pytest.raises(ValueError, match="clock-aligned"):
        cost_levers.cost_profile_lever(aligned)


def test_the_cost_section_and_the_report_show_each_cost_profile(stored):
    d, _, facts, assumptions = stored
    section = costs.run(
        d["aws_calls"]["steps"],
        cm.cpu_by_step(d["cpu"]["messages"], d["cpu"]["routes"]),
        facts,
        assumptions=assumptions,
    )
    for profile in cm.PROFILES:
        shown = section["profiles"][profile.name]["cost_profiles_usd"]
        assert set(shown) == set(COST_PROFILES)
        assert shown["lean"]["usd_total"] < section["profiles"][profile.name]["usd_total"]
    markdown = report.markdown({**d, "cost_model": section})
    assert "Cost profiles: $ per charger-month" in markdown
    lean_row = next(line for line in markdown.splitlines() if line.startswith("| lean "))
    lean_ac = section["profiles"]["AC public"]["cost_profiles_usd"]["lean"]
    assert f"{lean_ac['usd_total']:.4f} ({lean_ac['difference_usd']:+.4f})" in lean_row
    # Results stored before cost profiles existed still render.
    older = copy.deepcopy(d)
    for result in older["cost_model"]["profiles"].values():
        result.pop("cost_profiles_usd", None)
    assert "Cost profiles:" not in report.markdown(older)
