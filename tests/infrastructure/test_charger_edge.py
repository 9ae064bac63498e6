"""CloudFront in front of the WebSocket API (the function's logic: cloudfront/test_rewrite.py)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.charger_edge import ChargerEdge, rewrite_function_code
from infra.nag import acknowledge
from tests.infrastructure.template_queries import logical_id, resource, resources, template_json

pytestmark = pytest.mark.infrastructure

# AWS-managed policies, by their fixed ids.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-1111-2222-3333-444455556666"
)


def _config(template: Template, edge: ChargerEdge) -> dict[str, Any]:
    config: dict[str, Any] = resource(template, edge.distribution)["Properties"][
        "DistributionConfig"
    ]
    return config


def test_one_distribution_and_one_function_besides_the_consoles(template, stack):
    """The operator console has a distribution and a function of its own
    (tests/infrastructure/test_console_hosting.py)."""
    assert stack.console is not None
    assert set(resources(template, "AWS::CloudFront::Distribution")) == {
        logical_id(stack.edge.distribution),
        logical_id(stack.console.distribution),
    }
    assert set(resources(template, "AWS::CloudFront::Function")) == {
        logical_id(stack.edge.rewrite),
        logical_id(stack.console.routing),
    }


def test_the_function_is_the_rewrite_for_this_stage_on_the_js_2_runtime(template, stack):
    function = resource(template, stack.edge.rewrite)["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["AutoPublish"] is True
    assert function["FunctionCode"] == rewrite_function_code("prod")


def test_every_viewer_request_goes_through_the_function(template, stack):
    behavior = _config(template, stack.edge)["DefaultCacheBehavior"]
    assert behavior["FunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": [logical_id(stack.edge.rewrite), "FunctionARN"]},
        }
    ]
    assert "CacheBehaviors" not in _config(template, stack.edge)


def test_the_origin_is_the_websocket_api_over_tls_1_2_only(template, stack):
    (origin,) = _config(template, stack.edge)["Origins"]
    assert origin["DomainName"] == {
        "Fn::Join": [
            "",
            [
                {"Ref": logical_id(stack.websocket.api)},
                ".execute-api.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
            ],
        ]
    }
    assert origin["CustomOriginConfig"] == {
        "OriginProtocolPolicy": "https-only",
        "OriginSSLProtocols": ["TLSv1.2"],
    }
    # The function chooses the stage; a fixed origin path would prefix it twice.
    assert "OriginPath" not in origin


def test_nothing_is_cached_and_the_handshake_reaches_the_origin(template, stack):
    behavior = _config(template, stack.edge)["DefaultCacheBehavior"]
    assert behavior["CachePolicyId"] == CACHING_DISABLED
    # All viewer headers (Sec-WebSocket-*, Authorization) and query strings, Host excepted.
    assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert behavior["ViewerProtocolPolicy"] == "https-only"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]


def test_the_distribution_speaks_http_1_1_for_websocket_upgrades(template, stack):
    config = _config(template, stack.edge)
    assert config["HttpVersion"] == "http1.1"
    assert config["Enabled"] is True
    assert "Aliases" not in config


def test_outputs_give_the_charger_url_and_keep_the_raw_one(template, stack):
    outputs = template_json(template)["Outputs"]
    assert outputs["ChargerUrl"]["Value"] == {
        "Fn::Join": [
            "",
            [
                "wss://",
                {"Fn::GetAtt": [logical_id(stack.edge.distribution), "DomainName"]},
                "/ocpp",
            ],
        ]
    }
    raw = outputs["WebSocketUrl"]["Value"]["Fn::Join"][1]
    assert (raw[0], raw[-1]) == ("wss://", "/prod")


def test_a_custom_domain_brings_its_certificate_and_tls_1_2():
    """Built on its own, under cdk-nag: without the acknowledgment the default certificate
    needs, the TLS check (AwsSolutions-CFR4) must pass by itself."""
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from cdk_nag import AwsSolutionsChecks

    app = App()
    stack = Stack(app, "Edge")
    api = apigwv2.WebSocketApi(stack, "Api")
    stage = apigwv2.WebSocketStage(stack, "Stage", web_socket_api=api, stage_name="prod")
    acknowledge(stage, "AwsSolutions-APIG1", "A bare stand-in for the stack's logged stage.")
    edge = ChargerEdge(
        stack,
        "ChargerEdge",
        stage=stage,
        domain_name="ocpp.example.com",
        certificate_arn=CERTIFICATE_ARN,
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = Template.from_stack(stack)  # raises on any unacknowledged finding
    config = _config(template, edge)
    assert config["Aliases"] == ["ocpp.example.com"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE_ARN,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert edge.charger_url == "wss://ocpp.example.com/ocpp"
