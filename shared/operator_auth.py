"""Who may call the operator API.

On AWS the HTTP API's JWT authorizer (Cognito) has already verified the token; we require the
caller to be in the "operators" group. Locally there is no Cognito: a development token from
OPERATOR_DEV_TOKEN (documented in the README) stands in for it. Anonymous callers get 401.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

OPERATORS_GROUP = "operators"


class AccessDenied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _jwt_groups(event: Mapping[str, Any]) -> list[str] | None:
    claims = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {}).get(
        "claims"
    )
    if not isinstance(claims, dict):
        return None
    groups = claims.get("cognito:groups", "")
    if isinstance(groups, list):
        return [str(g) for g in groups]
    # HTTP API passes array claims as "[a b]" strings.
    return str(groups).strip("[]").replace(",", " ").split()


def require_operator(event: Mapping[str, Any], dev_token: str | None) -> str:
    """The caller's identity, or AccessDenied(401/403)."""
    groups = _jwt_groups(event)
    if groups is not None:
        if OPERATORS_GROUP not in groups:
            raise AccessDenied(403, "operator group membership required")
        return "jwt"
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    authorization = str(headers.get("authorization", ""))
    scheme, _, token = authorization.partition(" ")
    if not token or scheme.lower() != "bearer":
        raise AccessDenied(401, "authentication required")
    if dev_token is None or not hmac.compare_digest(token.encode(), dev_token.encode()):
        raise AccessDenied(401, "invalid token")
    return "dev-token"
