"""Who may call the operator API.

On AWS the HTTP API's JWT authorizer (Cognito) has already verified the token; we require the
caller to be in the "operators" group. Locally there is no Cognito: a development token from
OPERATOR_DEV_TOKEN (documented in the README) stands in for it. Anonymous callers get 401.
"""

from __future__ import annotations

import hmac
from typing import Any

from shared.api.http_app import AccessDenied, claim_groups, jwt_claims
from shared.gateway.requests import header

OPERATORS_GROUP = "operators"


LOCAL_OPERATOR = "local-operator"


def _identity(claims: dict[str, Any]) -> str:
    for name in ("username", "cognito:username", "email", "sub"):
        if claims.get(name):
            return str(claims[name])
    return "operator"


def require_operator(event: dict[str, Any], dev_token: str | None) -> str:
    """The caller's identity (JWT user name; "local-operator" with the development token).

    Raises AccessDenied(401) without valid credentials, AccessDenied(403) outside the group.
    """
    claims = jwt_claims(event)
    if claims is not None:
        if OPERATORS_GROUP not in claim_groups(claims):
            raise AccessDenied(403, "operator group membership required")
        return _identity(claims)
    authorization = header(event, "Authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if not token or scheme.lower() != "bearer":
        raise AccessDenied(401, "authentication required")
    if dev_token is None or not hmac.compare_digest(token.encode(), dev_token.encode()):
        raise AccessDenied(401, "invalid token")
    return LOCAL_OPERATOR
