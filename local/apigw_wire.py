"""API Gateway's wire formats, as pure functions: the events it sends to Lambda and what it
makes of the answers.

Shapes follow what API Gateway really sends (WebSocket REQUEST authorizer, `$connect`,
`$default`, `$disconnect`, HTTP API payload format 2.0), including its quirks: authorizer
context values reach later routes stringified, `$connect` carries no `Connection`/`Upgrade`
headers, HTTP API headers are lower-cased and comma-joined, and so on.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Pairs = Sequence[tuple[str, str]]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Headers API Gateway consumes during the upgrade: the authorizer sees them, `$connect` not.
_HANDSHAKE_ONLY_HEADERS = frozenset({"connection", "upgrade", "content-length"})

# HTTP API passes these request bodies as text; everything else arrives base64-encoded.
_TEXT_CONTENT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


@dataclass(frozen=True)
class ApiIdentity:
    """Which API (and stage) an event comes from."""

    api_id: str
    stage: str
    region: str = "us-east-1"
    account_id: str = "123456789012"

    def execute_api_arn(self, route: str) -> str:
        prefix = f"arn:aws:execute-api:{self.region}:{self.account_id}"
        return f"{prefix}:{self.api_id}/{self.stage}/{route}"


@dataclass(frozen=True)
class HandshakeRequest:
    """The WebSocket upgrade request as API Gateway sees it (after the CloudFront rewrite)."""

    headers: Pairs
    query: Pairs
    source_ip: str
    domain_name: str


@dataclass(frozen=True)
class ConnectionFacts:
    """What every later event of a connection repeats from its `$connect`."""

    connection_id: str
    connected_at: int
    source_ip: str
    domain_name: str
    api: ApiIdentity
    authorizer: Mapping[str, Any] | None = None


# --- ids and clocks ---------------------------------------------------------------------


def new_aws_id() -> str:
    """An id shaped like API Gateway's connection/request/message ids, e.g. "L0SM9cOFvHcCIhw="."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode("ascii")


def epoch_ms(now: float | None = None) -> int:
    return int((time.time() if now is None else now) * 1000)


def request_time(epoch_millis: int) -> str:
    """API Gateway's `requestTime`: "13/Dec/2020:10:17:47 +0000" (always English, UTC)."""
    t = time.gmtime(epoch_millis / 1000)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def iso_timestamp(epoch_millis: int) -> str:
    """ISO 8601 with milliseconds, as the @connections API returns connectedAt/lastActiveAt."""
    t = time.gmtime(epoch_millis / 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{epoch_millis % 1000:03d}Z"


# --- WebSocket events -------------------------------------------------------------------


def single_and_multi(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """REST-style `headers`/`multiValueHeaders`: the single map keeps the last value."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _ws_request_context(
    *,
    route_key: str,
    event_type: str,
    connection_id: str,
    connected_at: int,
    request_id: str,
    now_ms: int,
    api: ApiIdentity,
    domain_name: str,
    source_ip: str,
) -> dict[str, Any]:
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": request_time(now_ms),
        "messageDirection": "IN",
        "stage": api.stage,
        "connectedAt": connected_at,
        "requestTimeEpoch": now_ms,
        "identity": {"sourceIp": source_ip},
        "requestId": request_id,
        "domainName": domain_name,
        "connectionId": connection_id,
        "apiId": api.api_id,
    }


def authorizer_event(
    request: HandshakeRequest,
    api: ApiIdentity,
    *,
    connection_id: str,
    connected_at: int,
    request_id: str,
    now_ms: int,
) -> dict[str, Any]:
    """Input of a WebSocket REQUEST authorizer on `$connect`."""
    headers, multi_headers = single_and_multi(request.headers)
    query, multi_query = single_and_multi(request.query)
    return {
        "type": "REQUEST",
        "methodArn": api.execute_api_arn("$connect"),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "stageVariables": {},
        "requestContext": _ws_request_context(
            route_key="$connect",
            event_type="CONNECT",
            connection_id=connection_id,
            connected_at=connected_at,
            request_id=request_id,
            now_ms=now_ms,
            api=api,
            domain_name=request.domain_name,
            source_ip=request.source_ip,
        ),
    }


def connect_event(
    request: HandshakeRequest,
    facts: ConnectionFacts,
    *,
    request_id: str,
    now_ms: int,
) -> dict[str, Any]:
    """The `$connect` route's Lambda proxy event."""
    headers, multi_headers = single_and_multi(
        (name, value)
        for name, value in request.headers
        if name.lower() not in _HANDSHAKE_ONLY_HEADERS
    )
    event: dict[str, Any] = {"headers": headers, "multiValueHeaders": multi_headers}
    if request.query:
        query, multi_query = single_and_multi(request.query)
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = multi_query
    event["requestContext"] = _facts_context(
        facts, route_key="$connect", event_type="CONNECT", request_id=request_id, now_ms=now_ms
    )
    event["isBase64Encoded"] = False
    return event


def message_event(
    facts: ConnectionFacts,
    body: str | bytes,
    *,
    message_id: str,
    request_id: str,
    now_ms: int,
    route_key: str = "$default",
) -> dict[str, Any]:
    """A data frame routed to `$default`; binary frames arrive base64-encoded."""
    context = _facts_context(
        facts, route_key=route_key, event_type="MESSAGE", request_id=request_id, now_ms=now_ms
    )
    context = {"routeKey": route_key, "messageId": message_id, **context}
    if isinstance(body, bytes):
        return {
            "requestContext": context,
            "body": base64.b64encode(body).decode("ascii"),
            "isBase64Encoded": True,
        }
    return {"requestContext": context, "body": body, "isBase64Encoded": False}


def disconnect_event(
    facts: ConnectionFacts,
    *,
    status_code: int,
    reason: str,
    request_id: str,
    now_ms: int,
) -> dict[str, Any]:
    """`$disconnect`: best effort on AWS, carries the close code and a few stub headers."""
    context = _facts_context(
        facts,
        route_key="$disconnect",
        event_type="DISCONNECT",
        request_id=request_id,
        now_ms=now_ms,
    )
    context = {
        "routeKey": "$disconnect",
        "disconnectStatusCode": status_code,
        "eventType": "DISCONNECT",
        **context,
        "disconnectReason": reason,
    }
    # What API Gateway really sends here: the host plus a few empty headers.
    headers = {"Host": facts.domain_name, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    return {
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def _facts_context(
    facts: ConnectionFacts, *, route_key: str, event_type: str, request_id: str, now_ms: int
) -> dict[str, Any]:
    context = _ws_request_context(
        route_key=route_key,
        event_type=event_type,
        connection_id=facts.connection_id,
        connected_at=facts.connected_at,
        request_id=request_id,
        now_ms=now_ms,
        api=facts.api,
        domain_name=facts.domain_name,
        source_ip=facts.source_ip,
    )
    if facts.authorizer is not None:
        context["authorizer"] = dict(facts.authorizer)
    return context


# --- what API Gateway makes of the WebSocket answers --------------------------------------


class MalformedResponse(ValueError):
    """A Lambda answer API Gateway cannot use (it turns it into an internal error)."""


@dataclass(frozen=True)
class AuthorizerDecision:
    """The authorizer's verdict: `status` 200 means allowed, with `context` for later routes."""

    status: int
    context: dict[str, Any] | None = None


def authorizer_decision(result: Any, method_arn: str, latency_ms: int = 0) -> AuthorizerDecision:
    """Evaluate an authorizer's IAM policy for `method_arn` as API Gateway does.

    Allowed -> 200 with the context later routes see as `requestContext.authorizer`
    (values stringified, plus `principalId` and `integrationLatency`); Deny or no matching
    Allow -> 403; an unusable answer (no policy, nested context values) -> 500.
    """
    if not isinstance(result, Mapping):
        return AuthorizerDecision(500)
    principal = result.get("principalId")
    policy = result.get("policyDocument")
    context = result.get("context") or {}
    if not isinstance(principal, str) or not isinstance(policy, Mapping):
        return AuthorizerDecision(500)
    if not isinstance(context, Mapping):
        return AuthorizerDecision(500)
    try:
        route_context: dict[str, Any] = {
            key: _stringify_context_value(value) for key, value in context.items()
        }
        allowed = policy_allows(policy, method_arn)
    except MalformedResponse:
        return AuthorizerDecision(500)
    if not allowed:
        return AuthorizerDecision(403)
    route_context["principalId"] = principal
    route_context["integrationLatency"] = latency_ms
    return AuthorizerDecision(200, route_context)


def _stringify_context_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponse(f"authorizer context values must be string/number/boolean: {value!r}")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def policy_allows(policy: Mapping[str, Any], method_arn: str) -> bool:
    """IAM evaluation restricted to what authorizer policies use: an explicit Deny wins,
    otherwise some Allow must match action `execute-api:Invoke` and the method ARN."""
    statements = _as_list(policy.get("Statement"))
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise MalformedResponse("policy statement must be an object")
        actions = [str(a) for a in _as_list(statement.get("Action"))]
        resources = [str(r) for r in _as_list(statement.get("Resource"))]
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(method_arn, r) for r in resources):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return False
        if effect == "Allow":
            allowed = True
    return allowed


@dataclass(frozen=True)
class ConnectOutcome:
    status: int
    subprotocol: str | None
    body: str


def connect_outcome(result: Any) -> ConnectOutcome:
    """Interpret the `$connect` answer: status (non-2xx refuses the upgrade) and subprotocol."""
    if result is None:
        return ConnectOutcome(200, None, "")
    if not isinstance(result, Mapping):
        raise MalformedResponse(f"$connect must return an object, got {type(result).__name__}")
    try:
        status = int(result.get("statusCode", 200))
    except (TypeError, ValueError) as exc:
        raise MalformedResponse(f"invalid statusCode {result.get('statusCode')!r}") from exc
    headers = result.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise MalformedResponse("headers must be an object")
    subprotocol = next(
        (str(v) for k, v in headers.items() if str(k).lower() == "sec-websocket-protocol"), None
    )
    body = result.get("body")
    return ConnectOutcome(status, subprotocol or None, body if isinstance(body, str) else "")


def route_response(result: Any) -> str | bytes | None:
    """The frame a route's answer sends back (its `body`), or None when there is nothing.

    API Gateway sends the body whatever the statusCode; `isBase64Encoded` makes it binary.
    """
    if result is None or not isinstance(result, Mapping) or "body" not in result:
        return None
    body = result["body"]
    if body is None:
        return None
    if not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, got {type(body).__name__}")
    if result.get("isBase64Encoded") is True:
        return base64.b64decode(body)
    return body


def websocket_error_frame(message: str, connection_id: str, request_id: str) -> str:
    """What the client receives when a route fails, byte for byte as API Gateway formats it."""
    return (
        f'{{"message": "{message}", "connectionId":"{connection_id}", "requestId":"{request_id}"}}'
    )


# --- HTTP API (payload format 2.0) ----------------------------------------------------------


def _is_text_body(content_type: str | None, body: bytes) -> bool:
    if content_type is None:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type.startswith(_TEXT_CONTENT_TYPES) or media_type.endswith(("+json", "+xml"))


def http_api_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    query: Pairs,
    headers: Pairs,
    body: bytes,
    source_ip: str,
    domain_name: str,
    api: ApiIdentity,
    route_key: str,
    path_parameters: Mapping[str, str] | None,
    request_id: str,
    now_ms: int,
    protocol: str = "HTTP/1.1",
) -> dict[str, Any]:
    """An HTTP API request as payload format 2.0.

    Header names are lower-cased and repeated headers comma-joined; `Cookie` headers move to
    `cookies`; repeated query parameters are comma-joined; non-text bodies are base64.
    """
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined[lower] = f"{joined[lower]},{value}" if lower in joined else value
    query_parameters: dict[str, str] = {}
    for name, value in query:
        query_parameters[name] = (
            f"{query_parameters[name]},{value}" if name in query_parameters else value
        )
    domain_prefix = domain_name.split(".", 1)[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = joined
    if query_parameters:
        event["queryStringParameters"] = query_parameters
    event["requestContext"] = {
        "accountId": api.account_id,
        "apiId": api.api_id,
        "domainName": domain_name,
        "domainPrefix": domain_prefix,
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": api.stage,
        "time": request_time(now_ms),
        "timeEpoch": now_ms,
    }
    if body:
        if _is_text_body(joined.get("content-type"), body):
            event["body"] = body.decode("utf-8", errors="replace")
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    return event


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_api_response(result: Any) -> HttpResult:
    """Turn a payload-2.0 Lambda answer into the HTTP response API Gateway would send.

    With a `statusCode` the answer is taken as is (headers, cookies -> Set-Cookie, base64
    body); anything else valid as JSON is "inferred": 200, application/json, a string body
    verbatim and any other value JSON-serialized.
    """
    if isinstance(result, Mapping) and "statusCode" in result:
        try:
            status = int(result["statusCode"])
        except (TypeError, ValueError) as exc:
            raise MalformedResponse(f"invalid statusCode {result['statusCode']!r}") from exc
        raw_headers = result.get("headers") or {}
        if not isinstance(raw_headers, Mapping):
            raise MalformedResponse("headers must be an object")
        headers = [(str(k), _header_value(v)) for k, v in raw_headers.items()]
        cookies = result.get("cookies") or []
        if not isinstance(cookies, list):
            raise MalformedResponse("cookies must be a list")
        headers.extend(("Set-Cookie", str(cookie)) for cookie in cookies)
        body = result.get("body")
        if body is None:
            payload = b""
        elif not isinstance(body, str):
            raise MalformedResponse(f"body must be a string, got {type(body).__name__}")
        elif result.get("isBase64Encoded") is True:
            payload = base64.b64decode(body)
        else:
            payload = body.encode("utf-8")
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return HttpResult(status, headers, payload)
    text = result if isinstance(result, str) else json.dumps(result)
    return HttpResult(200, [("Content-Type", "application/json")], text.encode("utf-8"))


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def gateway_error_body(message: str) -> bytes:
    """API Gateway's own error body, e.g. {"message":"Internal Server Error"}."""
    return json.dumps({"message": message}, separators=(",", ":")).encode("utf-8")
