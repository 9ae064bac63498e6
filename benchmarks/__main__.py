"""`make bench`: runs every benchmark, writes benchmarks/results/latest.json and BENCHMARKS.md."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import aws_calls, cold_start, cpu

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {results['machine']} by `make bench`.",
        "",
        "## CPU per inbound message ($default route, in-memory adapters)",
        "",
        "| Message | median µs | p95 µs | ocpp package median µs | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in results["cpu_per_message"].items():
        lines.append(
            f"| {name} | {row['platform']['median_us']} | {row['platform']['p95_us']} | "
            f"{row['ocpp_package']['median_us']} | {row['ratio_median']} |"
        )
    lines += [
        "",
        "The ocpp package's path is unpack + schema validation of the CALL + CallResult +",
        "validation of the response, synchronously (its async thread-pool hop excluded).",
        "",
        "## AWS API calls per OCPP message (real handlers and adapters against moto)",
        "",
        "| Message | calls | by operation |",
        "|---|---:|---|",
    ]
    for name, row in results["aws_calls"].items():
        detail = ", ".join(f"{op} {n}" for op, n in row["calls"].items()) or "none"
        lines.append(f"| {name} | {row['total']} | {detail} |")
    lines += [
        "",
        "## Cold import of each handler module (fresh interpreter, median of 10)",
        "",
        "| Function | median ms | max ms |",
        "|---|---:|---:|",
    ]
    for name, row in results["cold_import"].items():
        lines.append(f"| {name} | {row['median_ms']} | {row['max_ms']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "cpu_per_message": cpu.run(),
        "aws_calls": aws_calls.run(),
        "cold_import": cold_start.run(),
    }
    out = ROOT / "benchmarks" / "results" / "latest.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "BENCHMARKS.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
