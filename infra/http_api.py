"""The operator HTTP API: a Cognito JWT on every route but the public ones, one Lambda behind."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpUserPoolAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.access_logs import JsonAccessLogs
from infra.nag import acknowledge
from infra.naming import construct_id_for

# Answered without a token, with why that is safe. Must match the function's own list
# (shared/api/operator.py PUBLIC_PATHS), which tests/infrastructure checks.
PUBLIC_ROUTES: dict[tuple[apigwv2.HttpMethod, str], str] = {
    (apigwv2.HttpMethod.GET, "/health"): "The health check is for uptime monitors; it returns "
    "a status and the time, nothing else.",
    (apigwv2.HttpMethod.GET, "/openapi.json"): "The OpenAPI description documents the API for "
    "its clients; it holds no data, and every other route needs a token.",
}
CORS_METHODS = [
    apigwv2.CorsHttpMethod.GET,
    apigwv2.CorsHttpMethod.POST,
    apigwv2.CorsHttpMethod.PUT,
    apigwv2.CorsHttpMethod.PATCH,
    apigwv2.CorsHttpMethod.DELETE,
]
CORS_HEADERS = ["authorization", "content-type"]

# One JSON line per request; `principal` is the caller's Cognito subject.
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "principal": "$context.authorizer.claims.sub",
    "authorizerError": "$context.authorizer.error",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "errorMessage": "$context.error.message",
}


class OperatorHttpApi(Construct):
    """`ANY {prefix}/{proxy+}` behind the JWT authorizer, public routes without, one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        function_name: str,
        function: lambda_.IFunction,
        user_pool: cognito.IUserPool,
        user_pool_client: cognito.IUserPoolClient,
        allowed_origins: tuple[str, ...],
        throttle_burst_limit: int,
        throttle_rate_limit: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            api_name=f"{Stack.of(self).stack_name}-operators",
            description="Operator API",
            create_default_stage=False,
            # Browsers only get in from the listed origins; without any, no CORS at all.
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=list(allowed_origins),
                allow_methods=CORS_METHODS,
                allow_headers=CORS_HEADERS,
                max_age=Duration.hours(1),
            )
            if allowed_origins
            else None,
        )
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                burst_limit=throttle_burst_limit, rate_limit=throttle_rate_limit
            ),
            access_log_settings=JsonAccessLogs(self.access_logs, ACCESS_LOG_FIELDS),
        )
        self.authorizer = HttpUserPoolAuthorizer(
            "OperatorAuthorizer", user_pool, user_pool_clients=[user_pool_client]
        )
        integration = HttpLambdaIntegration(
            construct_id_for(function_name) + "Integration",
            function,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )
        self.routes: dict[str, apigwv2.HttpRoute] = {}
        for route in self.api.add_routes(
            path=f"{prefix}/{{proxy+}}",
            methods=[apigwv2.HttpMethod.ANY],
            integration=integration,
            authorizer=self.authorizer,
        ):
            self.routes[f"ANY {prefix}/{{proxy+}}"] = route
        for (method, path), reason in PUBLIC_ROUTES.items():
            (route,) = self.api.add_routes(
                path=prefix + path,
                methods=[method],
                integration=integration,
                authorizer=apigwv2.HttpNoneAuthorizer(),
            )
            self.routes[f"{method.value} {prefix}{path}"] = route
            acknowledge(route, "AwsSolutions-APIG4", reason)

    @property
    def url(self) -> str:
        return self.stage.url
