"""API Gateway event shapes and answer interpretation (local/apigw_wire.py)."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from local import apigw_wire
from local.apigw_wire import (
    ApiIdentity,
    ConnectionFacts,
    HandshakeRequest,
    MalformedResponse,
)

API = ApiIdentity("abcdef1234", "local", "eu-west-1", "111122223333")
NOW = 1607854667185  # 13/Dec/2020:10:17:47.185 UTC
HANDSHAKE = HandshakeRequest(
    headers=[
        ("Host", "127.0.0.1:8080"),
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Protocol", "ocpp2.0.1, ocpp1.6"),
        ("Authorization", "Basic Q1AtMTpzZWNyZXQ="),
        ("X-Twice", "1"),
        ("X-Twice", "2"),
    ],
    query=[("chargePointId", "CP-1")],
    source_ip="10.0.0.7",
    domain_name="127.0.0.1:8080",
)
FACTS = ConnectionFacts(
    connection_id="L0SM9cOFvHcCIhw=",
    connected_at=NOW - 1000,
    source_ip="10.0.0.7",
    domain_name="127.0.0.1:8080",
    api=API,
    authorizer={"chargePointId": "CP-1", "principalId": "CP-1"},
)
WS_CONTEXT_KEYS = {
    "routeKey",
    "eventType",
    "extendedRequestId",
    "requestTime",
    "messageDirection",
    "stage",
    "connectedAt",
    "requestTimeEpoch",
    "identity",
    "requestId",
    "domainName",
    "connectionId",
    "apiId",
}


def test_ids_look_like_api_gateway_ids_and_are_unique():
    ids = {apigw_wire.new_aws_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{15}=", i) for i in ids)


def test_time_formats():
    assert apigw_wire.request_time(NOW) == "13/Dec/2020:10:17:47 +0000"
    assert apigw_wire.iso_timestamp(NOW) == "2020-12-13T10:17:47.185Z"


def test_authorizer_event_shape():
    event = apigw_wire.authorizer_event(
        HANDSHAKE, API, connection_id="cid=", connected_at=NOW, request_id="rid=", now_ms=NOW
    )
    assert event["type"] == "REQUEST"
    assert (
        event["methodArn"] == "arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/local/$connect"
    )
    assert event["headers"]["Authorization"] == "Basic Q1AtMTpzZWNyZXQ="
    assert event["headers"]["Connection"] == "Upgrade"  # the authorizer sees the whole handshake
    assert event["headers"]["X-Twice"] == "2"
    assert event["multiValueHeaders"]["X-Twice"] == ["1", "2"]
    assert event["queryStringParameters"] == {"chargePointId": "CP-1"}
    assert event["multiValueQueryStringParameters"] == {"chargePointId": ["CP-1"]}
    assert event["stageVariables"] == {}
    context = event["requestContext"]
    assert set(context) == WS_CONTEXT_KEYS
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert context["messageDirection"] == "IN"
    assert context["identity"] == {"sourceIp": "10.0.0.7"}
    assert context["connectionId"] == "cid="
    assert isinstance(context["connectedAt"], int)
    assert isinstance(context["requestTimeEpoch"], int)


def test_connect_event_drops_handshake_only_headers_and_carries_the_authorizer():
    event = apigw_wire.connect_event(HANDSHAKE, FACTS, request_id="rid=", now_ms=NOW)
    assert set(event) == {
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "requestContext",
        "isBase64Encoded",
    }
    assert "Connection" not in event["headers"]
    assert "Upgrade" not in event["headers"]
    assert event["headers"]["Sec-WebSocket-Protocol"] == "ocpp2.0.1, ocpp1.6"
    context = event["requestContext"]
    assert set(context) == WS_CONTEXT_KEYS | {"authorizer"}
    assert context["authorizer"] == {"chargePointId": "CP-1", "principalId": "CP-1"}
    assert context["connectedAt"] == NOW - 1000


def test_connect_event_without_query_string_has_no_query_keys():
    bare = HandshakeRequest(headers=[], query=[], source_ip="1.2.3.4", domain_name="h")
    event = apigw_wire.connect_event(bare, FACTS, request_id="r", now_ms=NOW)
    assert "queryStringParameters" not in event
    assert "multiValueQueryStringParameters" not in event


def test_message_event_text_and_binary():
    text = apigw_wire.message_event(
        FACTS, '[2,"1","Heartbeat",{}]', message_id="m=", request_id="r=", now_ms=NOW
    )
    assert text["body"] == '[2,"1","Heartbeat",{}]'
    assert text["isBase64Encoded"] is False
    context = text["requestContext"]
    assert set(context) == WS_CONTEXT_KEYS | {"messageId", "authorizer"}
    assert (context["routeKey"], context["eventType"], context["messageId"]) == (
        "$default",
        "MESSAGE",
        "m=",
    )
    binary = apigw_wire.message_event(
        FACTS, b"\x00\xff", message_id="m", request_id="r", now_ms=NOW
    )
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"\x00\xff"


def test_disconnect_event_shape():
    event = apigw_wire.disconnect_event(
        FACTS, status_code=1001, reason="Going away", request_id="r=", now_ms=NOW
    )
    context = event["requestContext"]
    assert set(context) == WS_CONTEXT_KEYS | {
        "disconnectStatusCode",
        "disconnectReason",
        "authorizer",
    }
    assert context["routeKey"] == "$disconnect"
    assert context["eventType"] == "DISCONNECT"
    assert context["disconnectStatusCode"] == 1001
    assert context["disconnectReason"] == "Going away"
    assert event["headers"]["Host"] == "127.0.0.1:8080"
    assert event["isBase64Encoded"] is False


def _http_event(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "method": "get",
        "raw_path": "/api/chargers",
        "raw_query": "",
        "query": [],
        "headers": [("User-Agent", "curl/8"), ("Accept", "a"), ("accept", "b")],
        "body": b"",
        "source_ip": "10.0.0.7",
        "domain_name": "api.example.com",
        "api": ApiIdentity("httpapi001", "$default"),
        "route_key": "ANY /api/{proxy+}",
        "path_parameters": {"proxy": "chargers"},
        "request_id": "r=",
        "now_ms": NOW,
    }
    arguments.update(overrides)
    return apigw_wire.http_api_event(**arguments)


def test_http_api_event_shape():
    event = _http_event()
    assert event["version"] == "2.0"
    assert event["headers"] == {"user-agent": "curl/8", "accept": "a,b"}
    assert "cookies" not in event
    assert "queryStringParameters" not in event
    assert "body" not in event
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/api/chargers",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.7",
        "userAgent": "curl/8",
    }
    assert context["domainPrefix"] == "api"
    assert context["time"] == "13/Dec/2020:10:17:47 +0000"
    assert context["timeEpoch"] == NOW
    assert event["pathParameters"] == {"proxy": "chargers"}


@pytest.mark.parametrize(
    ("content_type", "base64_encoded"),
    [
        ("application/json; charset=utf-8", False),
        ("text/csv", False),
        ("application/vnd.api+json", False),
        ("application/octet-stream", True),
        ("application/x-www-form-urlencoded", True),
    ],
)
def test_http_api_body_encoding_follows_the_content_type(content_type, base64_encoded):
    event = _http_event(headers=[("Content-Type", content_type)], body=b"a=1")
    assert event["isBase64Encoded"] is base64_encoded
    decoded = base64.b64decode(event["body"]) if base64_encoded else event["body"].encode()
    assert decoded == b"a=1"


def _policy(effect, resource, action="execute-api:Invoke"):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": action, "Effect": effect, "Resource": resource}],
    }


ARN = API.execute_api_arn("$connect")


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        (_policy("Allow", ARN), 200),
        (_policy("Allow", "arn:aws:execute-api:*:*:abcdef1234/*"), 200),
        (_policy("Allow", [ARN], action=["execute-api:*"]), 200),
        (_policy("Deny", ARN), 403),
        (_policy("Allow", "arn:aws:execute-api:*:*:otherapi/*"), 403),
        (_policy("Allow", ARN, action="s3:GetObject"), 403),
        (
            {
                "Statement": [
                    *_policy("Allow", "*")["Statement"],
                    *_policy("Deny", ARN)["Statement"],
                ]
            },
            403,
        ),
    ],
)
def test_authorizer_policy_evaluation(policy, status):
    result = {"principalId": "CP-1", "policyDocument": policy}
    assert apigw_wire.authorizer_decision(result, ARN).status == status


def test_allowed_authorizer_context_is_stringified_for_later_routes():
    result = {
        "principalId": "CP-1",
        "policyDocument": _policy("Allow", ARN),
        "context": {"chargePointId": "CP-1", "n": 3, "ok": True, "ratio": 0.5},
    }
    decision = apigw_wire.authorizer_decision(result, ARN, latency_ms=12)
    assert decision.context == {
        "chargePointId": "CP-1",
        "n": "3",
        "ok": "true",
        "ratio": "0.5",
        "principalId": "CP-1",
        "integrationLatency": 12,
    }


@pytest.mark.parametrize(
    "result",
    [
        None,
        "Allow",
        {"policyDocument": _policy("Allow", ARN)},  # no principalId
        {"principalId": "CP-1"},  # no policy
        {"principalId": "CP-1", "policyDocument": _policy("Allow", ARN), "context": {"x": [1]}},
        {"principalId": "CP-1", "policyDocument": _policy("Allow", ARN), "context": {"x": None}},
    ],
)
def test_unusable_authorizer_answers_are_500(result):
    assert apigw_wire.authorizer_decision(result, ARN).status == 500


def test_connect_outcome():
    chosen = apigw_wire.connect_outcome(
        {"statusCode": 200, "headers": {"sec-websocket-protocol": "ocpp1.6"}}
    )
    assert (chosen.status, chosen.subprotocol) == (200, "ocpp1.6")
    refused = apigw_wire.connect_outcome({"statusCode": 401, "body": "nope"})
    assert (refused.status, refused.subprotocol, refused.body) == (401, None, "nope")
    assert apigw_wire.connect_outcome(None).status == 200
    with pytest.raises(MalformedResponse):
        apigw_wire.connect_outcome(["not", "an", "object"])
    with pytest.raises(MalformedResponse):
        apigw_wire.connect_outcome({"statusCode": "two hundred"})


def test_route_response():
    assert apigw_wire.route_response({"statusCode": 200, "body": '[3,"1",{}]'}) == '[3,"1",{}]'
    assert apigw_wire.route_response({"statusCode": 500, "body": "still sent"}) == "still sent"
    assert apigw_wire.route_response({"statusCode": 200}) is None
    assert apigw_wire.route_response(None) is None
    encoded = base64.b64encode(b"\x01\x02").decode()
    assert apigw_wire.route_response({"body": encoded, "isBase64Encoded": True}) == b"\x01\x02"
    with pytest.raises(MalformedResponse):
        apigw_wire.route_response({"body": {"not": "a string"}})


def test_websocket_error_frame_matches_api_gateway_byte_for_byte():
    assert (
        apigw_wire.websocket_error_frame(
            "Internal server error", "VNRUSeldSwMCIRQ=", "VNRXVFJOywMF3-Q="
        )
        == '{"message": "Internal server error", "connectionId":"VNRUSeldSwMCIRQ=", '
        '"requestId":"VNRXVFJOywMF3-Q="}'
    )


def test_http_api_response_structured():
    result = apigw_wire.http_api_response(
        {
            "statusCode": 302,
            "headers": {"Location": "/x", "X-Count": 2, "X-Flag": True},
            "cookies": ["a=1"],
            "body": "",
        }
    )
    assert result.status == 302
    assert ("Location", "/x") in result.headers
    assert ("X-Count", "2") in result.headers
    assert ("X-Flag", "true") in result.headers
    assert ("Set-Cookie", "a=1") in result.headers
    assert ("Content-Type", "application/json") in result.headers
    assert result.body == b""


@pytest.mark.parametrize(
    ("answer", "body"),
    [({"a": 1}, b'{"a": 1}'), ("hi", b"hi"), ([1, 2], b"[1, 2]"), (None, b"null")],
)
def test_http_api_response_inferred(answer, body):
    result = apigw_wire.http_api_response(answer)
    assert (result.status, result.body) == (200, body)
    assert result.headers == [("Content-Type", "application/json")]


@pytest.mark.parametrize(
    "answer",
    [
        {"statusCode": "abc"},
        {"statusCode": 200, "body": {"a": 1}},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "cookies": "a=1"},
    ],
)
def test_http_api_response_malformed(answer):
    with pytest.raises(MalformedResponse):
        apigw_wire.http_api_response(answer)
