"""The operator console on AWS: private bucket, its own CloudFront distribution, Cognito sign-in.

The session's stack deploys a minimal console build (tests/infrastructure/synth.py), never the
real one, so these tests hold whether or not `make console` ran.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk.assertions import Template

from infra import catalog
from infra.auth import default_sign_in_domain_prefix
from infra.console_hosting import (
    ConsoleNotBuilt,
    OperatorConsole,
    console_config,
    routing_function_code,
)
from infra.nag import flatten_reference
from infra.stack import CsmsStack
from infra.stack_settings import PROJECT_ROOT, StackSettings
from tests.infrastructure.synth import CONSOLE_DIST_FILES, build_stack
from tests.infrastructure.template_queries import (
    as_list,
    cdk_functions,
    logical_id,
    referenced_ids,
    resource,
    resources,
    role_statements,
    template_json,
)

pytestmark = pytest.mark.infrastructure

YEAR_S = 365 * 24 * 3600


def _console(stack: CsmsStack) -> OperatorConsole:
    assert stack.console is not None
    return stack.console


def _flat(value: Any) -> str:
    """A template value as one string: `{"Ref": "X"}` -> `<X>`, GetAtt -> `<X.Attr>`."""
    return flatten_reference(value)


def _distribution(template: Template, stack: CsmsStack) -> dict[str, Any]:
    config: dict[str, Any] = resource(template, _console(stack).distribution)["Properties"][
        "DistributionConfig"
    ]
    return config


def _behaviours(template: Template, stack: CsmsStack) -> dict[str, dict[str, Any]]:
    config = _distribution(template, stack)
    return {"default": config["DefaultCacheBehavior"]} | {
        b["PathPattern"]: b for b in config["CacheBehaviors"]
    }


def _origin(template: Template, stack: CsmsStack, behaviour: dict[str, Any]) -> dict[str, Any]:
    origins = _distribution(template, stack)["Origins"]
    (origin,) = [o for o in origins if o["Id"] == behaviour["TargetOriginId"]]
    found: dict[str, Any] = origin
    return found


def _deployment(template: Template, stack: CsmsStack, name: str) -> dict[str, Any]:
    custom = _console(stack).deployments[name].node.find_child("CustomResource")
    return resource(template, custom)


def _sign_in_origin(stack: CsmsStack) -> str:
    assert stack.users.sign_in_domain is not None
    domain = logical_id(stack.users.sign_in_domain)
    return f"https://<{domain}>.auth.<AWS::Region>.amazoncognito.com"


def _console_url(stack: CsmsStack) -> str:
    return f"https://<{logical_id(_console(stack).distribution)}.DomainName>/console/"


# The bucket: private, readable by this distribution only.


def test_the_bucket_is_private_encrypted_and_https_only(template, stack):
    bucket = resource(template, _console(stack).bucket)
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # Not a website endpoint: CloudFront reads it through the S3 API with origin access control.
    assert "WebsiteConfiguration" not in properties
    # Build output only: the deployments empty it when the stack goes, then it goes too.
    assert bucket["DeletionPolicy"] == "Delete"


def test_only_the_console_distribution_may_read_the_bucket(template, stack):
    console = _console(stack)
    bucket = logical_id(console.bucket)
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    allows = [s for s in policy if s["Effect"] == "Allow"]
    denies = [s for s in policy if s["Effect"] == "Deny"]
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert _flat(allow["Resource"]) == f"<{bucket}.Arn>/*"
    source = _flat(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert source.endswith(f":distribution/<{logical_id(console.distribution)}>")
    (deny,) = denies
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Action"] == "s3:*"


def test_the_distribution_reads_the_bucket_with_origin_access_control(template, stack):
    origin = _origin(template, stack, _behaviours(template, stack)["default"])
    assert origin["DomainName"] == {
        "Fn::GetAtt": [logical_id(_console(stack).bucket), "RegionalDomainName"]
    }
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    (control_id,) = referenced_ids(origin["OriginAccessControlId"])
    control = template_json(template)["Resources"][control_id]["Properties"]
    assert control["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    assert control["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert control["OriginAccessControlConfig"]["SigningProtocol"] == "sigv4"
    assert "OriginPath" not in origin  # keys are console/..., as the paths


# The distribution: its own, with the console's files and the API on one host.


def test_the_console_has_a_distribution_of_its_own(template, stack):
    console = _console(stack)
    assert console.distribution is not stack.edge.distribution
    assert len(resources(template, "AWS::CloudFront::Distribution")) == 2
    config = _distribution(template, stack)
    assert config["HttpVersion"] == "http2and3"
    assert config["PriceClass"] == "PriceClass_100"
    assert "DefaultRootObject" not in config  # the function sends / to /console/
    # No custom error pages: they would turn the API's own 403s and 404s into HTML.
    assert "CustomErrorResponses" not in config


def test_the_default_behaviour_serves_the_app_uncached_through_the_routing_function(
    template, stack
):
    default = _behaviours(template, stack)["default"]
    assert default["AllowedMethods"] == ["GET", "HEAD"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["CachePolicyId"] == cloudfront.CachePolicy.CACHING_DISABLED.cache_policy_id
    (association,) = default["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert association["FunctionARN"] == {
        "Fn::GetAtt": [logical_id(_console(stack).routing), "FunctionARN"]
    }
    function = resource(template, _console(stack).routing)["Properties"]
    assert function["FunctionCode"] == routing_function_code()
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"


def test_hashed_assets_are_cached_without_the_function(template, stack):
    assets = _behaviours(template, stack)["/console/assets/*"]
    assert assets["CachePolicyId"] == cloudfront.CachePolicy.CACHING_OPTIMIZED.cache_policy_id
    assert assets["TargetOriginId"] == _behaviours(template, stack)["default"]["TargetOriginId"]
    assert "FunctionAssociations" not in assets
    assert assets["Compress"] is True
    assert assets["AllowedMethods"] == ["GET", "HEAD"]


def test_api_calls_go_to_the_operator_http_api_uncached_with_every_viewer_header(template, stack):
    api = _behaviours(template, stack)["/api/*"]
    assert api["AllowedMethods"] == ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    assert api["ViewerProtocolPolicy"] == "https-only"  # a redirect would lose a POST's body
    assert api["CachePolicyId"] == cloudfront.CachePolicy.CACHING_DISABLED.cache_policy_id
    # Authorization reaches API Gateway (caching disabled), Host becomes the API's own.
    assert (
        api["OriginRequestPolicyId"]
        == cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.origin_request_policy_id
    )
    assert "FunctionAssociations" not in api
    origin = _origin(template, stack, api)
    assert _flat(origin["DomainName"]) == (
        f"<{logical_id(stack.http_api.api)}>.execute-api.<AWS::Region>.<AWS::URLSuffix>"
    )
    assert origin["CustomOriginConfig"] == {
        "OriginProtocolPolicy": "https-only",
        "OriginSSLProtocols": ["TLSv1.2"],
    }
    assert "OriginPath" not in origin


def test_the_operator_routes_are_reached_through_the_api_behaviour_with_their_path(template, stack):
    """The stage is `$default` (no stage segment in the path) and every operator route is
    under /api/, so `/api/...` on the console's host is `/api/...` on the API."""
    stage = resource(template, stack.http_api.stage)["Properties"]
    assert stage["StageName"] == "$default"
    http_api = {"Ref": logical_id(stack.http_api.api)}
    paths = [
        r["Properties"]["RouteKey"].split(" ", 1)[1]
        for r in resources(template, "AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["ApiId"] == http_api
    ]
    operator_routes = [path for path in paths if path.startswith("/api")]
    assert "/api/{proxy+}" in operator_routes
    for path in operator_routes:
        concrete = path.replace("{proxy+}", "chargers/CP-1/commands")
        assert fnmatchcase(concrete, "/api/*"), path
    # Only the operators' prefix: drivers and webhooks are not behind the console's host.
    assert not fnmatchcase("/driver/health", "/api/*")
    assert catalog.HTTP_ROUTES_BY_PREFIX["/api"].audience == "operators"


# Security headers.


def _headers(template: Template, policy: cloudfront.ResponseHeadersPolicy) -> dict[str, Any]:
    config: dict[str, Any] = resource(template, policy)["Properties"][
        "ResponseHeadersPolicyConfig"
    ]["SecurityHeadersConfig"]
    return config


def _csp(template: Template, stack: CsmsStack) -> dict[str, str]:
    headers = _headers(template, _console(stack).headers)["ContentSecurityPolicy"]
    assert headers["Override"] is True
    text = _flat(headers["ContentSecurityPolicy"])
    return dict(d.strip().split(" ", 1) for d in text.split(";"))


def _as_header_lines(headers: dict[str, Any]) -> dict[str, str]:
    """A response headers policy's security headers as the browser receives them."""
    lines = {}
    if "StrictTransportSecurity" in headers:
        hsts = headers["StrictTransportSecurity"]
        subdomains = "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        lines["Strict-Transport-Security"] = f"max-age={hsts['AccessControlMaxAgeSec']}{subdomains}"
    if "ContentTypeOptions" in headers:
        lines["X-Content-Type-Options"] = "nosniff"
    if "FrameOptions" in headers:
        lines["X-Frame-Options"] = headers["FrameOptions"]["FrameOption"]
    if "ReferrerPolicy" in headers:
        lines["Referrer-Policy"] = headers["ReferrerPolicy"]["ReferrerPolicy"]
    if "ContentSecurityPolicy" in headers:
        lines["Content-Security-Policy"] = _flat(
            headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
        )
    return lines


def test_the_console_and_its_assets_get_the_catalogs_security_headers(template, stack):
    """The local gateway sends infra/catalog.py's headers too: both serve the same."""
    policy = {"Ref": logical_id(_console(stack).headers)}
    behaviours = _behaviours(template, stack)
    assert behaviours["default"]["ResponseHeadersPolicyId"] == policy
    assert behaviours["/console/assets/*"]["ResponseHeadersPolicyId"] == policy
    headers = _headers(template, _console(stack).headers)
    assert all(h["Override"] is True for h in headers.values())
    assert _as_header_lines(headers) == catalog.console_security_headers(_sign_in_origin(stack))
    assert _as_header_lines(headers)["Strict-Transport-Security"] == (
        "max-age=63072000; includeSubDomains"
    )
    assert _as_header_lines(headers)["Referrer-Policy"] == "no-referrer"
    assert _as_header_lines(headers)["X-Frame-Options"] == "DENY"


def test_the_content_security_policy_allows_the_console_itself_and_cognito_only(template, stack):
    csp = _csp(template, stack)
    cognito = _sign_in_origin(stack)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["style-src"] == "'self'"
    assert csp["connect-src"] == f"'self' {cognito}"  # the token call
    assert csp["form-action"] == f"'self' {cognito}"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert not any("unsafe" in value or "*" in value for value in csp.values())


def test_the_api_behaviour_has_the_headers_but_no_content_security_policy(template, stack):
    """/api/docs inlines Swagger UI: the console's policy would blank it."""
    console = _console(stack)
    api = _behaviours(template, stack)["/api/*"]
    assert api["ResponseHeadersPolicyId"] == {"Ref": logical_id(console.api_headers)}
    expected = catalog.console_security_headers()
    del expected["Content-Security-Policy"]
    assert _as_header_lines(_headers(template, console.api_headers)) == expected


def test_the_content_security_policy_is_one_header_line_with_or_without_a_sign_in_origin():
    policy = catalog.console_content_security_policy(
        "https://csms-1.auth.eu-west-1.amazoncognito.com"
    )
    assert "\n" not in policy
    assert policy.count("https://csms-1.auth.eu-west-1.amazoncognito.com") == 2
    # CloudFront refuses longer values; the prefix and region take at most 77 characters.
    assert len(policy) + 2 * 77 < 1783
    # Locally the sign-in endpoints are on the console's host: 'self' alone.
    local = dict(d.split(" ", 1) for d in catalog.console_content_security_policy().split("; "))
    assert local["connect-src"] == local["form-action"] == "'self'"


# Cognito: the console's own app client.


def test_the_console_client_is_public_with_the_code_grant_only(template, stack):
    client = resource(template, stack.users.console_client)["Properties"]
    assert client["UserPoolId"] == {"Ref": logical_id(stack.users.user_pool)}
    assert client["GenerateSecret"] is False  # a browser keeps no secret: PKCE instead
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]  # no implicit grant
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    # No SRP or password sign-in of its own: only the managed pages.
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is True
    assert client["AccessTokenValidity"] == client["IdTokenValidity"] == 60
    assert client["RefreshTokenValidity"] == 12 * 60


def test_the_console_client_returns_to_the_console_only(template, stack):
    client = resource(template, stack.users.console_client)["Properties"]
    url = _console_url(stack)
    assert [_flat(u) for u in client["CallbackURLs"]] == [url + "callback"]
    assert [_flat(u) for u in client["LogoutURLs"]] == [url]


def test_the_pool_has_a_sign_in_domain_named_after_stack_account_and_region(template, stack):
    (domain,) = resources(template, "AWS::Cognito::UserPoolDomain").values()
    assert _flat(domain["Properties"]["Domain"]) == "csms-<AWS::AccountId>-<AWS::Region>"
    assert domain["Properties"]["UserPoolId"] == {"Ref": logical_id(stack.users.user_pool)}
    assert "CustomDomainConfig" not in domain["Properties"]


@pytest.mark.parametrize(
    ("stack_name", "prefix"),
    [
        ("Csms", "csms"),
        ("Csms-Staging", "csms-staging"),
        ("MyAwsCsms", "my-csms"),
        ("amazon-cognito-csms", "csms"),
        ("AWS", "csms"),
        ("A" * 40, "a" * 24),
    ],
)
def test_the_derived_prefix_is_valid_for_cognito(stack_name, prefix):
    stack = Stack(App(), stack_name, env={"account": "123456789012", "region": "ap-southeast-2"})
    derived = default_sign_in_domain_prefix(stack)
    assert derived == f"{prefix}-123456789012-ap-southeast-2"
    assert re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", derived)
    assert not any(word in derived for word in ("aws", "amazon", "cognito"))


def test_operator_api_tokens_of_the_console_client_pass_the_authorizer(template, stack):
    """API Gateway's JWT authorizer accepts an access token whose client_id is in the
    audience; the function then wants `cognito:groups` to hold operators (access tokens carry
    it)."""
    (route,) = [
        r["Properties"]
        for r in resources(template, "AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["RouteKey"] == "ANY /api/{proxy+}"
    ]
    (authorizer_id,) = referenced_ids(route["AuthorizerId"])
    authorizer = template_json(template)["Resources"][authorizer_id]["Properties"]
    audience = authorizer["JwtConfiguration"]["Audience"]
    assert {"Ref": logical_id(stack.users.console_client)} in audience
    assert {"Ref": logical_id(stack.users.operator_client)} in audience
    # Drivers' tokens never pass it.
    assert {"Ref": logical_id(stack.users.driver_client)} not in audience


# What is deployed into the bucket.


def _asset_folders(stack: CsmsStack, deployment: dict[str, Any]) -> list[Path]:
    """The staged folder of each source of a deployment, in order."""
    app = stack.node.root
    assert isinstance(app, App)
    assembly = app.synth()  # the session's assembly, already written
    return [
        Path(assembly.directory) / f"asset.{key.removesuffix('.zip')}"
        for key in deployment["Properties"]["SourceObjectKeys"]
    ]


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_build_is_deployed_under_console_with_its_cache_headers(template, stack):
    assets = _deployment(template, stack, "assets")
    site = _deployment(template, stack, "site")
    assets_p, site_p = assets["Properties"], site["Properties"]
    bucket = {"Ref": logical_id(_console(stack).bucket)}
    assert assets_p["DestinationBucketName"] == site_p["DestinationBucketName"] == bucket
    assert assets_p["DestinationBucketKeyPrefix"] == "console/assets/"
    assert assets_p["SystemMetadata"] == {"cache-control": "public, max-age=31536000, immutable"}
    # Earlier builds' chunks stay: a tab still running the previous index.html loads them.
    assert assets_p["Prune"] is False
    assert site_p["DestinationBucketKeyPrefix"] == "console/"
    assert site_p["SystemMetadata"] == {"cache-control": "no-cache"}
    # Pruned, but never the assets, which the other deployment writes.
    assert site_p["Prune"] is True
    assert site_p["Exclude"] == ["assets/*"]
    # The new assets are in place before the index.html that names them.
    assert (
        logical_id(_console(stack).deployments["assets"].node.find_child("CustomResource"))
        in (site["DependsOn"])
    )
    (assets_folder,) = _asset_folders(stack, assets)
    assert _files(assets_folder) == {
        name.removeprefix("assets/") for name in CONSOLE_DIST_FILES if name.startswith("assets/")
    }
    build, config = _asset_folders(stack, site)
    # The build's own config.json (the dev server's) is not deployed: the stack's is.
    assert _files(build) == {"index.html", "favicon.svg"}
    assert _files(config) == {"config.json"}


def test_every_deployment_empties_its_prefix_when_the_stack_goes(template, stack):
    for name in ("assets", "site"):
        assert _deployment(template, stack, name)["Properties"]["RetainOnDelete"] is False, name


def test_config_json_holds_the_sign_in_endpoints_and_client_known_at_deployment(template, stack):
    site = _deployment(template, stack, "site")
    _build, folder = _asset_folders(stack, site)
    text = (folder / "config.json").read_text()
    # The deployment puts deploy-time values where the markers are (JSON strings).
    no_markers, markers = site["Properties"]["SourceMarkers"]
    assert no_markers == {}
    for marker, value in markers.items():
        text = text.replace(marker, _flat(value))
    cognito = _sign_in_origin(stack)
    client = f"<{logical_id(stack.users.console_client)}>"
    console = _console_url(stack)
    encoded_console = console.replace("https://", "https%3A%2F%2F").replace("/", "%2F")
    assert json.loads(text) == {
        "apiBaseUrl": "",
        "auth": {
            "authorizeUrl": f"{cognito}/oauth2/authorize",
            "tokenUrl": f"{cognito}/oauth2/token",
            "clientId": client,
            "scope": "openid email profile",
            "logoutUrl": f"{cognito}/logout?client_id={client}&logout_uri={encoded_console}",
        },
        "environment": "aws",
    }


def test_the_logout_uri_is_the_registered_logout_url_percent_encoded():
    config = console_config(
        console_url="https://d1.cloudfront.net/console/",
        sign_in_url="https://p.auth.eu-west-1.amazoncognito.com",
        client_id="abc",
    )
    assert config["auth"]["logoutUrl"] == (
        "https://p.auth.eu-west-1.amazoncognito.com/logout?client_id=abc"
        "&logout_uri=https%3A%2F%2Fd1.cloudfront.net%2Fconsole%2F"
    )


def test_the_deployment_handler_writes_to_the_console_bucket_only(template, stack):
    (handler,) = cdk_functions(stack)
    role = referenced_ids(resource_by_id(template, handler)["Properties"]["Role"])
    statements = [
        s
        for p in resources(template, "AWS::IAM::Policy").values()
        if referenced_ids(p["Properties"]["Roles"]) == role
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    writes = [
        s
        for s in statements
        if any(a.startswith(("s3:Put", "s3:Delete")) for a in as_list(s["Action"]))
    ]
    assert writes
    for statement in writes:
        assert referenced_ids(statement["Resource"]) == {logical_id(_console(stack).bucket)}


@pytest.mark.parametrize("name", [f.name for f in catalog.FUNCTIONS if f.enabled_by is None])
def test_no_catalog_function_reaches_the_console_bucket(template, stack, name):
    bucket = logical_id(_console(stack).bucket)
    assert all(
        bucket not in referenced_ids(s["Resource"]) for s in role_statements(template, stack, name)
    )


def resource_by_id(template: Template, logical: str) -> dict[str, Any]:
    found: dict[str, Any] = template_json(template)["Resources"][logical]
    return found


def test_the_console_url_is_an_output(template, stack):
    output = template_json(template)["Outputs"]["ConsoleUrl"]
    assert _flat(output["Value"]) == _console_url(stack)


# Settings: on by default, off on request, and a missing build is one clear error.


def test_the_console_is_on_by_default_and_deployed_from_console_dist():
    settings = StackSettings()
    assert settings.operator_console is True
    assert settings.console_dist_path == PROJECT_ROOT / "console" / "dist"
    assert StackSettings(console_dist="/srv/build").console_dist_path == Path("/srv/build")


def test_a_missing_build_stops_the_synthesis_before_anything_is_built(tmp_path):
    with pytest.raises(ConsoleNotBuilt) as raised:
        build_stack(context={"consoleDist": str(tmp_path)}, nag=False)
    message = str(raised.value)
    assert "\n" not in message
    assert "run `make console`" in message
    assert str(tmp_path / "index.html") in message


@pytest.fixture(scope="module")
def without_console(tmp_path_factory) -> tuple[CsmsStack, Template]:
    # No build needed when the console is off.
    missing = tmp_path_factory.mktemp("no-build")
    stack = build_stack(context={"operatorConsole": "false", "consoleDist": str(missing)})
    return stack, Template.from_stack(stack)


def test_without_the_console_nothing_of_it_is_deployed(without_console):
    stack, template = without_console
    assert stack.console is None
    assert stack.users.console_client is None
    # Only the catalog's buckets (the files bucket, docs/adr/0045), none of the console's.
    assert set(resources(template, "AWS::S3::Bucket")) == {
        logical_id(bucket) for bucket in stack.buckets.by_id.values()
    }
    assert len(resources(template, "AWS::CloudFront::Distribution")) == 1  # the chargers'
    assert not resources(template, "Custom::CDKBucketDeployment")
    assert not cdk_functions(stack)
    # No domain either unless the driver app's is configured.
    assert not resources(template, "AWS::Cognito::UserPoolDomain")
    assert "ConsoleUrl" not in template_json(template)["Outputs"]
    authorizers = [
        a["Properties"]["JwtConfiguration"]["Audience"]
        for a in resources(template, "AWS::ApiGatewayV2::Authorizer").values()
        if a["Properties"]["AuthorizerType"] == "JWT"
    ]
    assert [{"Ref": logical_id(stack.users.operator_client)}] in authorizers


def test_a_configured_driver_prefix_is_the_one_domain_the_console_signs_in_on():
    stack = build_stack(context={"driverSignInDomainPrefix": "csms-example"}, nag=False)
    template = Template.from_stack(stack)
    (domain,) = resources(template, "AWS::Cognito::UserPoolDomain").values()
    assert domain["Properties"]["Domain"] == "csms-example"
    csp = _csp(template, stack)
    assert csp["connect-src"] == f"'self' {_sign_in_origin(stack)}"
