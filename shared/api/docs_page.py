"""The browsable API documentation: Swagger UI over the API's own OpenAPI document.

Powertools' `enable_swagger` would embed a second rendering of the spec, without the
adjustments of shared/api/openapi.py (our 400 error shape instead of its 422); this page
loads `openapi.json` itself, so the page and the document never differ. Swagger UI's script
and style sheet are the copies Powertools ships, inlined: the page needs no CDN and works
offline (local runs, tests) and without an extra public route for the assets.
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path

# Relative to the page ({prefix}/docs): right behind any stage or CloudFront path prefix.
SPEC_URL = "openapi.json"


@functools.cache
def _swagger_assets() -> tuple[str, str]:
    """Swagger UI's script and style sheet, read on the first request (1.7 MB: not at import,
    which every cold start pays)."""
    from aws_lambda_powertools.event_handler import openapi

    folder = Path(openapi.__file__).parent / "swagger_ui"
    script = (folder / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    style = (folder / "swagger-ui.min.css").read_text(encoding="utf-8")
    return script, style


@functools.cache
def docs_page(title: str) -> str:
    """The HTML page; its script fetches SPEC_URL (the public OpenAPI document)."""
    script, style = _swagger_assets()
    # Only "</script" (or "</style") would end the inlined element early; the shipped copies
    # hold neither, and a blind "</" replacement would break the script's regular expressions.
    script = re.sub("</(script)", r"<\\/\1", script, flags=re.IGNORECASE)
    style = re.sub("</(style)", r"<\\/\1", style, flags=re.IGNORECASE)
    options = json.dumps({"url": SPEC_URL, "dom_id": "#swagger-ui", "deepLinking": True})
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{style}</style>
</head>
<body>
<div id="swagger-ui">Loading the API description from <a href="{SPEC_URL}">{SPEC_URL}</a>...</div>
<script>{script}</script>
<script>window.ui = SwaggerUIBundle({options});</script>
</body>
</html>
"""
