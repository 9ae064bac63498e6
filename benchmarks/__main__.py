"""`make bench`: every benchmark, then benchmarks/results/latest.json and BENCHMARKS.md.

python -m benchmarks                 # full run, a few minutes
python -m benchmarks --quick         # smoke run with tiny sizes -> benchmarks/results/quick/
python -m benchmarks --skip-load     # everything but the local load runs
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
    started = time.perf_counter()
    print(f"[bench] {label} ...", file=sys.stderr, flush=True)
    section = produce()
    section["measured_at"] = now()
    section["elapsed_s"] = round(time.perf_counter() - started, 1)
    return section


def collect(sizes: Sizes, *, load: bool = True) -> dict[str, Any]:
    from benchmarks import (
        aws_calls,
        cold_start,
        command_round_trip,
        cost_model,
        costs,
        cpu,
        local_load,
        runtime_overhead,
        sdk_cpu,
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
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    return results


def write(results: dict[str, Any], json_path: Path, markdown_path: Path) -> None:
    from benchmarks.report import markdown

    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(markdown(results))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument(
        "--skip-load",
        action="store_true",
        help="skip what runs the local platform (command round trip, local load)",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="only render BENCHMARKS.md from latest.json"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="write latest.json and BENCHMARKS.md here (default: benchmarks/results/ and the "
        "repository root; with --quick: benchmarks/results/quick/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.output_dir is not None:
        json_path, markdown_path = (
            args.output_dir / "latest.json",
            args.output_dir / "BENCHMARKS.md",
        )
    elif args.quick:
        json_path, markdown_path = (
            RESULTS / "quick" / "latest.json",
            RESULTS / "quick" / "BENCHMARKS.md",
        )
    else:
        json_path, markdown_path = RESULTS / "latest.json", ROOT / "BENCHMARKS.md"
    if args.report_only:
        results = json.loads(json_path.read_text())
    else:
        results = collect(sizes, load=not args.skip_load)
    write(results, json_path, markdown_path)
    print(markdown_path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
