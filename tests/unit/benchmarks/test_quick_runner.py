"""`python -m benchmarks --quick` runs every benchmark end to end with tiny sizes."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_quick_run_writes_every_section(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output-dir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=240,
    )
    results = json.loads((tmp_path / "latest.json").read_text())
    assert results["quick"] is True
    sections = (
        "cpu", "aws_calls", "sdk_cpu", "runtime_overhead", "cost_model", "cold_start",
        "command_round_trip", "local_load", "smart_charging_site",
    )  # fmt: skip
    for section in sections:
        assert results[section]["measured_at"], section
    assert set(results["cost_model"]["profiles"]) == {"AC public", "DC fast", "DC stress"}
    assert results["aws_calls"]["steps"]["ocpp1.6 Heartbeat"]["total"] == 0
    assert "import + first BootNotification" in results["cold_start"]["first_message"]
    runs = results["local_load"]["runs"]
    assert [run["store"] for run in runs] == ["memory", "moto"]
    for run in runs:
        assert run["accepted"] == run["chargers"]
        assert run["round_trip_whole_run_ms"]["count"] > 0  # the window may be quiet
        assert run["errors"] == 0, run["error_kinds"]

    site = results["smart_charging_site"]
    assert site["site_hours"] == 72 and site["violations"] == 0

    campaign = results["firmware_campaign"]
    assert (campaign["status"], campaign["updated"]) == ("completed", campaign["chargers"])

    report = (tmp_path / "BENCHMARKS.md").read_text()
    headings = (
        "## Cost per charger-month",
        "## AWS calls",
        "## CPU",
        "## Cold start",
        "## Local",
        "## Site load management",
    )
    for heading in headings:
        assert heading in report
    assert results["machine"] in report
