"""One misbehaving client cannot starve the fleet: the optional WAF web ACL at the chargers'
edge and reserved concurrency per function, as a deployment turns them on."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.stack_settings import SettingsError
from tests.infrastructure.synth import build_stack
from tests.infrastructure.template_queries import logical_id, resource, resources

pytestmark = pytest.mark.infrastructure

WEB_ACL = (
    "arn:aws:wafv2:us-east-1:123456789012:global/webacl/chargers/"
    "a1b2c3d4-0000-4000-8000-123456789abc"
)


@pytest.fixture(scope="module")
def hardened() -> tuple[Any, Template]:
    stack = build_stack(
        context={"chargerEdgeWebAclArn": WEB_ACL, "reservedConcurrency": {"ws_authorize": 40}}
    )
    return stack, Template.from_stack(stack)


def test_the_web_acl_guards_the_chargers_edge(hardened):
    stack, template = hardened
    distribution = resource(template, stack.edge.distribution)
    assert distribution["Properties"]["DistributionConfig"]["WebACLId"] == WEB_ACL


def test_reserved_concurrency_caps_only_the_functions_named(hardened):
    stack, template = hardened
    reserved = {
        name: resource(template, function.function)["Properties"].get(
            "ReservedConcurrentExecutions"
        )
        for name, function in stack.functions.items()
    }
    assert reserved.pop("ws_authorize") == 40
    assert set(reserved.values()) == {None}
    assert len(resources(template, "AWS::Lambda::Function")) >= len(stack.functions)
    assert logical_id(stack.functions["ws_authorize"].function)


def test_reserved_concurrency_for_an_unknown_function_fails_the_synth():
    with pytest.raises(SettingsError, match="unknown functions"):
        build_stack(context={"reservedConcurrency": {"ws_authorise": 40}}, nag=False)
