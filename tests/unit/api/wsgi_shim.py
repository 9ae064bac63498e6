"""A WSGI application in front of the operator API: each request becomes the payload-v2
event API Gateway would send (raw path, comma-joined repeated query parameters, lower-cased
headers), so WSGI tools (schemathesis) can drive the handler in-process."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote

from shared.api.http_app import HttpApp


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def payload_v2_event(environ: dict[str, Any]) -> dict[str, Any]:
    method = environ["REQUEST_METHOD"]
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    raw_path = raw_uri.split("?", 1)[0] if raw_uri else quote(environ.get("PATH_INFO", "/"))
    raw_query = environ.get("QUERY_STRING", "")
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "ANY /api/{proxy+}",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": _headers(environ),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "wsgi",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": environ.get("HTTP_USER_AGENT", ""),
            },
            "requestId": "wsgi",
            "routeKey": "ANY /api/{proxy+}",
            "stage": "$default",
            "time": "01/Jan/2030:00:00:00 +0000",
            "timeEpoch": 1893456000000,
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


class WsgiShim:
    """`claims`: what API Gateway's JWT authorizer would pass on (the driver API's caller)."""

    def __init__(self, api: HttpApp, claims: dict[str, str] | None = None) -> None:
        self.api = api
        self.claims = claims

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        event = payload_v2_event(environ)
        if self.claims is not None:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": self.claims}}
        result = self.api.resolve(event, None)
        status = int(result["statusCode"])
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
        headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]
