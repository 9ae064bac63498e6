"""CloudFront in front of the chargers' WebSocket API: the URL chargers are configured with.

`wss://<distribution or custom domain>/ocpp/{chargePointId}` reaches the API's stage as
`?chargePointId={chargePointId}` through a CloudFront Function (infra/cloudfront/rewrite.js).
Nothing is cached; every header the handshake needs (Sec-WebSocket-*, Authorization for
HTTP Basic) and the query string reach API Gateway. The execute-api URL keeps working.
"""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from constructs import Construct

from infra.nag import acknowledge

REWRITE_SOURCE = Path(__file__).resolve().parent / "cloudfront" / "rewrite.js"
STAGE_PLACEHOLDER = "__STAGE_NAME__"
CHARGER_PATH = "/ocpp"
# CloudFront Functions refuse code above 10 KB.
MAX_FUNCTION_CODE_BYTES = 10 * 1024
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def rewrite_function_code(stage_name: str, source: Path = REWRITE_SOURCE) -> str:
    """The CloudFront Function's code for `stage_name`, exactly as deployed."""
    if not _STAGE_NAME.match(stage_name):
        raise ValueError(f"unexpected stage name {stage_name!r}")
    template = source.read_text(encoding="utf-8")
    if template.count(STAGE_PLACEHOLDER) != 1:
        raise ValueError(f"{source} must contain {STAGE_PLACEHOLDER} exactly once")
    code = template.replace(STAGE_PLACEHOLDER, stage_name)
    if len(code.encode()) > MAX_FUNCTION_CODE_BYTES:
        raise ValueError(f"{source} exceeds CloudFront Functions' 10 KB limit")
    return code


class ChargerEdge(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: apigwv2.WebSocketStage,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rewrite = cloudfront.Function(
            self,
            "ChargerUrlRewrite",
            comment="wss://host/ocpp/{id} -> /stage?chargePointId={id}",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(rewrite_function_code(stage.stage_name)),
        )
        stack = Stack.of(self)
        api_domain = f"{stage.api.api_id}.execute-api.{stack.region}.{stack.url_suffix}"
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
            if certificate_arn
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Chargers' OCPP WebSocket endpoint",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.HttpOrigin(
                    api_domain,
                    protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                    origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                ),
                # wss only: a redirect would not help a WebSocket client.
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                # Every viewer header (Sec-WebSocket-*, and Authorization, which CloudFront
                # forwards through an origin request policy only when caching is disabled)
                # and the whole query string; Host becomes the API's own, as API Gateway needs.
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=self.rewrite,
                        event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                    )
                ],
                compress=False,
            ),
            # WebSocket upgrades are HTTP/1.1 requests; North America and Europe edges only,
            # the cheapest price class (chargers elsewhere still connect, via those edges).
            http_version=cloudfront.HttpVersion.HTTP1_1,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            domain_names=[domain_name] if domain_name else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
            if certificate
            else None,
            # Optional: rate-based rules per client IP (a misbehaving site, a reconnect loop).
            web_acl_id=web_acl_arn,
        )
        self.domain_name = domain_name or self.distribution.distribution_domain_name
        self._acknowledge_findings(
            custom_certificate=certificate is not None, web_acl=web_acl_arn is not None
        )

    @property
    def charger_url(self) -> str:
        """The base URL chargers are given; they append `/{chargePointId}`."""
        return f"wss://{self.domain_name}{CHARGER_PATH}"

    def _acknowledge_findings(self, *, custom_certificate: bool, web_acl: bool) -> None:
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Chargers are installed wherever customers are; no country can be excluded up "
            "front, and every charger authenticates on $connect anyway.",
        )
        if not web_acl:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR2",
                "No WAF web ACL by default (a fixed monthly fee per ACL and rule): the stage and "
                "its $connect route are throttled, the authorizer refuses unknown chargers and "
                "locks out password guessing; context chargerEdgeWebAclArn attaches one.",
            )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR3",
            "The API Gateway stage behind it logs every connection and route (access logs); "
            "CloudFront standard logs would need a log bucket with ACLs for the same facts.",
        )
        if not custom_certificate:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "The default *.cloudfront.net certificate cannot pin a minimum TLS version; "
                "with customDomainName and a certificate the distribution requires TLS 1.2.",
            )
