"""`make bench`: every benchmark, then latest.json and a report in benchmarks/results/last-run/.

python -m benchmarks                 # full run, a few minutes -> benchmarks/results/last-run/
python -m benchmarks --publish       # also BENCHMARKS.md and benchmarks/results/latest.json
python -m benchmarks --quick         # smoke run with tiny sizes -> benchmarks/results/quick/
python -m benchmarks --skip-load     # everything but the local load runs
python -m benchmarks --report-only --publish   # publish the last run without measuring again

The published pair (BENCHMARKS.md, benchmarks/results/latest.json) is tracked and only
rewritten with --publish: a run on a laptop that is busy with other things should not end
up in a commit by accident.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
# Relative to the repository root; resolved against `root` so tests can use a scratch copy.
PUBLISHED_JSON = Path("benchmarks/results/latest.json")
PUBLISHED_MARKDOWN = Path("BENCHMARKS.md")
LAST_RUN = Path("benchmarks/results/last-run")
QUICK_RUN = Path("benchmarks/results/quick")
REPORT_NAME = "BENCHMARKS.md"


@dataclass(frozen=True)
class Sizes:
    cpu_iterations: int
    import_runs: int
    first_message_runs: int
    load_chargers: tuple[int, ...]
    load_moto_chargers: tuple[int, ...]
    load_measure_s: float
    load_settle_s: float
    commands: int
    sdk_cpu_iterations: int
    runtime_iterations: int
    campaign_chargers: int
    allocator_iterations: int
    # Simulated site-days of 24 h (benchmarks/smart_charging_site.py).
    site_days: int
    # Sessions timed from their start to their first profile (smart_charging_latency.py).
    latency_sessions: int


FULL = Sizes(
    cpu_iterations=3000,
    import_runs=10,
    first_message_runs=10,
    load_chargers=(100, 500, 1000),
    load_moto_chargers=(100, 1000),
    load_measure_s=20.0,
    load_settle_s=15.0,
    commands=30,
    sdk_cpu_iterations=500,
    runtime_iterations=1000,
    campaign_chargers=1000,
    allocator_iterations=200,
    site_days=418,
    latency_sessions=50,
)
QUICK = Sizes(
    cpu_iterations=30,
    import_runs=1,
    first_message_runs=1,
    load_chargers=(5,),
    load_moto_chargers=(5,),
    load_measure_s=3.0,
    load_settle_s=1.0,
    commands=2,
    sdk_cpu_iterations=20,
    runtime_iterations=20,
    campaign_chargers=10,
    allocator_iterations=10,
    site_days=3,
    latency_sessions=3,
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    return (
        f"{cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _timed(label: str, produce: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    # A full run takes minutes: say what is running and how long each part took.
    started = time.perf_counter()
    print(f"[bench] {label} ...", file=sys.stderr, flush=True)
    section = produce()
    section["measured_at"] = now()
    section["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(f"[bench] {label}: {section['elapsed_s']:.1f} s", file=sys.stderr, flush=True)
    return section


def collect(sizes: Sizes, *, load: bool = True) -> dict[str, Any]:
    from benchmarks import (
        aws_calls,
        cold_start,
        command_round_trip,
        console_bundle,
        cost_model,
        costs,
        cpu,
        firmware_campaign,
        local_load,
        runtime_overhead,
        sdk_cpu,
        smart_charging_allocator,
        smart_charging_latency,
        smart_charging_site,
        stack_facts,
    )

    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "quick": sizes is QUICK,
    }
    results["cpu"] = _timed(
        "CPU per message",
        lambda: {
            "iterations": sizes.cpu_iterations,
            "messages": cpu.run(sizes.cpu_iterations),
            "routes": cpu.run_routes(sizes.cpu_iterations),
        },
    )
    results["aws_calls"] = _timed("AWS calls", lambda: {"steps": aws_calls.run()})
    results["sdk_cpu"] = _timed(
        "AWS SDK CPU per call", lambda: {"median_us": sdk_cpu.run(sizes.sdk_cpu_iterations)}
    )
    results["runtime_overhead"] = _timed(
        "Lambda runtime CPU per invocation",
        lambda: {"median_us": runtime_overhead.run(sizes.runtime_iterations)},
    )
    runtime = results["runtime_overhead"]["median_us"]
    results["cost_model"] = _timed(
        "cost model",
        lambda: costs.run(
            results["aws_calls"]["steps"],
            cost_model.cpu_by_step(results["cpu"]["messages"], results["cpu"]["routes"]),
            stack_facts.load(),
            assumptions=cost_model.Assumptions(
                sdk_cpu_us=results["sdk_cpu"]["median_us"],
                runtime_overhead_us=runtime["websocket_message_us"],
                runtime_overhead_per_record_us=runtime["per_kinesis_record_us"],
            ),
        ),
    )
    results["cold_start"] = _timed(
        "cold start",
        lambda: {
            "runs": sizes.import_runs,
            "import": cold_start.run(sizes.import_runs),
            "first_message": cold_start.first_message(sizes.first_message_runs),
            "packages": cold_start.package_sizes(),
        },
    )
    results["console_bundle"] = _timed("console bundle", console_bundle.measure)
    results["smart_charging_allocator"] = _timed(
        "site allocator CPU",
        lambda: smart_charging_allocator.run(sizes.allocator_iterations),
    )
    results["smart_charging_site"] = _timed(
        "site simulation", lambda: smart_charging_site.run(sizes.site_days)
    )
    if load:
        results["command_round_trip"] = _timed(
            "command round trip",
            lambda: command_round_trip.run(sizes.commands, warmup=min(10, sizes.commands)),
        )
        results["local_load"] = _timed(
            "local load",
            lambda: local_load.run(
                sizes.load_chargers,
                sizes.load_measure_s,
                moto_sizes=sizes.load_moto_chargers,
                settle_s=sizes.load_settle_s,
            ),
        )
        results["smart_charging_latency"] = _timed(
            "session start to first profile",
            lambda: smart_charging_latency.run(sizes.latency_sessions),
        )
        results["firmware_campaign"] = _timed(
            "firmware campaign", lambda: firmware_campaign.run(sizes.campaign_chargers)
        )
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    return results


def write(
    results: dict[str, Any], json_path: Path, markdown_path: Path, *, data_label: str = ""
) -> None:
    """Both files of one result set; the report names its JSON as `data_label`."""
    from benchmarks.report import markdown

    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(markdown(results, data_label or json_path.as_posix()))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument(
        "--skip-load",
        action="store_true",
        help="skip what runs the local platform (command round trip, local load)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: render the report again from the last run's latest.json",
    )
    parser.add_argument(
        "--publish",
        "--update-doc",
        action="store_true",
        help="also write BENCHMARKS.md and benchmarks/results/latest.json (tracked files)",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="write latest.json and BENCHMARKS.md here (default: benchmarks/results/last-run/; "
        "with --quick: benchmarks/results/quick/)",
    )
    args = parser.parse_args(argv)
    if args.publish and (args.quick or args.skip_load):
        parser.error("--publish takes a full run: BENCHMARKS.md never shows a partial one")
    return args


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def main(argv: Sequence[str] | None = None, root: Path = ROOT) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    run_dir = args.output_dir or root / (QUICK_RUN if args.quick else LAST_RUN)
    json_path, markdown_path = run_dir / "latest.json", run_dir / REPORT_NAME
    started = time.perf_counter()
    if args.report_only:
        # The last run if there is one here, else what was published (e.g. after report.py
        # changed).
        source = json_path if json_path.is_file() else root / PUBLISHED_JSON
        results = json.loads(source.read_text())
    else:
        results = collect(sizes, load=not args.skip_load)
    write(results, json_path, markdown_path, data_label=_relative(json_path, root))
    written = [json_path, markdown_path]
    if args.publish:
        write(
            results,
            root / PUBLISHED_JSON,
            root / PUBLISHED_MARKDOWN,
            data_label=PUBLISHED_JSON.as_posix(),
        )
        written += [root / PUBLISHED_JSON, root / PUBLISHED_MARKDOWN]
    elapsed = time.perf_counter() - started
    unchanged = "" if args.publish else f"; {PUBLISHED_MARKDOWN} unchanged (--publish updates it)"
    print(
        f"[bench] done in {elapsed:.0f} s: wrote "
        f"{', '.join(_relative(path, root) for path in written)}{unchanged}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
