"""API Gateway's JWT authorizer, locally: the same checks on the same tokens.

As on an HTTP API route with a JWT authorizer: the token comes from the Authorization header
(with or without "Bearer "); it must be a JWS signed with RS256 by a key of the issuer's JWKS
(matched by `kid`), not expired, not before `nbf`, issued by the configured issuer and meant
for one of the audiences (`aud`, or Cognito's `client_id` claim). What it passes on is what
API Gateway passes: the claims as strings (arrays as "[a b]") in
`requestContext.authorizer.jwt.claims`. Anything else is a 401 before the function runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

Jwks = Callable[[], Mapping[str, Any]]


class Unauthorized(Exception):
    """The request is refused with 401; `reason` goes to the log, never to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class JwtAuthorizer:
    issuer: Callable[[], str]
    audiences: frozenset[str]
    jwks: Jwks
    leeway_s: int = 0

    def claims(self, authorization: str | None) -> dict[str, str]:
        """The verified claims as API Gateway hands them to the function."""
        token = (authorization or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthorized("no token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"not a JWT: {exc}") from exc
        if header.get("alg") != "RS256":
            raise Unauthorized(f"algorithm {header.get('alg')!r} is not RS256")
        key = self._key(str(header.get("kid") or ""))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer(),
                leeway=self.leeway_s,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(str(exc)) from exc
        audience = _audience(claims)
        if not audience & self.audiences:
            raise Unauthorized(f"audience {sorted(audience)} is not {sorted(self.audiences)}")
        return {name: _as_string(value) for name, value in claims.items()}

    def _key(self, kid: str) -> Any:
        for candidate in self.jwks().get("keys", []):
            if candidate.get("kid") == kid:
                return jwt.PyJWK(candidate).key
        raise Unauthorized(f"no key {kid!r} in the issuer's JWKS")


def _audience(claims: Mapping[str, Any]) -> set[str]:
    aud = claims.get("aud")
    found = {str(a) for a in aud} if isinstance(aud, list) else {str(aud)} if aud else set()
    if claims.get("client_id"):
        found.add(str(claims["client_id"]))
    return found


def _as_string(value: Any) -> str:
    """API Gateway's rendering of a claim: arrays as "[a b]", objects as JSON."""
    if isinstance(value, list):
        return "[" + " ".join(_as_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
