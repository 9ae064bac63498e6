"""Who may call the driver API: a user of the `drivers` group, by a verified access token.

The JWT is verified before the function runs, by API Gateway's JWT authorizer on AWS (Cognito
as the issuer, the driver app client as the audience) and by the local gateway's authorizer
locally (the development identity provider as the issuer). Either way the function receives the
same verified claims in the event and only checks the group: it never knows which issuer it
runs with (docs/adr/0023-driver-identity.md). A driver is named by the token's `sub`, the
user pool's stable, never reassigned user id.
"""

from __future__ import annotations

from typing import Any

from shared.api.http_app import AccessDenied, claim_groups, jwt_claims

DRIVERS_GROUP = "drivers"


def require_driver(event: dict[str, Any]) -> str:
    """The calling driver's id (`sub`). AccessDenied(401) without verified claims (no
    authorizer ran, or no subject), AccessDenied(403) outside the drivers group."""
    claims = jwt_claims(event)
    if claims is None or not str(claims.get("sub") or "").strip():
        raise AccessDenied(401, "authentication required")
    if DRIVERS_GROUP not in claim_groups(claims):
        raise AccessDenied(403, "driver group membership required")
    return str(claims["sub"])
