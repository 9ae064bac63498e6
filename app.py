#!/usr/bin/env python3
"""CDK entry point: `python app.py` (or `cdk synth`) writes the cloud assembly to cdk.out."""

from __future__ import annotations

import os

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.stack import CsmsStack
from infra.stack_settings import PROJECT_ROOT, cdk_json_context


def main() -> None:
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


if __name__ == "__main__":
    main()
