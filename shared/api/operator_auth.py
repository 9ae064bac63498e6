"""Who may call the operator API.

On AWS the HTTP API's JWT authorizer (Cognito) has already verified the token; we require the
caller to be in the "operators" group. Locally there is no Cognito: a development token from
OPERATOR_DEV_TOKEN (documented in the README) stands in for it. Anonymous callers get 401.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from shared.gateway.requests import header

OPERATORS_GROUP = "operators"


class AccessDenied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


LOCAL_OPERATOR = "local-operator"


def _jwt_claims(event: Mapping[str, Any]) -> dict[str, Any] | None:
    claims = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}).get(
        "claims"
    )
    return claims if isinstance(claims, dict) else None


def _groups(claims: Mapping[str, Any]) -> list[str]:
    groups = claims.get("cognito:groups", "")
    if isinstance(groups, list):
        return [str(g) for g in groups]
    # HTTP API passes array claims as "[a b]" strings.
    return str(groups).strip("[]").replace(",", " ").split()


def _identity(claims: Mapping[str, Any]) -> str:
    for name in ("username", "cognito:username", "email", "sub"):
        if claims.get(name):
            return str(claims[name])
    return "operator"


def require_operator(event: Mapping[str, Any], dev_token: str | None) -> str:
    """The caller's identity (JWT user name; "local-operator" with the development token).

    Raises AccessDenied(401) without valid credentials, AccessDenied(403) outside the group.
    """
    claims = _jwt_claims(event)
    if claims is not None:
        if OPERATORS_GROUP not in _groups(claims):
            raise AccessDenied(403, "operator group membership required")
        return _identity(claims)
    authorization = header(event, "Authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if not token or scheme.lower() != "bearer":
        raise AccessDenied(401, "authentication required")
    if dev_token is None or not hmac.compare_digest(token.encode(), dev_token.encode()):
        raise AccessDenied(401, "invalid token")
    return LOCAL_OPERATOR
