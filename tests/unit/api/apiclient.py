"""Calls the operator API in-process with API Gateway HTTP API (payload v2) events."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from shared.api.http_app import HttpApp

DEV_TOKEN = "test-operator-token"
BEARER = {"authorization": f"Bearer {DEV_TOKEN}"}


def http_event(
    method: str,
    path: str,
    query: dict[str, Any] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    query_strings = {
        k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in (query or {}).items()
    }
    all_headers = {"content-type": "application/json", **(headers or {})}
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "localhttp1",
        "domainName": "localhost",
        "domainPrefix": "localhost",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "192.0.2.1",
            "userAgent": "tests",
        },
        "requestId": "req-1",
        "routeKey": "ANY /api/{proxy+}",
        "stage": "$default",
        "time": "01/Jan/2030:00:00:00 +0000",
        "timeEpoch": 1893456000000,
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "ANY /api/{proxy+}",
        "rawPath": path,
        "rawQueryString": urlencode(query_strings),
        "headers": all_headers,
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if query_strings:
        event["queryStringParameters"] = query_strings
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    return event


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any = field(default=None)

    @property
    def error(self) -> dict[str, Any]:
        return dict(self.body["error"])


@dataclass
class ApiClient:
    api: HttpApp
    headers: dict[str, str] = field(default_factory=lambda: dict(BEARER))

    def call(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        claims: dict[str, Any] | None = None,
        raw_body: str | None = None,
    ) -> Reply:
        event = http_event(
            method,
            path,
            query,
            body,
            self.headers if headers is None else headers,
            claims,
            raw_body,
        )
        result = self.api.resolve(event, None)
        text = result.get("body") or ""
        return Reply(
            status=int(result["statusCode"]),
            headers=dict(result.get("headers") or {}),
            body=json.loads(text) if text else None,
        )

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("POST", path, body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("PUT", path, body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("PATCH", path, body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.call("DELETE", path, **kwargs)
