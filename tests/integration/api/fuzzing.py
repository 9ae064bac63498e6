"""What the OpenAPI fuzz tests share: bounded, repeatable runs in CI; deeper by hand with
API_FUZZ_EXAMPLES=500."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "25")),
    derandomize="API_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
