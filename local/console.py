"""The operator console on the local gateway, served as the CloudFront distribution serves it.

    GET /console              -> 301 /console/
    GET /console/config.json  -> where the console signs in (generated, never cached)
    GET /console/<file>       -> the file of the built console (console/dist, `make console`)
    GET /console/<route>      -> index.html (a path without a file extension: SPA routing)

Files under `assets/` carry a content hash in their names (Vite's output) and are cached for a
year as immutable; everything else (index.html first) is revalidated on every use. Every
answer carries the distribution's security headers. When the console is not built, its pages
answer 503 with a page saying how to build it, and the rest of the platform runs on.

`config.json` points the console at the development identity provider on the gateway's own
origin (local/identity/oauth.py): the same authorization code grant with PKCE that it runs
against Cognito's hosted UI on AWS, where the stack writes this file with Cognito's URLs.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from infra.catalog import console_security_headers
from local.identity.oauth import CONSOLE_PATH, SCOPES
from local.identity.provider import OPERATOR_TOOLS_CLIENT
from local.identity.routes import PREFIX as IDP_PREFIX

DEFAULT_CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console" / "dist"
PREFIX = "/console"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# The response headers policy of the console's CloudFront distribution, from the one
# definition both use; HSTS only means something over HTTPS, which the gateway does not serve.
SECURITY_HEADERS = {
    name: value
    for name, value in console_security_headers().items()
    if name != "Strict-Transport-Security"
}

# Explicit, so the answer does not depend on the machine's /etc/mime.types.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
}


def console_config(origin: str) -> dict[str, Any]:
    """`/console/config.json` for a console served at `origin` (http://host:port)."""
    idp = f"{origin}{IDP_PREFIX}"
    logout = urlencode({"client_id": OPERATOR_TOOLS_CLIENT, "logout_uri": origin + CONSOLE_PATH})
    return {
        "apiBaseUrl": "",
        "auth": {
            "authorizeUrl": f"{idp}/oauth2/authorize",
            "tokenUrl": f"{idp}/oauth2/token",
            "clientId": OPERATOR_TOOLS_CLIENT,
            "scope": " ".join(SCOPES),
            "logoutUrl": f"{idp}/logout?{logout}",
        },
        "environment": "local",
    }


def not_built_page(directory: Path) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>The console is not built</title></head>
<body>
<main>
<h1>The console is not built: run <code>make console</code></h1>
<p>The local platform serves the operator console from <code>{html.escape(str(directory))}</code>,
which has no <code>index.html</code>. <code>make console</code> builds it
(<code>make run</code> does too); reload this page when it is done.</p>
</main>
</body>
</html>
"""


@dataclass(frozen=True)
class ConsoleSite:
    """The built console in `directory`; `origin_of(request)` is the gateway origin the
    request came to (what config.json names)."""

    directory: Path
    origin_of: Callable[[web.Request], str]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(PREFIX, self._to_slash)
        app.router.add_get(PREFIX + "/{tail:.*}", self._serve)

    @property
    def built(self) -> bool:
        return (self.directory / "index.html").is_file()

    async def _to_slash(self, request: web.Request) -> web.StreamResponse:
        query = request.rel_url.raw_query_string
        location = PREFIX + "/" + (f"?{query}" if query else "")
        return _with_headers(web.Response(status=301, headers={"Location": location}))

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        if tail == "config.json":
            answer = web.json_response(
                console_config(self.origin_of(request)), headers={"Cache-Control": "no-store"}
            )
            return _with_headers(answer)
        if not self.built:
            page = not_built_page(self.directory)
            return _with_headers(
                web.Response(
                    text=page,
                    status=503,
                    content_type="text/html",
                    headers={"Cache-Control": "no-store"},
                )
            )
        path = self._file(tail)
        if path is None:
            if PurePosixPath(tail).suffix:
                return _with_headers(
                    web.Response(text="Not Found\n", status=404, content_type="text/plain")
                )
            path = self.directory / "index.html"  # a route of the single-page app
        return _with_headers(self._file_response(path))

    def _file(self, tail: str) -> Path | None:
        """The file `tail` names inside the directory; None if there is none (or it is
        outside: `..`, symbolic links out)."""
        root = self.directory.resolve()
        candidate = (root / (tail or "index.html")).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
        return candidate

    def _file_response(self, path: Path) -> web.FileResponse:
        relative = path.resolve().relative_to(self.directory.resolve())
        cache = IMMUTABLE if relative.parts[:1] == ("assets",) else REVALIDATE
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return web.FileResponse(
            path, headers={"Content-Type": content_type, "Cache-Control": cache}
        )


def _with_headers(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.update(SECURITY_HEADERS)
    return response
