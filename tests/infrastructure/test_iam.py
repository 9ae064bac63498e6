"""Least privilege: each function can do exactly what its catalog entry declares."""

from __future__ import annotations

import pytest

from infra import catalog
from tests.infrastructure.template_queries import (
    as_list,
    logical_id,
    referenced_ids,
    role_statements,
)

pytestmark = pytest.mark.infrastructure

READ = {
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:Query",
    "dynamodb:Scan",
}
WRITE = {
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
}
EXPECTED_ACTIONS = {"read": READ, "write": WRITE, "readwrite": READ | WRITE}
WEBSOCKET_FUNCTIONS = ["ws_authorize", "ws_connect", "ws_default", "ws_disconnect"]


def _actions_on(statements, resource_id: str, prefix: str) -> set[str]:
    return {
        action
        for statement in statements
        if resource_id in referenced_ids(statement["Resource"])
        for action in as_list(statement["Action"])
        if action.startswith(prefix)
    }


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_table_access_is_exactly_the_catalogs(template, stack, name):
    statements = role_statements(template, stack, name)
    declared = dict(catalog.FUNCTIONS_BY_NAME[name].tables)
    for table in catalog.TABLES:
        granted = _actions_on(statements, logical_id(stack.tables.by_id[table.id]), "dynamodb:")
        expected = EXPECTED_ACTIONS[declared[table.id]] if table.id in declared else set()
        assert granted == expected, f"{name} on {table.id}"


def test_ws_default_reads_connections_but_cannot_write_them(template, stack):
    connections = logical_id(stack.tables.by_id[catalog.CONNECTIONS.id])
    granted = _actions_on(role_statements(template, stack, "ws_default"), connections, "dynamodb:")
    assert "dynamodb:GetItem" in granted
    assert not granted & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_no_wildcards_except_xray(template, stack, name):
    for statement in role_statements(template, stack, name):
        actions = as_list(statement["Action"])
        assert statement["Effect"] == "Allow"
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement
        if statement["Resource"] == "*":
            # X-Ray has no resource-level permissions; nothing else may use "*".
            assert set(actions) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_put_events_only_on_the_bus_and_only_for_publishers(template, stack, name):
    statements = role_statements(template, stack, name)
    put_events = [s for s in statements if "events:PutEvents" in as_list(s["Action"])]
    if catalog.FUNCTIONS_BY_NAME[name].publishes_events:
        assert [s["Resource"] for s in put_events] == [
            {"Fn::GetAtt": [logical_id(stack.events.bus), "Arn"]}
        ]
    else:
        assert put_events == []


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_logs_only_to_its_own_log_group(template, stack, name):
    statements = role_statements(template, stack, name)
    logs = [s for s in statements if any(a.startswith("logs:") for a in as_list(s["Action"]))]
    assert logs == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(stack.functions[name].log_group), "Arn"]},
        }
    ]


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_no_managed_policies_on_function_roles(template, stack, name):
    role = template.to_json()["Resources"][logical_id(stack.functions[name].role)]
    assert "ManagedPolicyArns" not in role["Properties"]


@pytest.mark.parametrize("name", WEBSOCKET_FUNCTIONS)
def test_websocket_functions_cannot_post_to_connections(template, stack, name):
    assert not catalog.FUNCTIONS_BY_NAME[name].manages_connections
    actions = {a for s in role_statements(template, stack, name) for a in as_list(s["Action"])}
    assert not any(a.startswith("execute-api:") for a in actions)
