"""Small lookups in a synthesized template, by construct rather than by generated logical id."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnElement, Stack
from aws_cdk.assertions import Template
from constructs import IConstruct

from infra.python_function import PythonFunction
from infra.stack import CsmsStack


def logical_id(construct: IConstruct) -> str:
    """Logical id of a construct's CloudFormation resource (the construct itself or its child)."""
    element = construct if isinstance(construct, CfnElement) else construct.node.default_child
    assert isinstance(element, CfnElement), construct.node.path
    return Stack.of(construct).get_logical_id(element)


# Template.to_json() crosses into jsii each time (tens of ms); the session's template is fixed.
# Each entry keeps its template alive, so its id cannot be reused by another template.
_JSON: dict[int, tuple[Template, dict[str, Any]]] = {}


def template_json(template: Template) -> dict[str, Any]:
    if id(template) not in _JSON:
        _JSON[id(template)] = (template, dict(template.to_json()))
    return _JSON[id(template)][1]


def resources(template: Template, resource_type: str) -> dict[str, Any]:
    return {
        logical: body
        for logical, body in template_json(template)["Resources"].items()
        if body["Type"] == resource_type
    }


def resource(template: Template, construct: IConstruct) -> dict[str, Any]:
    found: dict[str, Any] = template_json(template)["Resources"][logical_id(construct)]
    return found


def catalog_functions(template: Template, stack: CsmsStack) -> dict[str, Any]:
    """The catalog's functions (`stack.functions`) in the template, by logical id: every
    Lambda function but CDK's own (`cdk_functions`)."""
    return {
        logical_id(f.function): resource(template, f.function) for f in stack.functions.values()
    }


def cdk_functions(stack: CsmsStack) -> set[str]:
    """Logical ids of the functions CDK adds by itself: BucketDeployment's handler, which
    copies the operator console's build into its bucket (when the console is deployed)."""
    from infra.console_hosting import DEPLOYMENT_HANDLER_ID

    handler = stack.node.try_find_child(DEPLOYMENT_HANDLER_ID)
    return {logical_id(handler)} if handler is not None else set()


def role_statements(
    template: Template, stack: CsmsStack, function_name: str
) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the function's role."""
    return role_statements_of(template, stack.functions[function_name])


def role_statements_of(template: Template, function: PythonFunction) -> list[dict[str, Any]]:
    role = logical_id(function.role)
    statements: list[dict[str, Any]] = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def referenced_ids(value: Any) -> set[str]:
    """Logical ids referenced (Ref / Fn::GetAtt) anywhere inside a template value."""
    if isinstance(value, dict):
        if "Ref" in value:
            # Pseudo parameters (AWS::Region, ...) are not resources.
            return set() if value["Ref"].startswith("AWS::") else {value["Ref"]}
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        return set().union(*(referenced_ids(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(referenced_ids(v) for v in value))
    return set()
