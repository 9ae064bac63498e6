"""Helpers to acknowledge cdk-nag (AwsSolutions) findings precisely, one finding at a time."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import Construct


def acknowledge(scope: Construct, rule_id: str, reason: str) -> None:
    """Acknowledges `rule_id` on `scope` and everything below it."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def wildcard_resource_finding(scope: Construct, resource: str) -> str:
    """The AwsSolutions-IAM5 finding id cdk-nag reports for an IAM resource string."""
    return f"AwsSolutions-IAM5[Resource::{flatten_reference(Stack.of(scope).resolve(resource))}]"


def flatten_reference(node: Any) -> str:
    """A resolved CloudFormation value as cdk-nag prints it (`{"Ref": "X"}` -> `<X>`)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_reference(node['Ref'])}>"
    # cdk-nag falls back to JSON; such findings are not acknowledged through this helper.
    raise ValueError(f"cannot flatten {node!r}")
