"""The HTTP API: the operators' and drivers' routes, the Cognito JWT authorizer of each, stage
settings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra import catalog
from infra.http_api import PUBLIC_ROUTES, HttpRoute, PlatformHttpApi
from infra.stack import CsmsStack
from tests.infrastructure.template_queries import (
    logical_id,
    referenced_ids,
    resource,
    resources,
    template_json,
)

pytestmark = pytest.mark.infrastructure

WEBHOOK = "POST /webhooks/stripe"
GRID_WEBHOOK = "POST /webhooks/openadr"
FILES = tuple(f"{method} /files/{{proxy+}}" for method in ("GET", "PUT", "POST"))
PREFIXES = {
    "/api": ("operator_api", ("operator_client", "console_client")),
    "/driver": ("driver_api", ("driver_client",)),
}
PROXY_ROUTES = {prefix: f"ANY {prefix}/{{proxy+}}" for prefix in PREFIXES}
PUBLIC = tuple(
    f"GET {prefix}{path}" for prefix in PREFIXES for path in ("/health", "/openapi.json", "/docs")
)


def _routes(template: Template, stack: CsmsStack) -> dict[str, dict[str, Any]]:
    api = {"Ref": logical_id(stack.http_api.api)}
    return {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in resources(template, "AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["ApiId"] == api
    }


def _authorizer(template: Template, route: dict[str, Any]) -> dict[str, Any]:
    (authorizer_id,) = referenced_ids(route["AuthorizerId"])
    found: dict[str, Any] = template_json(template)["Resources"][authorizer_id]["Properties"]
    return found


def test_the_api_has_the_proxy_routes_and_the_public_routes_only(template, stack):
    assert resource(template, stack.http_api.api)["Properties"]["ProtocolType"] == "HTTP"
    assert set(_routes(template, stack)) == {
        *PROXY_ROUTES.values(),
        *PUBLIC,
        WEBHOOK,
        GRID_WEBHOOK,
        *FILES,
    }
    assert catalog.HTTP_ROUTES == {"/api": "operator_api", "/driver": "driver_api"}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_route_but_the_public_ones_needs_a_cognito_jwt_for_its_client(
    template, stack, prefix
):
    route = _routes(template, stack)[PROXY_ROUTES[prefix]]
    assert route["AuthorizationType"] == "JWT"
    authorizer = _authorizer(template, route)
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    pool = logical_id(stack.users.user_pool)
    # Access tokens of every client listed here pass (their client_id is the audience).
    clients = [getattr(stack.users, name) for name in PREFIXES[prefix][1]]
    assert authorizer["JwtConfiguration"] == {
        "Audience": [{"Ref": logical_id(client)} for client in clients],
        "Issuer": {
            "Fn::Join": [
                "",
                ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".amazonaws.com/", {"Ref": pool}],
            ]
        },
    }


@pytest.mark.parametrize("route_key", [*PUBLIC, WEBHOOK, GRID_WEBHOOK, *FILES])
def test_the_public_routes_have_no_authorizer(template, stack, route_key):
    route = _routes(template, stack)[route_key]
    assert route["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in route


def test_the_public_routes_are_the_functions_public_paths():
    from shared.api import driver, operator

    for prefix, public_paths in (("/api", operator.PUBLIC_PATHS), ("/driver", driver.PUBLIC_PATHS)):
        assert {prefix + path for _method, path in PUBLIC_ROUTES} == set(public_paths)
        assert catalog.HTTP_ROUTES_BY_PREFIX[prefix].public() == public_paths


@pytest.mark.parametrize("prefix", PREFIXES)
def test_each_prefix_invokes_its_own_function_with_payload_v2(template, stack, prefix):
    function = logical_id(stack.functions[PREFIXES[prefix][0]].function)
    routes = [r for key, r in _routes(template, stack).items() if f" {prefix}/" in key]
    assert len(routes) == 4  # the proxy and the public health, openapi.json and docs
    for route in routes:
        (integration_id,) = referenced_ids(route["Target"])
        integration = template_json(template)["Resources"][integration_id]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["PayloadFormatVersion"] == "2.0"
        assert referenced_ids(integration["IntegrationUri"]) == {function}


@pytest.mark.parametrize(
    ("route_key", "name"), [(WEBHOOK, "payment_webhook"), (GRID_WEBHOOK, "grid_webhook")]
)
def test_the_webhooks_reach_their_function_with_payload_v2(template, stack, route_key, name):
    route = _routes(template, stack)[route_key]
    (integration_id,) = referenced_ids(route["Target"])
    integration = template_json(template)["Resources"][integration_id]["Properties"]
    assert integration["PayloadFormatVersion"] == "2.0"
    function = logical_id(stack.functions[name].function)
    assert referenced_ids(integration["IntegrationUri"]) == {function}


def test_the_files_routes_reach_the_files_function_with_payload_v2(template, stack):
    function = logical_id(stack.functions[catalog.FILE_ROUTE.function].function)
    for key in FILES:
        (integration_id,) = referenced_ids(_routes(template, stack)[key]["Target"])
        integration = template_json(template)["Resources"][integration_id]["Properties"]
        assert integration["PayloadFormatVersion"] == "2.0"
        assert referenced_ids(integration["IntegrationUri"]) == {function}


@pytest.mark.parametrize("name", ["operator_api", "driver_api", "payment_webhook", "files"])
def test_api_gateway_may_invoke_each_function_from_this_api_only(template, stack, name):
    api = logical_id(stack.http_api.api)
    function = logical_id(stack.functions[name].function)
    permissions = [
        p["Properties"]
        for p in resources(template, "AWS::Lambda::Permission").values()
        if referenced_ids(p["Properties"]["FunctionName"]) == {function}
    ]
    assert permissions
    for permission in permissions:
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert api in referenced_ids(permission["SourceArn"])


def test_the_default_stage_is_throttled_and_logs_json(template, stack):
    stage = resource(template, stack.http_api.stage)["Properties"]
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}
    access_logs = stage["AccessLogSettings"]
    assert access_logs["DestinationArn"] == {
        "Fn::GetAtt": [logical_id(stack.http_api.access_logs), "Arn"]
    }
    fields = json.loads(access_logs["Format"])
    assert fields["routeKey"] == "$context.routeKey"
    assert fields["status"] == "$context.status"
    assert fields["authorizerError"] == "$context.authorizer.error"
    assert resource(template, stack.http_api.access_logs)["Properties"]["RetentionInDays"] == 30


def test_no_cors_unless_origins_are_configured(template, stack):
    assert "CorsConfiguration" not in resource(template, stack.http_api.api)["Properties"]


def test_configured_origins_get_a_restrictive_cors_policy():
    """Synthesized on its own: a second full stack would double this module's time."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs

    from infra.auth import UserDirectory

    stack = Stack(App(), "Cors")
    function = lambda_.Function(
        stack,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )
    users = UserDirectory(
        stack, "Users", sign_up_trigger=function, driver_callback_urls=("app.example://in",)
    )
    api = PlatformHttpApi(
        stack,
        "HttpApi",
        routes=[HttpRoute(catalog.HTTP_API_ROUTES[0], function, (users.operator_client,))],
        user_pool=users.user_pool,
        allowed_origins=("https://console.example.com",),
        throttle_burst_limit=10,
        throttle_rate_limit=5,
        log_retention=logs.RetentionDays.ONE_WEEK,
    )
    template = Template.from_stack(stack)
    cors = resource(template, api.api)["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["https://console.example.com"]
    assert "*" not in cors["AllowMethods"]
    assert sorted(cors["AllowHeaders"]) == ["authorization", "content-type"]
    assert cors.get("AllowCredentials") in (None, False)


def test_the_operator_api_url_is_an_output(template, stack):
    url = template_json(template)["Outputs"]["HttpApiUrl"]["Value"]["Fn::Join"][1]
    assert url[0] == "https://"
    assert {"Ref": logical_id(stack.http_api.api)} in url
