"""The development identity provider over HTTP, under /local-idp on the local gateway.

    POST /local-idp/users                 {"email", "password", "group"?} -> 201 the user
    POST /local-idp/oauth2/token          grant_type=password&username&password&client_id
    GET  /local-idp/.well-known/jwks.json
    GET  /local-idp/.well-known/openid-configuration

The token endpoint takes a form (as OAuth 2.0 says) or the same fields as JSON. Errors are
OAuth's shape: {"error": code, "error_description": message}.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from local.identity.provider import DevIdentityProvider, IdentityError

PREFIX = "/local-idp"


def add_routes(app: web.Application, provider: DevIdentityProvider) -> None:
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
        if grant != "password":
            raise IdentityError(400, "unsupported_grant_type", "only grant_type=password")
        answer = provider.sign_in(
            _text(fields, "username"), _text(fields, "password"), _text(fields, "client_id")
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
    app.router.add_get(f"{PREFIX}/.well-known/jwks.json", jwks)
    app.router.add_get(f"{PREFIX}/.well-known/openid-configuration", configuration)


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
