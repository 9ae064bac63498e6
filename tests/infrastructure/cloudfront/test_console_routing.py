"""The operator console's CloudFront Function (SPA routing), run by node on viewer requests.

The code under test is exactly what the stack deploys (`routing_function_code`).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.charger_edge import MAX_FUNCTION_CODE_BYTES
from infra.console_hosting import routing_function_code
from tests.infrastructure.cloudfront.events import viewer_request as cloudfront_event

pytestmark = pytest.mark.infrastructure

HARNESS = Path(__file__).with_name("harness.js")
NODE = shutil.which("node")
INDEX = "/console/index.html"
NOT_FOUND = {"statusCode": 404, "statusDescription": "Not Found"}
TO_CONSOLE = {
    "statusCode": 301,
    "statusDescription": "Moved Permanently",
    "headers": {"location": {"value": "/console/"}},
}


def viewer_request(uri: str, querystring: dict[str, Any] | None = None) -> dict[str, Any]:
    """A browser's page load of `uri`."""
    return cloudfront_event(uri, querystring, {"accept": "text/html"})


def run(*events: dict[str, Any]) -> list[Any]:
    if NODE is None:
        pytest.skip("node is not installed: the CloudFront Function's JavaScript cannot run")
    payload = json.dumps({"code": routing_function_code(), "events": list(events)})
    completed = subprocess.run(
        [NODE, str(HARNESS)], input=payload, capture_output=True, text=True, check=True
    )
    results: list[Any] = json.loads(completed.stdout)
    return results


def route(*uris: str) -> list[Any]:
    return run(*(viewer_request(uri) for uri in uris))


@pytest.mark.parametrize(
    "uri",
    [
        "/console/",
        "/console/chargers",
        "/console/chargers/CP-1",
        # Charger ids may hold dots: below the top level, a dot does not make a file.
        "/console/chargers/CP.1",
        "/console/sessions/CP-1/42",
        "/console/callback",
        "/console/signin",
        "/console/energy/",
        "/console/.hidden",
    ],
)
def test_app_routes_are_served_the_index_page(uri):
    (request,) = route(uri)
    assert request["uri"] == INDEX


def test_only_the_uri_changes_and_the_query_string_is_kept():
    event = viewer_request("/console/callback", {"code": {"value": "abc"}, "state": {"value": "x"}})
    (request,) = run(copy.deepcopy(event))
    assert request == {**event["request"], "uri": INDEX}


@pytest.mark.parametrize(
    "uri",
    [
        "/console/index.html",
        "/console/config.json",
        "/console/favicon.svg",
        "/console/robots.txt",
        # The assets' own behaviour runs no function; should one get here, it is a file.
        "/console/assets/index-Ab12Cd.js",
        "/console/assets/fonts/inter.woff2",
    ],
)
def test_files_pass_unchanged(uri):
    (request,) = route(uri)
    assert request["uri"] == uri


@pytest.mark.parametrize("uri", ["/", "/console"])
def test_the_roots_are_redirected_to_the_console(uri):
    assert route(uri) == [TO_CONSOLE]


@pytest.mark.parametrize(
    "uri", ["/favicon.ico", "/index.html", "/consoles/", "/console.json", "/driver/health", "/api"]
)
def test_anything_outside_the_console_is_not_found(uri):
    assert route(uri) == [NOT_FOUND]


def test_the_code_fits_cloudfront_functions():
    assert len(routing_function_code().encode()) < MAX_FUNCTION_CODE_BYTES
