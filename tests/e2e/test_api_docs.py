"""Browsable API documentation and the start page, as a newcomer's browser gets them locally:
no token, no CDN."""

from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import urljoin

import aiohttp
import pytest

from .conftest import run


def _get(url: str, accept: str = "text/html") -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.headers["Content-Type"], response.read().decode()


@pytest.mark.parametrize(("prefix", "title"), [("/api", "operator"), ("/driver", "driver")])
def test_the_docs_page_is_served_without_a_token_and_loads_the_spec(platform, prefix, title):
    base = platform.http_url.removesuffix("/api")
    docs_url = f"{base}{prefix}/docs"
    status, content_type, page = _get(docs_url)
    assert status == 200
    assert content_type.startswith("text/html")
    assert f"<title>CSMS {title} API</title>" in page
    # Swagger UI is in the page and fetches the API's own document, which is public too.
    assert "SwaggerUIBundle(" in page
    (spec,) = re.findall(r'SwaggerUIBundle\(\{"url": "([^"]+)"', page)
    assert urljoin(docs_url, spec) == f"{base}{prefix}/openapi.json"
    document = json.loads(_get(urljoin(docs_url, spec), "application/json")[2])
    assert document["info"]["title"] == f"CSMS {title} API"
    # Nothing comes from elsewhere: the page works offline.
    assert not re.findall(r"""(?:src|href)=["']https?://""", page)


def test_the_start_page_says_where_things_are(platform):
    base = platform.http_url.removesuffix("/api")
    status, content_type, page = _get(f"{base}/")
    assert status == 200
    assert content_type.startswith("text/html")
    for url in (
        f"{base}/api/docs",
        f"{base}/driver/docs",
        f"{base}/api/openapi.json",
        f"{platform.ws_url}/{{chargePointId}}",
    ):
        assert url in page
    _, content_type, text = _get(f"{base}/", accept="*/*")
    assert content_type.startswith("text/plain")
    assert f"{base}/api/docs" in text


def test_a_websocket_upgrade_on_the_root_still_reaches_the_charger_api(platform):
    base = platform.http_url.removesuffix("/api").replace("http://", "ws://")

    async def connect() -> str | None:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(
                f"{base}/?chargePointId=DOCS-ROOT-CP", protocols=("ocpp1.6",)
            ) as ws:
                return ws.protocol

    assert run(connect()) == "ocpp1.6"
