"""HTTP API requests under /api become payload-2.0 events; answers become HTTP responses."""

from __future__ import annotations

import base64
import time
from typing import Any

import aiohttp
import pytest

from local.gateway import RouteTable
from local.invoke import LambdaFunction

from .helpers import Calls, run, running_gateway


def serve(handler, **config) -> Any:
    """One request through a gateway whose /api is `handler`: (status, headers, body)."""

    def call(method: str, path: str, **kwargs: Any):
        async def scenario():
            routes = RouteTable.from_handlers(http={"/api": handler})
            async with (
                running_gateway(routes, **config) as gateway,
                aiohttp.ClientSession() as http,
            ):
                async with http.request(method, gateway.base_url + path, **kwargs) as response:
                    return response.status, response.headers, await response.read()

        return run(scenario)

    return call


def test_request_translation_to_payload_v2():
    calls = Calls()

    def handler(event, context):
        calls.add("http", event)
        return {"statusCode": 200, "body": "{}"}

    serve(handler)(
        "POST",
        "/api/chargers/CP-1/reset?x=1&x=2&y=a%20b",
        headers=[("X-Custom", "a"), ("X-Custom", "b"), ("Cookie", "s=1; t=2")],
        json={"type": "Hard"},
    )
    [event] = calls.of("http")
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /api/{proxy+}"
    assert event["rawPath"] == "/api/chargers/CP-1/reset"
    assert event["rawQueryString"] == "x=1&x=2&y=a%20b"
    assert event["queryStringParameters"] == {"x": "1,2", "y": "a b"}
    assert event["pathParameters"] == {"proxy": "chargers/CP-1/reset"}
    assert event["cookies"] == ["s=1", "t=2"]
    headers = event["headers"]
    assert headers["x-custom"] == "a,b"
    assert headers["content-type"] == "application/json"
    assert all(name == name.lower() for name in headers)
    assert "cookie" not in headers
    http = event["requestContext"]["http"]
    assert http == {
        "method": "POST",
        "path": "/api/chargers/CP-1/reset",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": headers["user-agent"],
    }
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["routeKey"] == "ANY /api/{proxy+}"
    assert isinstance(event["requestContext"]["timeEpoch"], int)
    assert event["body"] == '{"type": "Hard"}'
    assert event["isBase64Encoded"] is False


def test_binary_request_bodies_arrive_base64():
    calls = Calls()

    def handler(event, context):
        calls.add("http", event)
        return {"statusCode": 204}

    status, _, _ = serve(handler)(
        "PUT",
        "/api/firmware",
        data=b"\xff\x00\xfe",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert status == 204
    [event] = calls.of("http")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00\xfe"
    assert "queryStringParameters" not in event


def test_structured_response_becomes_status_headers_cookies_and_body():
    def handler(event, context):
        return {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "X-Reply": "yes"},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": base64.b64encode(b"created").decode(),
            "isBase64Encoded": True,
        }

    status, headers, body = serve(handler)("GET", "/api/things")
    assert status == 201
    assert headers["X-Reply"] == "yes"
    assert headers["Content-Type"] == "text/plain"
    assert headers.getall("Set-Cookie") == ["a=1; Path=/", "b=2"]
    assert headers["apigw-requestid"]
    assert body == b"created"


@pytest.mark.parametrize(
    ("answer", "expected_body"),
    [({"hello": "world"}, b'{"hello": "world"}'), ("plain text", b"plain text")],
)
def test_inferred_response_format(answer, expected_body):
    status, headers, body = serve(lambda event, context: answer)("GET", "/api/x")
    assert (status, body) == (200, expected_body)
    assert headers["Content-Type"] == "application/json"


def test_handler_exception_is_500_internal_server_error():
    def handler(event, context):
        raise RuntimeError("bug")

    status, headers, body = serve(handler)("GET", "/api/x")
    assert (status, body) == (500, b'{"message":"Internal Server Error"}')
    assert headers["Content-Type"] == "application/json"


def test_integration_timeout_is_503():
    def slow(event, context):
        time.sleep(0.4)
        return {"statusCode": 200}

    function = LambdaFunction("slow", slow, timeout_s=29)
    status, _, body = serve(function, integration_timeout_s=0.1)("GET", "/api/x")
    assert (status, body) == (503, b'{"message":"Service Unavailable"}')


@pytest.mark.parametrize("path", ["/api", "/api/", "/nothing/here", "/a/b/c"])
def test_unrouted_paths_are_404(path):
    status, _, body = serve(lambda event, context: "unreachable")("POST", path)
    assert (status, body) == (404, b'{"message":"Not Found"}')
