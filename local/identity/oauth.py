"""The authorization code grant with PKCE, as Cognito's hosted UI runs it (RFC 6749 §4.1,
RFC 7636), for the operator console on the local platform.

    authorize  client_id, redirect_uri, response_type=code, scope, state,
               code_challenge, code_challenge_method=S256 [, nonce]
    -> the sign-in page; its form -> 302 redirect_uri?code=...&state=...
    token      grant_type=authorization_code, code, redirect_uri, client_id, code_verifier
    -> {"access_token", "id_token", "token_type": "Bearer", "expires_in"}
    logout     client_id, logout_uri -> 302 logout_uri

As OAuth says, a request whose client or redirect URI is not registered is refused on a page
of the provider (`ClientRefused`), never by a redirect to an address nobody vouched for; any
other fault of an authorization request goes back to the client's redirect URI with `error`
and `state` (`AuthorizeError`). A code is good for one exchange within `code_ttl_s`, by the
client and redirect URI it was issued to, with the verifier of its challenge; any exchange
attempt uses it up (a second one is refused even if the first one failed).

Redirect URIs are registered per client as Cognito's callback and sign-out URLs are: the
operator tools client accepts `{origin}/console/callback` and signs out to `{origin}/console/`
for the gateway's own origins (`allow_console_origins`), nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from local.identity.provider import (
    CLIENT_GROUPS,
    OPERATOR_TOOLS_CLIENT,
    DevIdentityProvider,
    IdentityError,
    LocalUser,
)

CODE_TTL_S = 300.0  # Cognito's authorization codes last five minutes
SCOPES = ("openid", "email", "profile")
CONSOLE_PATH = "/console/"
CALLBACK_PATH = "/console/callback"
# RFC 7636 §4.1 / §4.2: 43-128 unreserved characters; an S256 challenge is 43 base64url ones.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


class ClientRefused(IdentityError):
    """The client or its redirect URI is unknown: shown on the provider's own page."""

    def __init__(self, message: str) -> None:
        super().__init__(400, "invalid_request", message)


class AuthorizeError(IdentityError):
    """A fault of an authorization request from a known client: sent back to its redirect URI."""

    def __init__(self, code: str, message: str, redirect_uri: str, state: str | None) -> None:
        super().__init__(302, code, message)
        self.redirect_uri = redirect_uri
        self.state = state

    @property
    def location(self) -> str:
        return with_query(
            self.redirect_uri,
            {"error": self.code, "error_description": self.message, "state": self.state},
        )


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated authorization request (what the sign-in form carries along)."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str
    nonce: str | None = None

    def fields(self) -> dict[str, str]:
        """The request's parameters, as the sign-in form posts them back."""
        values = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
            "nonce": self.nonce,
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class IssuedCode:
    request: AuthorizeRequest
    user: LocalUser
    expires_at: float


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def s256(verifier: str) -> str:
    """The S256 code challenge of a verifier: BASE64URL(SHA256(verifier)), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class CodeFlow:
    """Authorization requests, one-time codes and their exchange for tokens."""

    provider: DevIdentityProvider
    code_ttl_s: float = CODE_TTL_S
    clock: Callable[[], float] = time.monotonic
    # Client -> its registered callback URLs and sign-out URLs (Cognito's app client settings).
    callback_urls: dict[str, frozenset[str]] = field(default_factory=dict)
    logout_urls: dict[str, frozenset[str]] = field(default_factory=dict)
    _codes: dict[str, IssuedCode] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow_console_origins(self, origins: Iterable[str]) -> None:
        """The operator console at these origins (`http://host:port`) may sign in and out."""
        bases = [origin.rstrip("/") for origin in origins]
        self.callback_urls[OPERATOR_TOOLS_CLIENT] = frozenset(b + CALLBACK_PATH for b in bases)
        self.logout_urls[OPERATOR_TOOLS_CLIENT] = frozenset(b + CONSOLE_PATH for b in bases)

    def authorize_request(self, params: Mapping[str, Any]) -> AuthorizeRequest:
        """Validate an authorization request (the query of GET, the form of POST)."""
        client_id = _optional(params, "client_id") or ""
        if client_id not in CLIENT_GROUPS:
            raise ClientRefused(f"unknown client_id {client_id!r}")
        redirect_uri = _optional(params, "redirect_uri") or ""
        if redirect_uri not in self.callback_urls.get(client_id, frozenset()):
            raise ClientRefused(f"redirect_uri {redirect_uri!r} is not registered for {client_id}")
        state = _optional(params, "state")

        def refuse(code: str, message: str) -> AuthorizeError:
            return AuthorizeError(code, message, redirect_uri, state)

        if _optional(params, "response_type") != "code":
            raise refuse("unsupported_response_type", "response_type must be code")
        if _optional(params, "code_challenge_method") != "S256":
            raise refuse("invalid_request", "code_challenge_method must be S256 (PKCE)")
        challenge = _optional(params, "code_challenge") or ""
        if not _CHALLENGE.match(challenge):
            raise refuse("invalid_request", "code_challenge must be 43 base64url characters")
        requested = (_optional(params, "scope") or " ".join(SCOPES)).split()
        unknown = sorted(set(requested) - set(SCOPES))
        if unknown:
            raise refuse("invalid_scope", f"scope {' '.join(unknown)} is not allowed")
        return AuthorizeRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=" ".join(dict.fromkeys(requested)),
            state=state,
            code_challenge=challenge,
            nonce=_optional(params, "nonce"),
        )

    def issue_code(self, request: AuthorizeRequest, user: LocalUser) -> str:
        """A one-time code for `user`; returns the URL to send the browser to."""
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            # Forget codes nobody came for, so the table cannot grow without bound.
            for stale in [c for c, issued in self._codes.items() if issued.expires_at <= now]:
                del self._codes[stale]
            self._codes[code] = IssuedCode(request, user, now + self.code_ttl_s)
        return with_query(request.redirect_uri, {"code": code, "state": request.state})

    def exchange(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The token response for grant_type=authorization_code; IdentityError otherwise."""
        code = _required(fields, "code")
        redirect_uri = _required(fields, "redirect_uri")
        client_id = _required(fields, "client_id")
        verifier = _required(fields, "code_verifier")
        if client_id not in CLIENT_GROUPS:
            raise IdentityError(400, "invalid_client", f"unknown client_id {client_id!r}")
        if not _VERIFIER.match(verifier):
            raise IdentityError(
                400, "invalid_request", "code_verifier must be 43-128 unreserved characters"
            )
        with self._lock:
            issued = self._codes.pop(code, None)  # used up by any attempt
        if issued is None or issued.expires_at <= self.clock():
            raise IdentityError(400, "invalid_grant", "the code is unknown, used or expired")
        request = issued.request
        if client_id != request.client_id:
            raise IdentityError(400, "invalid_grant", "the code was issued to another client")
        if redirect_uri != request.redirect_uri:
            raise IdentityError(400, "invalid_grant", "redirect_uri differs from the authorization")
        if not hmac.compare_digest(s256(verifier), request.code_challenge):
            raise IdentityError(400, "invalid_grant", "code_verifier does not match the challenge")
        provider = self.provider
        now = time.time()
        return {
            "access_token": provider.access_token(
                issued.user, client_id, now=now, scope=request.scope
            ),
            "id_token": provider.id_token(issued.user, client_id, now=now, nonce=request.nonce),
            "token_type": "Bearer",
            "expires_in": provider.access_token_ttl_s,
        }

    def logout_location(self, params: Mapping[str, Any]) -> str:
        """Where Cognito's /logout sends the browser: a registered sign-out URL."""
        client_id = _optional(params, "client_id") or ""
        if client_id not in CLIENT_GROUPS:
            raise ClientRefused(f"unknown client_id {client_id!r}")
        logout_uri = _optional(params, "logout_uri") or ""
        if logout_uri not in self.logout_urls.get(client_id, frozenset()):
            raise ClientRefused(f"logout_uri {logout_uri!r} is not registered for {client_id}")
        return logout_uri


def _optional(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    return value if isinstance(value, str) and value else None


def _required(fields: Mapping[str, Any], name: str) -> str:
    value = _optional(fields, name)
    if value is None:
        raise IdentityError(400, "invalid_request", f"{name} is required")
    return value
