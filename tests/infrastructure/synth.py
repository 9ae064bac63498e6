"""Builds the stack as app.py does (cdk.json context, cdk-nag), without asset bundling."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.stack import CsmsStack
from infra.stack_settings import CONSOLE_DIST, cdk_json_context

# Asset bundling runs for the listed stacks only: none, so no pip and no copying in tests.
NO_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}

# A console build as Vite lays it out: hashed assets, the top-level files, and the dev
# server's config.json (which must not be deployed).
CONSOLE_DIST_FILES = {
    "index.html": '<!doctype html><script type="module" src="/console/assets/index-Ab12Cd.js">'
    "</script>",
    "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "config.json": '{"environment": "local"}',
    "assets/index-Ab12Cd.js": "console.log('console');",
    "assets/index-Ef34Gh.css": "body{margin:0}",
}


@functools.cache
def console_dist_fixture() -> Path:
    """A minimal console build in a temporary folder: tests never depend on `make console`."""
    root = Path(tempfile.mkdtemp(prefix="console-dist-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for relative, text in CONSOLE_DIST_FILES.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def build_stack(*, context: dict[str, Any] | None = None, nag: bool = True) -> CsmsStack:
    app = App(
        context={
            **cdk_json_context(),
            **NO_BUNDLING,
            CONSOLE_DIST: str(console_dist_fixture()),
            **(context or {}),
        }
    )
    stack = CsmsStack(app, "Csms")
    if nag:
        # Checked when the template is synthesized; any unacknowledged finding fails it.
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stack
