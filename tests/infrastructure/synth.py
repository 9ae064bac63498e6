"""Builds the stack as app.py does (cdk.json context, cdk-nag), without asset bundling."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.stack import CsmsStack
from infra.stack_settings import cdk_json_context

# Asset bundling runs for the listed stacks only: none, so no pip and no copying in tests.
NO_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}


def build_stack(*, context: dict[str, Any] | None = None, nag: bool = True) -> CsmsStack:
    app = App(context={**cdk_json_context(), **NO_BUNDLING, **(context or {})})
    stack = CsmsStack(app, "Csms")
    if nag:
        # Checked when the template is synthesized; any unacknowledged finding fails it.
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stack
