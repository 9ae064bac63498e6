"""The HTTP API: operators' and drivers' prefixes, each behind a Cognito JWT authorizer for its
app clients (but the public paths), each served by its own function."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpUserPoolAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.access_logs import JsonAccessLogs
from infra.catalog import FileRouteDef, HttpRouteDef
from infra.nag import acknowledge
from infra.naming import construct_id_for

# Answered without a token under every prefix, with why that is safe. Must match the functions'
# own lists (PUBLIC_PATHS of shared/api/operator.py and driver.py), which tests/infrastructure
# checks.
PUBLIC_ROUTES: dict[tuple[apigwv2.HttpMethod, str], str] = {
    (apigwv2.HttpMethod.GET, "/health"): "The health check is for uptime monitors; it returns "
    "a status and the time, nothing else.",
    (apigwv2.HttpMethod.GET, "/openapi.json"): "The OpenAPI description documents the API for "
    "its clients; it holds no data, and every other route needs a token.",
    (apigwv2.HttpMethod.GET, "/docs"): "The API documentation page renders that same public "
    "description in a browser; it holds no data either.",
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


@dataclass(frozen=True)
class HttpRoute:
    """A catalog prefix with the function behind it and the app clients its tokens are for
    (the authorizer's audience: the operators' tools and their console share the prefix)."""

    definition: HttpRouteDef
    function: lambda_.IFunction
    clients: tuple[cognito.IUserPoolClient, ...]


# Construct ids of the authorizers per audience (the operators' predates the drivers').
_AUTHORIZER_IDS = {"operators": "OperatorAuthorizer", "drivers": "DriverAuthorizer"}


class PlatformHttpApi(Construct):
    """`ANY {prefix}/{proxy+}` per route behind its JWT authorizer, public routes without,
    one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        routes: Sequence[HttpRoute],
        user_pool: cognito.IUserPool,
        webhooks: Mapping[str, lambda_.IFunction] | None = None,
        files: tuple[FileRouteDef, lambda_.IFunction] | None = None,
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
            description="Operator and driver API",
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
        self.authorizers: dict[str, HttpUserPoolAuthorizer] = {}
        self.routes: dict[str, apigwv2.HttpRoute] = {}
        for route in routes:
            self._add(route, user_pool)
        for path, function in (webhooks or {}).items():
            self._add_webhook(path, function)
        if files is not None:
            self._add_files(*files)

    def _add_files(self, route: FileRouteDef, function: lambda_.IFunction) -> None:
        integration = HttpLambdaIntegration(
            construct_id_for(route.function) + "Integration",
            function,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )
        for method in route.methods:
            (added,) = self.api.add_routes(
                path=f"{route.prefix}/{{proxy+}}",
                methods=[apigwv2.HttpMethod(method)],
                integration=integration,
                authorizer=apigwv2.HttpNoneAuthorizer(),
            )
            self.routes[f"{method} {route.prefix}/{{proxy+}}"] = added
            acknowledge(
                added,
                "AwsSolutions-APIG4",
                "Chargers have no JWT: the path's random token (122 bits, expiring) is the "
                "credential of one download or upload location (docs/adr/0045).",
            )

    def _add_webhook(self, path: str, function: lambda_.IFunction) -> None:
        integration = HttpLambdaIntegration(
            construct_id_for(path.strip("/").replace("/", "_")) + "Integration",
            function,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )
        (added,) = self.api.add_routes(
            path=path,
            methods=[apigwv2.HttpMethod.POST],
            integration=integration,
            authorizer=apigwv2.HttpNoneAuthorizer(),
        )
        self.routes[f"POST {path}"] = added
        acknowledge(
            added,
            "AwsSolutions-APIG4",
            "A payment provider's webhook carries no JWT; the function verifies the provider's "
            "signature over the raw body (and its timestamp) before it reads anything.",
        )

    def _add(self, route: HttpRoute, user_pool: cognito.IUserPool) -> None:
        prefix = route.definition.prefix
        authorizer = self.authorizers[route.definition.audience] = HttpUserPoolAuthorizer(
            _AUTHORIZER_IDS[route.definition.audience],
            user_pool,
            user_pool_clients=list(route.clients),
        )
        integration = HttpLambdaIntegration(
            construct_id_for(route.definition.function) + "Integration",
            route.function,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )
        for added in self.api.add_routes(
            path=f"{prefix}/{{proxy+}}",
            methods=[apigwv2.HttpMethod.ANY],
            integration=integration,
            authorizer=authorizer,
        ):
            self.routes[f"ANY {prefix}/{{proxy+}}"] = added
        for (method, path), reason in PUBLIC_ROUTES.items():
            (added,) = self.api.add_routes(
                path=prefix + path,
                methods=[method],
                integration=integration,
                authorizer=apigwv2.HttpNoneAuthorizer(),
            )
            self.routes[f"{method.value} {prefix}{path}"] = added
            acknowledge(added, "AwsSolutions-APIG4", reason)

    @property
    def url(self) -> str:
        return self.stage.url
