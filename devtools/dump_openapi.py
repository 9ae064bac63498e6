"""The OpenAPI document of an HTTP API, printed without a server, AWS or any stored data.

    python -m devtools.dump_openapi operator > console/openapi.json      (make console-api)

The document is built from the registered routes and their models alone (what
`GET /api/openapi.json` answers). Route modules only keep references to the services when they
register, so the app is built over a stand-in that refuses to serve a request: the dump cannot
depend on data, and a route that started using a service at registration would fail here loudly.
tests/console/test_api_client_drift.py fails when console/openapi.json drifts from this output.
"""

from __future__ import annotations

import json
import sys
from typing import Any, cast

from shared.api.driver import DRIVER_APP
from shared.api.http_app import AccessDenied, HttpApp, HttpAppSpec
from shared.api.operator import OPERATOR_APP
from shared.bootstrap import Services

APIS: dict[str, HttpAppSpec] = {"operator": OPERATOR_APP, "driver": DRIVER_APP}


class _NoServices:
    """Any attribute path resolves; using one (calling it) is an error."""

    def __init__(self, path: str = "services") -> None:
        self._path = path

    def __getattr__(self, name: str) -> _NoServices:
        return _NoServices(f"{self._path}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{self._path}() was called while dumping the OpenAPI document")


def _no_caller(event: dict[str, Any]) -> str:
    raise AccessDenied(401, "the document dump serves no requests")


def document(api: str) -> dict[str, Any]:
    """The OpenAPI document of `api` ("operator" or "driver")."""
    app = HttpApp(cast(Services, _NoServices()), APIS[api], _no_caller)
    return app.openapi


def render(api: str) -> str:
    """The document as committed: two-space indent, the API's own key order, a final newline."""
    return json.dumps(document(api), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in APIS:
        print(f"usage: python -m devtools.dump_openapi {{{'|'.join(APIS)}}}", file=sys.stderr)
        return 2
    sys.stdout.write(render(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
