from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra import catalog
from infra.stack import CsmsStack, websocket_function_names
from infra.stack_settings import API_GATEWAY_ACCOUNT_LOGGING, WEBSOCKET_ACCESS_LOG, StackSettings
from tests.infrastructure.synth import build_stack
from tests.infrastructure.template_queries import (
    logical_id,
    referenced_ids,
    resource,
    resources,
    template_json,
)

pytestmark = pytest.mark.infrastructure


def _route(template: Template, stack: CsmsStack, route_key: str) -> dict[str, Any]:
    return resource(template, stack.websocket.routes[route_key])


def _websocket_api_ref(stack: CsmsStack) -> dict[str, str]:
    return {"Ref": logical_id(stack.websocket.api)}


def test_the_api_has_exactly_the_catalog_routes(template, stack):
    keys = {
        r["Properties"]["RouteKey"]
        for r in resources(template, "AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["ApiId"] == _websocket_api_ref(stack)
    }
    assert keys == set(catalog.WEBSOCKET_ROUTES)
    api = resource(template, stack.websocket.api)["Properties"]
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"]


@pytest.mark.parametrize(("route_key", "function_name"), catalog.WEBSOCKET_ROUTES.items())
def test_each_route_invokes_its_catalog_function_through_a_proxy_integration(
    template, stack, route_key, function_name
):
    target = _route(template, stack, route_key)["Properties"]["Target"]
    (integration_id,) = referenced_ids(target)
    integration = template_json(template)["Resources"][integration_id]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert referenced_ids(integration["IntegrationUri"]) == {
        logical_id(stack.functions[function_name].function)
    }


def test_connect_is_guarded_by_the_request_authorizer_on_the_charge_point_id(template, stack):
    connect = _route(template, stack, "$connect")["Properties"]
    assert connect["AuthorizationType"] == "CUSTOM"
    (authorizer_id,) = referenced_ids(connect["AuthorizerId"])
    authorizer = template_json(template)["Resources"][authorizer_id]["Properties"]
    assert authorizer["AuthorizerType"] == "REQUEST"
    assert authorizer["IdentitySource"] == [catalog.WEBSOCKET_IDENTITY_SOURCE]
    assert referenced_ids(authorizer["AuthorizerUri"]) == {
        logical_id(stack.functions[catalog.WEBSOCKET_AUTHORIZER].function)
    }


@pytest.mark.parametrize("route_key", ["$default", "$disconnect"])
def test_other_routes_have_no_authorizer(template, stack, route_key):
    assert _route(template, stack, route_key)["Properties"]["AuthorizationType"] == "NONE"


def test_only_default_sends_the_lambda_body_back_as_route_response(template, stack):
    default_route_id = logical_id(stack.websocket.routes["$default"])
    route_responses = resources(template, "AWS::ApiGatewayV2::RouteResponse")
    assert [r["Properties"]["RouteId"] for r in route_responses.values()] == [
        {"Ref": default_route_id}
    ]
    assert next(iter(route_responses.values()))["Properties"]["RouteResponseKey"] == "$default"
    assert (
        _route(template, stack, "$default")["Properties"]["RouteResponseSelectionExpression"]
        == "$default"
    )
    for route_key in ("$connect", "$disconnect"):
        assert (
            "RouteResponseSelectionExpression"
            not in _route(template, stack, route_key)["Properties"]
        )


def test_api_gateway_may_invoke_every_websocket_function(template, stack):
    invoked = {
        next(iter(referenced_ids(p["Properties"]["FunctionName"])))
        for p in resources(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
        and logical_id(stack.websocket.api) in referenced_ids(p["Properties"]["SourceArn"])
    }
    assert invoked == {
        logical_id(stack.functions[name].function) for name in websocket_function_names()
    }


@pytest.fixture(scope="module")
def logged_stack() -> CsmsStack:
    """The stack with the WebSocket access log turned on (CDK context websocketAccessLog)."""
    return build_stack(context={WEBSOCKET_ACCESS_LOG: True})


@pytest.fixture(scope="module")
def logged_template(logged_stack: CsmsStack) -> Template:
    return Template.from_stack(logged_stack)


def test_stage_deploys_automatically_with_throttling(template, stack):
    stage = resource(template, stack.websocket.stage)
    properties = stage["Properties"]
    assert properties["StageName"] == "prod"
    assert properties["AutoDeploy"] is True
    assert properties["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": 500,
        "ThrottlingRateLimit": 1000,
    }
    # First deployment only after the routes exist.
    for route in stack.websocket.routes.values():
        assert logical_id(route) in stage["DependsOn"]


def test_by_default_the_stage_writes_no_access_log_and_says_why(template, stack):
    assert StackSettings().websocket_access_log is False
    assert stack.settings.websocket_access_log is False
    assert "AccessLogSettings" not in resource(template, stack.websocket.stage)["Properties"]
    assert stack.websocket.access_logs is None
    # Nothing to log: no account-wide logging role either.
    assert resources(template, "AWS::ApiGateway::Account") == {}
    reasons = [
        reason
        for entry in stack.websocket.stage.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for rule, reason in entry.data.items()
        if rule.endswith("AwsSolutions-APIG1")
    ]
    assert len(reasons) == 1
    assert WEBSOCKET_ACCESS_LOG in reasons[0]
    assert "metrics" in reasons[0]


def test_the_access_log_context_key_writes_json_lines_to_its_log_group(
    logged_template, logged_stack
):
    assert logged_stack.websocket.access_logs is not None
    properties = resource(logged_template, logged_stack.websocket.stage)["Properties"]
    access_logs = properties["AccessLogSettings"]
    assert access_logs["DestinationArn"] == {
        "Fn::GetAtt": [logical_id(logged_stack.websocket.access_logs), "Arn"]
    }
    fields = json.loads(access_logs["Format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["connectionId"] == "$context.connectionId"
    assert fields["routeKey"] == "$context.routeKey"
    retention = resource(logged_template, logged_stack.websocket.access_logs)["Properties"]
    assert retention["RetentionInDays"] == 30


def test_access_logging_sets_the_account_cloudwatch_role_first(logged_template, logged_stack):
    (account_id,) = resources(logged_template, "AWS::ApiGateway::Account")
    assert account_id in resource(logged_template, logged_stack.websocket.stage)["DependsOn"]
    account = template_json(logged_template)["Resources"][account_id]
    (role_id,) = referenced_ids(account["Properties"]["CloudWatchRoleArn"])
    role = template_json(logged_template)["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    # Shared by every API of the account and region: never deleted with this stack.
    assert account["DeletionPolicy"] == "Retain"


def test_the_access_log_without_the_account_role_where_another_stack_owns_it():
    stack = build_stack(
        context={WEBSOCKET_ACCESS_LOG: True, API_GATEWAY_ACCOUNT_LOGGING: False}, nag=False
    )
    template = Template.from_stack(stack)
    assert "AccessLogSettings" in resource(template, stack.websocket.stage)["Properties"]
    assert resources(template, "AWS::ApiGateway::Account") == {}


def test_outputs_give_the_websocket_url_and_the_connections_endpoint(template, stack):
    api = logical_id(stack.websocket.api)
    outputs = template_json(template)["Outputs"]
    url = outputs["WebSocketUrl"]["Value"]["Fn::Join"][1]
    endpoint = outputs["ConnectionsEndpoint"]["Value"]["Fn::Join"][1]
    assert (url[0], url[-1]) == ("wss://", "/prod")
    assert {"Ref": api} in url
    assert (endpoint[0], endpoint[-1]) == ("https://", "/prod")
    assert {"Ref": api} in endpoint


def test_connect_has_its_own_throttle_below_the_stage(template, stack):
    stage = resource(template, stack.websocket.stage)
    connect = stage["Properties"]["RouteSettings"]["$connect"]
    settings = stack.settings
    assert connect == {
        "ThrottlingBurstLimit": settings.ws_connect_throttle_burst_limit,
        "ThrottlingRateLimit": settings.ws_connect_throttle_rate_limit,
    }
    assert settings.ws_connect_throttle_rate_limit < settings.ws_throttle_rate_limit
