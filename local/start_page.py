"""What a browser (or curl) gets for `GET /` on the local gateway: where everything is.

On AWS `/` is the WebSocket API and answers 426 to a plain GET; locally it is the first URL a
newcomer opens, so it lists the operator console, the API docs, the OpenAPI documents and the
charger URL instead.
A WebSocket upgrade on `/` still reaches the WebSocket API (local/gateway.py).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

# API prefix -> what it is; a prefix not listed here is shown by its path only.
_API_NAMES = {"/api": "Operator API", "/driver": "Driver API (the mobile app's)"}


def start_page_links(
    base_url: str, ws_url: str, api_prefixes: Iterable[str]
) -> list[tuple[str, str]]:
    """(what, URL) in the order shown."""
    links: list[tuple[str, str]] = [("Operator console", f"{base_url}/console/")]
    for prefix in sorted(api_prefixes):
        name = _API_NAMES.get(prefix, prefix)
        links += [
            (f"{name}: documentation", f"{base_url}{prefix}/docs"),
            (f"{name}: OpenAPI document", f"{base_url}{prefix}/openapi.json"),
        ]
    links.append(("Charger WebSocket (OCPP 1.6 / 2.0.1)", f"{ws_url}/{{chargePointId}}"))
    return links


def start_page_text(links: list[tuple[str, str]]) -> str:
    width = max((len(what) for what, _ in links), default=0)
    lines = ["Local CSMS platform", "", *(f"{what:<{width}}  {url}" for what, url in links)]
    return "\n".join(lines) + "\n"


def start_page_html(links: list[tuple[str, str]], operator_email: str | None = None) -> str:
    items = "\n".join(
        f'<li>{html.escape(what)}: <a href="{html.escape(url)}">{html.escape(url)}</a></li>'
        if url.startswith("http")
        else f"<li>{html.escape(what)}: <code>{html.escape(url)}</code></li>"
        for what, url in links
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Local CSMS platform</title></head>
<body>
<h1>Local CSMS platform</h1>
<ul>
{items}
</ul>
<p>The console signs in through the local identity provider:
"Continue as the development operator"{_as(operator_email)},
or its e-mail address and the password printed at start.</p>
<p>The documentation pages and OpenAPI documents need no token; the operator API takes the
development token printed at start (<code>Authorization: Bearer ...</code>).</p>
</body>
</html>
"""


def _as(operator_email: str | None) -> str:
    return f" (<code>{html.escape(operator_email)}</code>)" if operator_email else ""
