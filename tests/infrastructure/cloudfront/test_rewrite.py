"""The CloudFront Function that turns `/ocpp/{id}` into `/<stage>?chargePointId={id}`, run by node.

The code under test is exactly what the stack deploys (`rewrite_function_code`), fed with
CloudFront viewer-request events. Query string values in those events are percent-encoded, as
CloudFront passes them.
"""

from __future__ import annotations

import copy
import json
import shutil
import string
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from infra.charger_edge import MAX_FUNCTION_CODE_BYTES, rewrite_function_code
from shared.access.admission import valid_charge_point_id
from tests.infrastructure.cloudfront.events import viewer_request as cloudfront_event

pytestmark = pytest.mark.infrastructure

HARNESS = Path(__file__).with_name("harness.js")
NODE = shutil.which("node")

Rewrite = Callable[..., list[Any]]


WEBSOCKET_UPGRADE = {
    "upgrade": "websocket",
    "connection": "Upgrade",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
    "sec-websocket-protocol": "ocpp2.0.1, ocpp1.6",
    "authorization": "Basic Q1AtMTpzZWNyZXQ=",
}


def viewer_request(uri: str, querystring: dict[str, Any] | None = None) -> dict[str, Any]:
    """A charger's WebSocket upgrade of `uri`."""
    return cloudfront_event(uri, querystring, WEBSOCKET_UPGRADE)


@pytest.fixture(scope="module")
def rewrite() -> Rewrite:
    if NODE is None:
        pytest.skip("node is not installed: the CloudFront Function's JavaScript cannot run")

    def run(*events: dict[str, Any], stage: str = "prod") -> list[Any]:
        payload = json.dumps({"code": rewrite_function_code(stage), "events": list(events)})
        completed = subprocess.run(
            [NODE, str(HARNESS)], input=payload, capture_output=True, text=True, check=True
        )
        results: list[Any] = json.loads(completed.stdout)
        return results

    return run


def test_a_charger_path_becomes_the_stage_with_the_id_in_the_query_string(rewrite):
    event = viewer_request("/ocpp/CP-1")
    (request,) = rewrite(event)
    assert request["uri"] == "/prod"
    assert request["querystring"] == {"chargePointId": {"value": "CP-1"}}
    # The handshake reaches API Gateway untouched.
    assert request["headers"] == event["request"]["headers"]
    assert request["method"] == "GET"


def test_a_percent_encoded_id_is_decoded_checked_and_forwarded_encoded(rewrite):
    (request,) = rewrite(viewer_request("/ocpp/CP%2B1%40depot%3AA"))
    # "CP+1@depot:A": a bare "+" in a query string would arrive as a space.
    assert request["querystring"]["chargePointId"] == {"value": "CP%2B1%40depot%3AA"}


def test_other_query_parameters_are_kept_and_the_path_id_wins(rewrite):
    (request,) = rewrite(
        viewer_request(
            "/ocpp/CP-1",
            {
                "token": {"value": "abc%20def"},
                "chargePointId": {
                    "value": "OTHER",
                    "multiValue": [{"value": "OTHER"}, {"value": "THIRD"}],
                },
            },
        )
    )
    assert request["uri"] == "/prod"
    assert request["querystring"] == {
        "token": {"value": "abc%20def"},
        "chargePointId": {"value": "CP-1"},
    }


@pytest.mark.parametrize(
    "uri",
    [
        "/ocpp/",  # no id
        "/ocpp/CP%201",  # space
        "/ocpp/CP-1/extra",  # a second path segment
        "/ocpp/CP%2F1",  # an encoded slash is still a slash
        "/ocpp/%C3%A9",  # not ASCII
        "/ocpp/CP%E0%A4%A",  # malformed percent-encoding
        "/ocpp/" + "A" * 49,  # too long
    ],
)
def test_an_invalid_id_is_refused_with_400(rewrite, uri):
    (response,) = rewrite(viewer_request(uri))
    assert response == {"statusCode": 400, "statusDescription": "Bad Request"}


def test_the_longest_valid_id_passes(rewrite):
    (request,) = rewrite(viewer_request("/ocpp/" + "A" * 48))
    assert request["querystring"]["chargePointId"] == {"value": "A" * 48}


@pytest.mark.parametrize("uri", ["/prod", "/prod/"])
def test_the_raw_stage_url_passes_unchanged(rewrite, uri):
    event = viewer_request(uri, {"chargePointId": {"value": "CP-1"}, "x": {"value": "1"}})
    (request,) = rewrite(copy.deepcopy(event))
    assert request == event["request"]


@pytest.mark.parametrize("uri", ["/", "/ocpp", "/ocppx/CP-1", "/dev", "/prodx", "/api/health"])
def test_other_paths_are_not_found(rewrite, uri):
    (response,) = rewrite(viewer_request(uri))
    assert response == {"statusCode": 404, "statusDescription": "Not Found"}


def test_the_stage_comes_from_the_stack(rewrite):
    charger, raw = rewrite(viewer_request("/ocpp/CP-1"), viewer_request("/dev"), stage="dev")
    assert charger["uri"] == "/dev"
    assert raw["uri"] == "/dev"


def test_the_function_accepts_exactly_the_ids_the_authorizer_accepts(rewrite):
    """Every printable ASCII character, in the path as a charger would percent-encode it."""
    ids = [f"CP{c}1" for c in string.printable if c not in "\t\n\r\x0b\x0c"]
    results = rewrite(*(viewer_request("/ocpp/" + quote(i, safe="")) for i in ids))
    accepted = {i for i, result in zip(ids, results, strict=True) if "uri" in result}
    assert accepted == {i for i in ids if valid_charge_point_id(i)}
    assert {"CP*1", "CP-1", "CP_1", "CP=1", "CP:1", "CP+1", "CP|1", "CP@1", "CP.1"} <= accepted


def test_the_code_fits_cloudfront_functions_and_takes_plain_stage_names_only():
    assert len(rewrite_function_code("prod").encode()) < MAX_FUNCTION_CODE_BYTES
    assert '"/prod"' in rewrite_function_code("prod")
    with pytest.raises(ValueError, match="stage"):
        rewrite_function_code('prod"; evil()')
