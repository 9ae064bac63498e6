"""Cold import time of each Lambda handler module in a fresh interpreter (median of N)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from infra.catalog import FUNCTIONS
from tests.fakes import BASE_ENV

ENV = {**BASE_ENV, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}

_PROBE = """
import time, importlib, json
start = time.perf_counter()
importlib.import_module({module!r})
print(json.dumps({{"ms": (time.perf_counter() - start) * 1000}}))
"""


def import_ms(module: str, runs: int = 10) -> dict[str, float]:
    env = {**os.environ, **ENV, "PYTHONDONTWRITEBYTECODE": "0"}
    samples = []
    for _ in range(runs + 1):  # the first run also writes .pyc files: discarded
        out = subprocess.run(
            [sys.executable, "-c", _PROBE.format(module=module)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1])["ms"])
    kept = samples[1:]
    return {"median_ms": round(statistics.median(kept), 1), "max_ms": round(max(kept), 1)}


def run(runs: int = 10) -> dict[str, dict[str, float]]:
    return {f.name: import_ms(f.handler.rsplit(".", 1)[0], runs) for f in FUNCTIONS}
