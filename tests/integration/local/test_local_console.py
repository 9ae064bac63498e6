"""The operator console on the local gateway: its files, SPA routing, caching, security headers,
the generated config.json, and a clear page when it is not built."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from local.console import SECURITY_HEADERS
from local.gateway import RouteTable
from local.identity.provider import OPERATOR_TOOLS_CLIENT

from .helpers import run, running_gateway

INDEX = '<!DOCTYPE html><html><head><script type="module" src="/console/assets/index-B4x9aQ1z.js"></script></head><body><div id="root"></div></body></html>'  # noqa: E501


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "index-B4x9aQ1z.js").write_text("console.log('console');")
    (root / "assets" / "index-Cq2LmN7p.css").write_text("body{margin:0}")
    (root / "assets" / "inter-Dk3ZpQ9a.woff2").write_bytes(b"wOF2")
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("not part of the console")
    return root


def fetch(
    console_dir: Path, *paths: str, headers: dict[str, str] | None = None
) -> dict[str, tuple[int, Any, bytes]]:
    """GET each path (not following redirects): path -> (status, headers, body)."""

    async def scenario() -> dict[str, tuple[int, Any, bytes]]:
        answers: dict[str, tuple[int, Any, bytes]] = {}
        async with (
            running_gateway(RouteTable(), console_dir=str(console_dir)) as gateway,
            aiohttp.ClientSession() as http,
        ):
            for path in paths:
                url = URL(gateway.base_url + path, encoded=True)
                async with http.get(url, allow_redirects=False, headers=headers) as response:
                    answers[path] = (response.status, response.headers, await response.read())
            answers["base"] = (0, {}, gateway.base_url.encode())
        return answers

    return run(scenario)


def assert_security_headers(headers: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value, name
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_files_are_served_with_their_content_types_and_cache_rules(dist):
    answers = fetch(
        dist,
        "/console/",
        "/console/index.html",
        "/console/assets/index-B4x9aQ1z.js",
        "/console/assets/index-Cq2LmN7p.css",
        "/console/assets/inter-Dk3ZpQ9a.woff2",
        "/console/favicon.svg",
    )
    status, headers, body = answers["/console/"]
    assert (status, body.decode()) == (200, INDEX)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    assert answers["/console/index.html"][1]["Cache-Control"] == "no-cache"
    expected = {
        "/console/assets/index-B4x9aQ1z.js": "text/javascript; charset=utf-8",
        "/console/assets/index-Cq2LmN7p.css": "text/css; charset=utf-8",
        "/console/assets/inter-Dk3ZpQ9a.woff2": "font/woff2",
    }
    for path, content_type in expected.items():
        status, headers, _ = answers[path]
        assert status == 200, path
        assert headers["Content-Type"] == content_type, path
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable", path
    status, headers, _ = answers["/console/favicon.svg"]
    assert headers["Content-Type"] == "image/svg+xml"
    assert headers["Cache-Control"] == "no-cache"  # not hashed: revalidated
    for path in expected:
        assert_security_headers(answers[path][1])
    assert_security_headers(answers["/console/"][1])


def test_routes_of_the_app_get_index_html_and_missing_files_404(dist):
    answers = fetch(
        dist,
        "/console/chargers",
        "/console/chargers/CP-1",
        "/console/callback?code=a&state=b",
        "/console/assets/gone-12345678.js",
        "/console/nothing.png",
    )
    routes = ("/console/chargers", "/console/chargers/CP-1", "/console/callback?code=a&state=b")
    for path in routes:
        status, headers, body = answers[path]
        assert (status, body.decode()) == (200, INDEX), path
        assert headers["Cache-Control"] == "no-cache"
        assert_security_headers(headers)
    for path in ("/console/assets/gone-12345678.js", "/console/nothing.png"):
        status, headers, body = answers[path]
        assert status == 404, path
        assert INDEX.encode() not in body
        assert_security_headers(headers)


def test_nothing_outside_the_console_folder_is_served(dist):
    paths = ("/console/%2e%2e/secret.txt", "/console/..%2fsecret.txt", "/console/../secret.txt")
    answers = fetch(dist, *paths)
    for path in paths:
        status, _, body = answers[path]
        assert (status, body) == (404, b"Not Found\n"), path


def test_console_without_a_slash_is_moved_permanently(dist):
    answers = fetch(dist, "/console", "/console?x=1")
    status, headers, _ = answers["/console"]
    assert (status, headers["Location"]) == (301, "/console/")
    assert answers["/console?x=1"][1]["Location"] == "/console/?x=1"
    assert_security_headers(headers)


def test_config_json_points_the_console_at_the_local_identity_provider(dist):
    answers = fetch(dist, "/console/config.json")
    origin = answers["base"][2].decode()
    status, headers, body = answers["/console/config.json"]
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"
    assert_security_headers(headers)
    port = origin.rsplit(":", 1)[1]
    assert json.loads(body) == {
        "apiBaseUrl": "",
        "auth": {
            "authorizeUrl": f"{origin}/local-idp/oauth2/authorize",
            "tokenUrl": f"{origin}/local-idp/oauth2/token",
            "clientId": OPERATOR_TOOLS_CLIENT,
            "scope": "openid email profile",
            "logoutUrl": f"{origin}/local-idp/logout?client_id={OPERATOR_TOOLS_CLIENT}"
            f"&logout_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fconsole%2F",
        },
        "environment": "local",
    }


def test_config_json_follows_the_loopback_name_the_browser_used(dist):
    async def scenario() -> tuple[dict[str, Any], dict[str, Any], str]:
        async with (
            running_gateway(RouteTable(), console_dir=str(dist)) as gateway,
            aiohttp.ClientSession() as http,
        ):
            url = f"{gateway.base_url}/console/config.json"
            async with http.get(url, headers={"Host": f"localhost:{gateway.port}"}) as response:
                alias = await response.json()
            async with http.get(url, headers={"Host": "evil.example"}) as response:
                foreign = await response.json()
            return alias, foreign, gateway.base_url

    alias, foreign, base = run(scenario)
    port = base.rsplit(":", 1)[1]
    assert alias["auth"]["authorizeUrl"] == f"http://localhost:{port}/local-idp/oauth2/authorize"
    assert foreign["auth"]["authorizeUrl"] == f"{base}/local-idp/oauth2/authorize"


def test_an_unbuilt_console_says_how_to_build_it(tmp_path):
    answers = fetch(tmp_path / "no-dist", "/console/", "/console/chargers", "/console/config.json")
    for path in ("/console/", "/console/chargers"):
        status, headers, body = answers[path]
        assert status == 503, path
        assert headers["Content-Type"].startswith("text/html")
        assert "The console is not built: run <code>make console</code>" in body.decode()
        assert_security_headers(headers)
    assert answers["/console/config.json"][0] == 200  # generated, not built
