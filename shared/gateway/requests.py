"""Reading API Gateway WebSocket events (the same shapes on AWS and in the local gateway)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.ocpp.versions import OcppVersion


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A request header, matched case-insensitively (API Gateway keeps the client's case)."""
    headers = event.get("headers") or {}
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return str(value)
    return None


def query_parameter(event: Mapping[str, Any], name: str) -> str | None:
    params = event.get("queryStringParameters") or {}
    value = params.get(name)
    return str(value) if value is not None else None


def request_time_ms(event: Mapping[str, Any]) -> int:
    context = event.get("requestContext") or {}
    return int(context.get("requestTimeEpoch") or context.get("connectedAt") or 0)


def message_body(event: Mapping[str, Any]) -> str:
    """The frame text; a binary frame (base64 on API Gateway) is decoded as UTF-8 if it can be."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "\x00"  # not OCPP-J text: the router answers with a framing error
    return str(body)


@dataclass(frozen=True)
class ConnectionIdentity:
    """Who is on a connection, as established at $connect."""

    charge_point_id: str
    version: OcppVersion
    lenient: bool
    # Registration Accepted at $connect: anything else boots, answers commands and sends what
    # the registration check allows (docs/adr/0040-registration-states.md).
    admitted: bool = True


def identity_from_authorizer(event: Mapping[str, Any]) -> ConnectionIdentity | None:
    """The identity the $connect authorizer attached to the connection, if any.

    API Gateway hands the authorizer's context to every route of the connection, so $default
    learns who is talking without a database read.
    """
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    charge_point_id = context.get("chargePointId")
    protocol = context.get("protocol")
    if not charge_point_id or not protocol:
        return None
    try:
        version = OcppVersion(protocol)
    except ValueError:
        return None
    return ConnectionIdentity(
        charge_point_id=str(charge_point_id),
        version=version,
        lenient=context.get("validationMode") == "lenient",
        # Connections opened before the status was carried had been admitted as Accepted.
        admitted=context.get("registrationStatus", "Accepted") == "Accepted",
    )


def authorizer_policy(
    principal_id: str, method_arn: str, allow: bool, context: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A REQUEST authorizer's answer: an IAM policy on the $connect route, plus context."""
    policy: dict[str, Any] = {
        "principalId": principal_id or "unknown",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allow else "Deny",
                    "Resource": method_arn,
                }
            ],
        },
    }
    if context:
        policy["context"] = dict(context)
    return policy
