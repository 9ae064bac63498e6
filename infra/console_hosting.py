"""The operator console on AWS: a private bucket behind a CloudFront distribution of its own.

`https://<distribution>/console/` serves the single-page app from the bucket (origin access
control: only this distribution may read it), with SPA routing in a CloudFront Function
(infra/cloudfront/console_routing.js) and security headers on every response. `/api/*` on the
same host goes to the operator HTTP API unchanged, so the console calls its API same-origin:
no CORS, and the content security policy can say `connect-src 'self'`. The build in
console/dist (`make console`) is deployed under `console/`; `console/config.json` is written
at deployment with the sign-in endpoints and the console's Cognito app client
(docs/adr/0033-operator-console.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from infra.catalog import (
    CONSOLE_HSTS_MAX_AGE_S,
    CONSOLE_PATH,
    console_content_security_policy,
    console_security_headers,
)
from infra.charger_edge import MAX_FUNCTION_CODE_BYTES
from infra.nag import acknowledge, flatten_reference

ROUTING_SOURCE = Path(__file__).resolve().parent / "cloudfront" / "console_routing.js"
KEY_PREFIX = "console/"
ASSETS_FOLDER = "assets"
CONFIG_FILE = "config.json"
INDEX_FILE = "index.html"
API_PATH_PATTERN = "/api/*"
ASSETS_PATH_PATTERN = f"{CONSOLE_PATH}{ASSETS_FOLDER}/*"
# Vite names every file under assets/ after its content: a changed file is a new name.
ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable"
# index.html and config.json: the browser asks again each time (an ETag makes that cheap).
NO_CACHE = "no-cache"
SCOPE = "openid email profile"
# CDK's id of BucketDeployment's singleton handler (its construct sits at the stack's root).
DEPLOYMENT_HANDLER_ID = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"


class ConsoleNotBuilt(Exception):
    """The stack deploys the console, and its build is missing."""


def console_dist(path: Path) -> Path:
    """`path` if it holds a console build (index.html and the assets/ Vite writes beside it),
    else ConsoleNotBuilt."""
    for required in (path / INDEX_FILE, path / ASSETS_FOLDER):
        if not required.exists():
            raise ConsoleNotBuilt(
                f"the operator console is not built ({required} is missing): run "
                "`make console`, or deploy without it (-c operatorConsole=false)"
            )
    return path


def routing_function_code(source: Path = ROUTING_SOURCE) -> str:
    """The CloudFront Function's code, exactly as deployed."""
    code = source.read_text(encoding="utf-8")
    if len(code.encode()) > MAX_FUNCTION_CODE_BYTES:
        raise ValueError(f"{source} exceeds CloudFront Functions' 10 KB limit")
    return code


def console_config(*, console_url: str, sign_in_url: str, client_id: str) -> dict[str, Any]:
    """config.json as the console reads it at start: the API on its own origin, Cognito's
    OAuth 2.0 endpoints for the code grant with PKCE, and where signing out comes back to.
    `console_url` ends with "/" and is registered as the client's logout URL."""
    logout_uri = console_url.replace("https://", "https%3A%2F%2F", 1).replace("/", "%2F")
    return {
        "apiBaseUrl": "",
        "auth": {
            "authorizeUrl": f"{sign_in_url}/oauth2/authorize",
            "tokenUrl": f"{sign_in_url}/oauth2/token",
            "clientId": client_id,
            "scope": SCOPE,
            "logoutUrl": f"{sign_in_url}/logout?client_id={client_id}&logout_uri={logout_uri}",
        },
        "environment": "aws",
    }


class OperatorConsole(Construct):
    """The bucket and the distribution; `route_api` adds the API behind `/api/*` and `deploy`
    the files, once the console's app client exists (it needs the distribution's name for its
    callback, and the API's authorizer needs the client)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dist: Path,
        sign_in_url: str,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dist = console_dist(dist)
        self.sign_in_url = sign_in_url
        self.log_retention = log_retention
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # Only build output, deployed again by every `cdk deploy`: the deployments empty
            # the bucket when the stack goes (retain_on_delete=False), and then it can go too.
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.routing = cloudfront.Function(
            self,
            "Routing",
            comment="Console SPA routes -> /console/index.html; / -> /console/",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(routing_function_code()),
        )
        self.headers = self._console_headers(sign_in_url)
        self.api_headers = self._api_headers()
        files = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Operator console and its API",
            default_behavior=cloudfront.BehaviorOptions(
                origin=files,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                # index.html and config.json: a new deployment shows at the next load.
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                response_headers_policy=self.headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=self.routing,
                        event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                    )
                ],
            ),
            additional_behaviors={
                # Hashed file names: cached at the edge and in browsers for as long as allowed.
                ASSETS_PATH_PATTERN: cloudfront.BehaviorOptions(
                    origin=files,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                    cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                    response_headers_policy=self.headers,
                    compress=True,
                ),
            },
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            # North America and Europe edges only, the cheapest price class: operators
            # elsewhere still reach the console, through those edges.
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )
        self.domain_name = self.distribution.distribution_domain_name
        self._acknowledge_findings()

    @property
    def url(self) -> str:
        """`https://<distribution>/console/`, where operators go (ends with "/")."""
        return f"https://{self.domain_name}{CONSOLE_PATH}"

    def route_api(self, api: apigwv2.IHttpApi) -> None:
        """`/api/*` to the HTTP API's default stage, path unchanged (its routes are /api/...).
        Nothing cached; every viewer header (Authorization: CloudFront forwards it through an
        origin request policy only when caching is disabled) and the query string, with the
        API's own Host as API Gateway needs."""
        stack = Stack.of(self)
        self.distribution.add_behavior(
            API_PATH_PATTERN,
            origins.HttpOrigin(
                f"{api.api_id}.execute-api.{stack.region}.{stack.url_suffix}",
                protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
            ),
            # A redirect would turn a POST into a GET.
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=self.api_headers,
        )

    def deploy(self, *, client_id: str) -> None:
        """The build under `console/` and config.json beside it. Two deployments, one
        handler: the hashed assets first (kept from earlier builds, so a tab still running the
        previous index.html loads its chunks), then the other files (pruned, but for assets/)
        with config.json, whose values are known at deployment only."""
        log_group = logs.LogGroup(self, "DeploymentLogs", retention=self.log_retention)
        common: dict[str, Any] = {
            "destination_bucket": self.bucket,
            "retain_on_delete": False,
            "log_group": log_group,
        }
        assets = s3_deployment.BucketDeployment(
            self,
            "DeployAssets",
            sources=[s3_deployment.Source.asset(str(self.dist / ASSETS_FOLDER))],
            destination_key_prefix=f"{KEY_PREFIX}{ASSETS_FOLDER}/",
            prune=False,
            cache_control=[s3_deployment.CacheControl.from_string(ASSETS_CACHE_CONTROL)],
            **common,
        )
        self.config = console_config(
            console_url=self.url, sign_in_url=self.sign_in_url, client_id=client_id
        )
        site = s3_deployment.BucketDeployment(
            self,
            "DeploySite",
            sources=[
                # The build's own config.json (the dev server's) never reaches the bucket.
                s3_deployment.Source.asset(str(self.dist), exclude=[ASSETS_FOLDER, CONFIG_FILE]),
                s3_deployment.Source.json_data(CONFIG_FILE, self.config),
            ],
            destination_key_prefix=KEY_PREFIX,
            # Pruned, but for the assets the other deployment writes.
            exclude=[f"{ASSETS_FOLDER}/*"],
            prune=True,
            cache_control=[s3_deployment.CacheControl.from_string(NO_CACHE)],
            **common,
        )
        site.node.add_dependency(assets)
        self.deployments = {"assets": assets, "site": site}
        self._acknowledge_deployment_handler()

    def _console_headers(self, sign_in_url: str) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            "ConsoleHeaders",
            comment="Operator console: HSTS, CSP, no framing, no sniffing, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=console_content_security_policy(sign_in_url),
                    override=True,
                ),
                **_common_security_headers(),
            ),
        )

    def _api_headers(self) -> cloudfront.ResponseHeadersPolicy:
        # Without a CSP: the API's documentation page (/api/docs) inlines Swagger UI.
        return cloudfront.ResponseHeadersPolicy(
            self,
            "ApiHeaders",
            comment="Operator API through the console's host: HSTS, no framing, no sniffing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                **_common_security_headers()
            ),
        )

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "The bucket only holds the console's build, written by the deployment and read by "
            "this distribution alone; like the chargers' edge, no request logs are kept for "
            "static files, and every API call the console makes is in the HTTP API's access log.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Operators sign in from wherever they work; no country can be excluded up front, "
            "and every API call needs a Cognito token of the operators group.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "No WAF web ACL (a fixed monthly fee per ACL and rule) for a handful of operators: "
            "the files are public build output and the API behind /api is throttled and "
            "needs a token for everything but health and its description.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR3",
            "No CloudFront standard logs (a log bucket with ACLs): the static files hold no data, "
            "and the HTTP API's access log records every API call with its caller.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The default *.cloudfront.net certificate cannot pin a minimum TLS version; the "
            "console is reached at the distribution's own name, which has no other certificate.",
        )

    def _acknowledge_deployment_handler(self) -> None:
        """BucketDeployment's handler (one per stack, shared by both deployments) is
        CDK's own Lambda function: its runtime, managed policy and grants are CDK's. Each
        wildcard of its policy is acknowledged by name, so a new one still fails the checks."""
        stack = Stack.of(self)
        handler = stack.node.try_find_child(DEPLOYMENT_HANDLER_ID)
        assert isinstance(handler, Construct), "BucketDeployment's handler moved: update its id"
        acknowledge(
            handler,
            "AwsSolutions-L1",
            "CDK's BucketDeployment handler runs the Python runtime CDK chose for its bundled "
            "AWS CLI; it only copies the console's build into the bucket during deployments.",
        )
        acknowledge(
            handler,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "CDK's BucketDeployment handler gets the basic execution role for its own logs; it "
            "runs during deployments only and holds no data.",
        )
        policy = handler.node.find_child("ServiceRole").node.find_child("DefaultPolicy")
        assert isinstance(policy, iam.Policy)
        statements = stack.resolve(policy.document.to_json())["Statement"]
        for statement in statements:
            for action in _as_list(statement["Action"]):
                if "*" in action:
                    acknowledge(
                        policy,
                        f"AwsSolutions-IAM5[Action::{action}]",
                        "CDK's BucketDeployment grants its handler these action groups on the "
                        "CDK asset bucket and the console's bucket only: a sync lists, reads, "
                        "writes and deletes objects.",
                    )
            for resource in _as_list(statement["Resource"]):
                if "*" in flatten_reference(resource):
                    acknowledge(
                        policy,
                        f"AwsSolutions-IAM5[Resource::{flatten_reference(resource)}]",
                        "The objects of the CDK asset bucket (the zipped build) and of the "
                        "console's bucket: the handler copies one whole build into the other.",
                    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _common_security_headers() -> dict[str, Any]:
    """infra/catalog.py's console headers but the CSP, as CloudFront's security headers
    (tests/infrastructure/test_console_hosting.py reads them back from the template)."""
    headers = console_security_headers()
    return {
        "strict_transport_security": cloudfront.ResponseHeadersStrictTransportSecurity(
            access_control_max_age=Duration.seconds(CONSOLE_HSTS_MAX_AGE_S),
            include_subdomains="includeSubDomains" in headers["Strict-Transport-Security"],
            override=True,
        ),
        # CloudFront's only value: nosniff.
        "content_type_options": cloudfront.ResponseHeadersContentTypeOptions(override=True),
        "frame_options": cloudfront.ResponseHeadersFrameOptions(
            frame_option=cloudfront.HeadersFrameOption[headers["X-Frame-Options"]],
            override=True,
        ),
        "referrer_policy": cloudfront.ResponseHeadersReferrerPolicy(
            referrer_policy=cloudfront.HeadersReferrerPolicy[
                headers["Referrer-Policy"].upper().replace("-", "_")
            ],
            override=True,
        ),
    }
