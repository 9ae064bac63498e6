"""The development identity provider over HTTP, under /local-idp on the local gateway.

    POST /local-idp/users                 {"email", "password", "group"?} -> 201 the user
    GET  /local-idp/oauth2/authorize      the sign-in page (code grant with PKCE: oauth.py)
    POST /local-idp/oauth2/authorize      its form -> 302 redirect_uri?code=...&state=...
    POST /local-idp/oauth2/token          grant_type=password&username&password&client_id
                                          grant_type=authorization_code&code&redirect_uri
                                          &client_id&code_verifier
    GET  /local-idp/logout                ?client_id&logout_uri -> 302 logout_uri
    GET  /local-idp/.well-known/jwks.json
    GET  /local-idp/.well-known/openid-configuration

The token endpoint takes a form (as OAuth 2.0 says) or the same fields as JSON. Errors are
OAuth's shape: {"error": code, "error_description": message}; an authorization request from
an unknown client or to an unregistered redirect URI gets an HTML page (400), not a redirect.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from local.identity.oauth import AuthorizeError, AuthorizeRequest, ClientRefused, CodeFlow
from local.identity.provider import DevIdentityProvider, IdentityError
from local.identity.sign_in_page import (
    DEVELOPMENT_OPERATOR_ACTION,
    PAGE_HEADERS,
    refusal_page,
    sign_in_page,
)

PREFIX = "/local-idp"


def add_routes(app: web.Application, provider: DevIdentityProvider, flow: CodeFlow) -> None:
    async def users(request: web.Request) -> web.Response:
        fields = await _fields(request)
        user = provider.sign_up(
            _text(fields, "email"), _text(fields, "password"), _text(fields, "group", "drivers")
        )
        return web.json_response(
            {"sub": user.sub, "email": user.email, "groups": sorted(user.groups)}, status=201
        )

    async def token(request: web.Request) -> web.Response:
        fields = await _fields(request)
        grant = _text(fields, "grant_type")
        if grant == "authorization_code":
            answer = flow.exchange(fields)
        elif grant == "password":
            answer = provider.sign_in(
                _text(fields, "username"), _text(fields, "password"), _text(fields, "client_id")
            )
        else:
            raise IdentityError(
                400, "unsupported_grant_type", "grant_type must be authorization_code or password"
            )
        return web.json_response(answer, headers={"Cache-Control": "no-store"})

    async def jwks(_request: web.Request) -> web.Response:
        return web.json_response(provider.jwks())

    async def configuration(_request: web.Request) -> web.Response:
        return web.json_response(provider.openid_configuration())

    def guarded(handler: Any) -> Any:
        async def run(request: web.Request) -> web.Response:
            try:
                response: web.Response = await handler(request)
            except IdentityError as exc:
                body = {"error": exc.code, "error_description": exc.message}
                return web.json_response(body, status=exc.status)
            return response

        return run

    app.router.add_post(f"{PREFIX}/users", guarded(users))
    app.router.add_post(f"{PREFIX}/oauth2/token", guarded(token))
    add_sign_in_routes(app, provider, flow)
    app.router.add_get(f"{PREFIX}/.well-known/jwks.json", jwks)
    app.router.add_get(f"{PREFIX}/.well-known/openid-configuration", configuration)


def add_sign_in_routes(app: web.Application, provider: DevIdentityProvider, flow: CodeFlow) -> None:
    """The browser's part of the code grant: the sign-in page, its form, sign-out."""

    async def authorize_page(request: web.Request) -> web.Response:
        try:
            authorize = flow.authorize_request(request.query)
        except ClientRefused as exc:
            return _html(refusal_page(exc.message), 400)
        except AuthorizeError as exc:
            return _redirect(exc.location)
        return _html(sign_in_page(authorize, development_operator=provider.development_operator))

    async def authorize_form(request: web.Request) -> web.Response:
        form = await request.post()
        fields = {name: value for name, value in form.items() if isinstance(value, str)}
        try:
            authorize = flow.authorize_request(fields)
        except ClientRefused as exc:
            return _html(refusal_page(exc.message), 400)
        except AuthorizeError as exc:
            return _redirect(exc.location)
        email = fields.get("email", "")
        if fields.get("action") == DEVELOPMENT_OPERATOR_ACTION:
            operator = provider.development_operator
            user = provider.user(operator) if operator else None
            if user is None:
                return _again(authorize, "There is no development operator on this platform.")
        else:
            try:
                user = provider.authenticate(email, fields.get("password", ""))
            except IdentityError:
                return _again(authorize, "Incorrect e-mail address or password.", email)
        return _redirect(flow.issue_code(authorize, user))

    def _again(authorize: AuthorizeRequest, error: str, email: str = "") -> web.Response:
        page = sign_in_page(
            authorize, development_operator=provider.development_operator, error=error, email=email
        )
        return _html(page, 401)

    async def logout(request: web.Request) -> web.Response:
        try:
            return _redirect(flow.logout_location(request.query))
        except ClientRefused as exc:
            return _html(refusal_page(exc.message), 400)

    app.router.add_get(f"{PREFIX}/oauth2/authorize", authorize_page)
    app.router.add_post(f"{PREFIX}/oauth2/authorize", authorize_form)
    app.router.add_get(f"{PREFIX}/logout", logout)


def _html(page: str, status: int = 200) -> web.Response:
    return web.Response(text=page, status=status, content_type="text/html", headers=PAGE_HEADERS)


def _redirect(location: str) -> web.Response:
    """302 Found, as Cognito's hosted UI answers (the browser follows it with a GET)."""
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


async def _fields(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/x-www-form-urlencoded":
        return dict(await request.post())
    try:
        value = json.loads(await request.text() or "{}")
    except ValueError as exc:
        raise IdentityError(400, "invalid_request", "the body is neither a form nor JSON") from exc
    if not isinstance(value, dict):
        raise IdentityError(400, "invalid_request", "the body must be a JSON object")
    return value


def _text(fields: dict[str, Any], name: str, default: str | None = None) -> str:
    value = fields.get(name, default)
    if not isinstance(value, str) or not value:
        raise IdentityError(400, "invalid_request", f"{name} is required")
    return value
