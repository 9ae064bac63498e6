"""The chargers' WebSocket API: routes from the catalog, a $connect authorizer, one stage."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import WebSocketLambdaAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import WebSocketLambdaIntegration
from constructs import Construct

from infra.access_logs import JsonAccessLogs
from infra.catalog import (
    WEBSOCKET_ACCESS_LOG_FIELDS,
    WEBSOCKET_AUTHORIZER,
    WEBSOCKET_IDENTITY_SOURCE,
    WEBSOCKET_ROUTES,
)
from infra.nag import acknowledge
from infra.naming import construct_id_for

CONNECT_ROUTE = "$connect"
# $default answers every CALL with the Lambda's body: a route response makes API Gateway send
# it back on the same connection, one @connections call less per message.
ROUTES_WITH_RESPONSE = frozenset({"$default"})


class WebSocketApi(Construct):
    """API and stage first, routes later: functions that post to connections need the stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage_name: str,
        throttle_burst_limit: int,
        throttle_rate_limit: int,
        log_retention: logs.RetentionDays,
        connect_throttle_burst_limit: int | None = None,
        connect_throttle_rate_limit: int | None = None,
        access_log: bool = False,
        account_logging: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name=f"{Stack.of(self).stack_name}-chargers",
            description="OCPP-J WebSocket endpoint for charge points",
        )
        self.access_logs: logs.LogGroup | None = (
            logs.LogGroup(self, "AccessLogs", retention=log_retention) if access_log else None
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=stage_name,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                burst_limit=throttle_burst_limit, rate_limit=throttle_rate_limit
            ),
            access_log_settings=(
                JsonAccessLogs(self.access_logs, WEBSOCKET_ACCESS_LOG_FIELDS)
                if self.access_logs
                else None
            ),
        )
        if connect_throttle_burst_limit is not None and connect_throttle_rate_limit is not None:
            # $connect has its own limit below the stage's: each one runs a scrypt check.
            stage = self.stage.node.default_child
            assert isinstance(stage, apigwv2.CfnStage)
            stage.add_property_override(
                f"RouteSettings.{CONNECT_ROUTE}",
                {
                    "ThrottlingBurstLimit": connect_throttle_burst_limit,
                    "ThrottlingRateLimit": connect_throttle_rate_limit,
                },
            )
        if self.access_logs is None:
            acknowledge(
                self.stage,
                "AwsSolutions-APIG1",
                "Off by default (context websocketAccessLog): a line per OCPP message costs about "
                "7 % of the bill per charger-month; errors and throttles are in API Gateway's "
                "metrics and alarms, $connect outcomes in the functions' logs.",
            )
        elif account_logging:
            self.stage.node.add_dependency(_account_logging_role(self))
        self.routes: dict[str, apigwv2.WebSocketRoute] = {}

    def add_routes(
        self,
        functions: Mapping[str, lambda_.IFunction],
        *,
        routes: Mapping[str, str] = WEBSOCKET_ROUTES,
        authorizer: str = WEBSOCKET_AUTHORIZER,
        identity_source: str = WEBSOCKET_IDENTITY_SOURCE,
    ) -> None:
        connect_authorizer = WebSocketLambdaAuthorizer(
            "ChargerAuthorizer", functions[authorizer], identity_source=[identity_source]
        )
        for route_key, function_name in routes.items():
            is_connect = route_key == CONNECT_ROUTE
            self.routes[route_key] = self.api.add_route(
                route_key,
                integration=WebSocketLambdaIntegration(
                    construct_id_for(function_name) + "Integration", functions[function_name]
                ),
                authorizer=connect_authorizer if is_connect else None,
                return_response=route_key in ROUTES_WITH_RESPONSE,
            )
            if not is_connect:
                acknowledge(
                    self.routes[route_key],
                    "AwsSolutions-APIG4",
                    "WebSocket APIs authorize once, on $connect; API Gateway accepts no authorizer "
                    f"on {route_key}, which only runs on already authorized connections.",
                )
        # The first automatic deployment of the stage then already has every route.
        self.stage.node.add_dependency(*self.routes.values())


_LOGGING_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def _account_logging_role(scope: Construct) -> apigw.CfnAccount:
    """The account-level role API Gateway needs before a WebSocket stage may log access."""
    role = iam.Role(
        scope,
        "ApiGatewayLoggingRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(_LOGGING_POLICY)],
    )
    acknowledge(
        role,
        f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{_LOGGING_POLICY}]",
        "The AWS-managed policy made for API Gateway's account-level logging role; it follows "
        "API Gateway's logging needs without changes here.",
    )
    account = apigw.CfnAccount(scope, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
    account.node.add_dependency(role)
    # The setting is per account and region: other APIs may log through it after we are gone.
    role.apply_removal_policy(RemovalPolicy.RETAIN)
    account.apply_removal_policy(RemovalPolicy.RETAIN)
    return account
