"""Synthesizes the stack once per test session (assertion tests only read the template).

The synthesis runs the AwsSolutions checks as app.py does: every test module that reads the
template also proves the stack passes them (an unacknowledged finding fails the fixture).
"""

from __future__ import annotations

import os

# Before jsii starts (on the first aws_cdk import): Node 20 prints an end-of-life banner.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import pytest
from aws_cdk.assertions import Template

from infra.stack import CsmsStack
from tests.infrastructure.synth import build_stack


@pytest.fixture(scope="session")
def stack() -> CsmsStack:
    return build_stack()


@pytest.fixture(scope="session")
def template(stack: CsmsStack) -> Template:
    return Template.from_stack(stack)
