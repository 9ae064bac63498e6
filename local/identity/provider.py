"""The development identity provider of the local platform: Cognito's part of `make run`.

Users sign up (drivers by default) and sign in with an e-mail address and a password, and get
RS256-signed access tokens shaped like Cognito's: `sub`, `username`, `cognito:groups`,
`client_id`, `token_use`, `scope`, `iss`, `iat`, `exp`, `jti` (and ID tokens: `aud`, `email`,
`cognito:username`, `token_use: id`). Its public keys are served as a JWKS, like Cognito's
`/.well-known/jwks.json`, and the local gateway's JWT authorizer checks tokens against them
exactly as API Gateway checks Cognito's. Users live in memory: a restart forgets them (the demo
driver and the development operator are created again at start). Browsers sign in through the
authorization code grant with PKCE (local/identity/oauth.py), as with Cognito's hosted UI.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

# The app clients of the local user pool: the audiences its tokens are issued to.
DRIVER_APP_CLIENT = "local-driver-app"
OPERATOR_TOOLS_CLIENT = "local-operator-tools"
CLIENT_GROUPS = {DRIVER_APP_CLIENT: "drivers", OPERATOR_TOOLS_CLIENT: "operators"}
GROUPS = frozenset(CLIENT_GROUPS.values())
ACCESS_TOKEN_TTL_S = 3600  # Cognito's default, and the stack's
PASSWORD_GRANT_SCOPE = "openid email"  # noqa: S105 - scopes, not a secret
PASSWORD_MIN_LENGTH = 8  # locally; the user pool on AWS asks for 12 and four character kinds
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class IdentityError(Exception):
    """A refused sign-up or sign-in: `code` is OAuth's / Cognito's error name."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class LocalUser:
    sub: str
    email: str
    groups: frozenset[str]
    salt: bytes
    password_hash: bytes


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in value) or len(value) > 254:
        raise IdentityError(400, "InvalidParameterException", "a valid e-mail address is required")
    return value


@dataclass
class DevIdentityProvider:
    """Users, their passwords and the signing key of one local platform run."""

    issuer: str = ""  # set once the gateway knows its address
    key_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    _key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    _users: dict[str, LocalUser] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Registers a new user's address in a user directory and returns the `sub` it gave them
    # (moto's user pool, for receipt e-mails: local/receipt_email.py); None: a random `sub`.
    directory: Callable[[str], str] | None = None
    # Lifetime of access and ID tokens (LOCAL_TOKEN_TTL_S: short for browser tests of expiry).
    access_token_ttl_s: int = ACCESS_TOKEN_TTL_S
    # The user "Continue as the development operator" signs in (seeded at start), if any.
    development_operator: str | None = None

    def seed_development_operator(self, email: str, password: str) -> LocalUser:
        """The operator of `make run`: in the operators group, signed in by the sign-in
        page's one-click button."""
        user = self.ensure_user(email, password, "operators")
        self.development_operator = user.email
        return user

    def user(self, email: str) -> LocalUser | None:
        try:
            return self._users.get(normalise_email(email))
        except IdentityError:
            return None

    def authenticate(self, email: str, password: str) -> LocalUser:
        """The user whose password this is; the same refusal for an unknown user and a wrong
        password (no account enumeration)."""
        user = self.user(email)
        if user is None or not hmac.compare_digest(user.password_hash, _hash(password, user.salt)):
            raise IdentityError(400, "invalid_grant", "incorrect e-mail address or password")
        return user

    def sign_up(self, email: str, password: str, group: str = "drivers") -> LocalUser:
        """A new confirmed user in `group` (Cognito: sign-up, confirmation, and the
        post-confirmation trigger that adds drivers to their group)."""
        address = normalise_email(email)
        if group not in GROUPS:
            raise IdentityError(400, "InvalidParameterException", f"unknown group {group!r}")
        if len(password) < PASSWORD_MIN_LENGTH:
            raise IdentityError(
                400,
                "InvalidPasswordException",
                f"the password needs at least {PASSWORD_MIN_LENGTH} characters",
            )
        salt = secrets.token_bytes(16)
        password_hash = _hash(password, salt)
        with self._lock:
            if address in self._users:
                raise IdentityError(
                    409, "UsernameExistsException", "an account with this e-mail exists"
                )
            sub = self.directory(address) if self.directory else str(uuid.uuid4())
            user = LocalUser(
                sub=sub,
                email=address,
                groups=frozenset({group}),
                salt=salt,
                password_hash=password_hash,
            )
            self._users[address] = user
        return user

    def ensure_user(self, email: str, password: str, group: str = "drivers") -> LocalUser:
        """The user, created if missing (the demo driver at every start)."""
        try:
            return self.sign_up(email, password, group)
        except IdentityError as exc:
            if exc.code != "UsernameExistsException":
                raise
            return self._users[normalise_email(email)]

    def sign_in(self, email: str, password: str, client_id: str) -> dict[str, Any]:
        """The token response (OAuth 2.0 password grant, like Cognito's InitiateAuth)."""
        if client_id not in CLIENT_GROUPS:
            raise IdentityError(400, "invalid_client", f"unknown client_id {client_id!r}")
        user = self.authenticate(email, password)
        return {
            "access_token": self.access_token(user, client_id),
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl_s,
        }

    def access_token(
        self,
        user: LocalUser,
        client_id: str,
        now: float | None = None,
        scope: str = PASSWORD_GRANT_SCOPE,
    ) -> str:
        issued = int(time.time() if now is None else now)
        claims = {
            "sub": user.sub,
            "username": user.sub,
            "cognito:groups": sorted(user.groups),
            "client_id": client_id,
            "token_use": "access",
            "scope": scope,
            "iss": self.issuer,
            "iat": issued,
            "auth_time": issued,
            "exp": issued + self.access_token_ttl_s,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})

    def id_token(
        self, user: LocalUser, client_id: str, now: float | None = None, nonce: str | None = None
    ) -> str:
        """Cognito's ID token: who signed in, for the client (`aud`) that asked."""
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "sub": user.sub,
            "aud": client_id,
            "email": user.email,
            "email_verified": True,
            "cognito:username": user.sub,
            "cognito:groups": sorted(user.groups),
            "token_use": "id",
            "iss": self.issuer,
            "iat": issued,
            "auth_time": issued,
            "exp": issued + self.access_token_ttl_s,
            "jti": str(uuid.uuid4()),
        }
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})

    def jwks(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.key_id, "alg": "RS256", "use": "sig"}]}

    def openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "authorization_endpoint": f"{self.issuer}/oauth2/authorize",
            "token_endpoint": f"{self.issuer}/oauth2/token",
            "end_session_endpoint": f"{self.issuer}/logout",
            "grant_types_supported": ["authorization_code", "password"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none"],
        }
