#!/usr/bin/env python3
"""CDK entry point: `python app.py` (or `cdk synth`) writes the cloud assembly to cdk.out."""

from __future__ import annotations

import os
import sys

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.console_hosting import ConsoleNotBuilt
from infra.layer_cache import layer_build_failure
from infra.stack import CsmsStack
from infra.stack_settings import PROJECT_ROOT, SettingsError, cdk_json_context


def synth() -> None:
    app = App(
        # The CDK CLI says where it wants the assembly; run directly, it goes to ./cdk.out.
        outdir=os.environ.get("CDK_OUTDIR") or str(PROJECT_ROOT / "cdk.out"),
        # cdk.json is only read by the CLI; as defaults here, CLI context still wins.
        context=cdk_json_context(),
    )
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    # Environment-agnostic unless the CLI resolved an account and region.
    env = Environment(account=account, region=region) if account and region else None
    CsmsStack(app, "Csms", env=env, description="Serverless OCPP central system (CSMS)")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()


def failure_line(exc: BaseException) -> str | None:
    """One line for the failures a person fixes outside the code; None for real bugs."""
    if isinstance(exc, SettingsError):
        return f"invalid setting (cdk.json context or `-c key=value`): {exc}"
    if isinstance(exc, ConsoleNotBuilt):
        return str(exc)
    # A bundler's error comes back through jsii as a RuntimeError holding its text only.
    if isinstance(exc, RuntimeError):
        return layer_build_failure(str(exc))
    return None


def main() -> int:
    try:
        synth()
    except (SettingsError, ConsoleNotBuilt, RuntimeError) as exc:
        line = failure_line(exc)
        if line is None:
            raise
        print(f"synth failed: {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
