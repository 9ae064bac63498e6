"""The grid poller and webhook over moto (docs/adr/0052), with a fault at each AWS call they
make, before the call or after it took effect: whatever failed, the next run (the poller's
next schedule, the VTN's redelivery) leaves the VTN's limit stored and its GridLimitChanged
published under one eventId; a forged notification stores nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from local.fake_vtn import FakeVtn
from shared.load_management.grid_feed import GridFeed
from shared.models.domain_events import GRID_LIMIT_CHANGED
from tests.fault_injection import NthCall, nth_call_fails
from tests.faults.conftest import Platform

SITE = "DEPOT"
AT = "2030-01-01T00:00:00.000Z"
PROGRAM = {
    "programName": "dso-congestion",
    "payloadDescriptors": [
        {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "IMPORT_CAPACITY_LIMIT",
         "units": "KW"},
    ],
}  # fmt: skip
# One more than either path makes (12): a fault past the last call changes nothing (checked).
CALLS = range(1, 14)


def limit_event(program_id: str, kw: float) -> dict[str, Any]:
    start = (datetime.now(UTC) - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    return {
        "id": "event-1",
        "programID": program_id,
        "intervalPeriod": {"start": start, "duration": "PT3H"},
        "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [kw]}]}],
    }


@pytest.fixture
def vtn() -> Iterator[FakeVtn]:
    with FakeVtn() as server:
        yield server


@pytest.fixture
def grid(platform: Platform, vtn: FakeVtn) -> tuple[Platform, GridFeed, dict[str, Any]]:
    platform.client("secretsmanager").create_secret(
        Name="csms/grid/depot-ven", SecretString=json.dumps({"clientSecret": "secret"})
    )
    program = vtn.add_program(PROGRAM)
    sources = {
        "openadr": {
            "vtnUrl": vtn.base_url,
            "programIds": [program["id"]],
            "clientId": "ven-1",
            "clientSecretName": "csms/grid/depot-ven",
        }
    }
    store = platform.services.deps.grid_signals
    assert store is not None and platform.services.grid_feed is not None
    store.put_sources(SITE, sources, AT)
    return platform, platform.services.grid_feed, limit_event(program["id"], 13.8)


def clients(platform: Platform) -> list[Any]:
    return [platform.client(s) for s in ("dynamodb", "secretsmanager", "events")]


def assert_announced_once(platform: Platform) -> None:
    store = platform.services.deps.grid_signals
    assert store is not None
    now = datetime.now(UTC)
    assert [s.group for s in store.signals(SITE, now)] == ["event-1"]
    changes = platform.published.of_type(GRID_LIMIT_CHANGED)
    assert len(platform.published.ids(GRID_LIMIT_CHANGED)) == 1, changes
    assert changes[0]["limitA"] == {"L1": 20, "L2": 20, "L3": 20}
    state = store.limit_state(SITE)
    assert state is not None and state.pending is None  # nothing left waiting


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("n", CALLS)
def test_a_fault_at_any_call_of_a_poll_is_made_good_by_the_next_poll(grid, vtn, n, after):
    platform, feed, event = grid
    vtn.put_event(event)
    with nth_call_fails(clients(platform), NthCall(n, after=after)) as fault:
        try:
            failed = feed.poll_all().failed
        except ClientError:  # listing the sites failed: the whole run fails
            failed = ["(run)"]
    # Any fault fails the site's poll (or the run), but one PutEvents the publisher retried
    # itself: never acknowledged as done.
    if failed == []:
        assert fault.failed in (None, "events:PutEvents")
    assert fault.failed is not None or n > len(fault.calls)
    # The next scheduled run.
    assert feed.poll_all().failed == []
    assert_announced_once(platform)
    # A publish that took effect and then failed is published again: under the same eventId.
    # Published twice (same eventId) only when an accepted PutEvents preceded the failure and
    # the marker was not cleared (the clearing UpdateItem, the path's only one, took effect).
    accepted_before = fault.calls[:n] if after else fault.calls[: n - 1]
    cleared = after and fault.failed == "dynamodb:UpdateItem"
    twice = fault.failed is not None and "events:PutEvents" in accepted_before and not cleared
    entries = platform.published.of_type(GRID_LIMIT_CHANGED)
    assert len(entries) == (2 if twice else 1)
    # And nothing more on later runs: the limit did not change.
    feed.poll_all()
    assert len(platform.published.of_type(GRID_LIMIT_CHANGED)) == len(entries)


def notification(item: dict[str, Any]) -> bytes:
    return json.dumps({"objectType": "EVENT", "operation": "POST", "object": item}).encode()


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("n", CALLS)
def test_a_fault_at_any_call_of_a_notification_is_made_good_by_the_redelivery(grid, n, after):
    platform, feed, event = grid
    token = platform.services.deps.grid_signals.webhook_token(SITE, create=True)
    headers = {"Authorization": f"Bearer {token}"}
    body = notification(event)
    with nth_call_fails(clients(platform), NthCall(n, after=after)) as fault:
        try:
            status = feed.notification(SITE, headers, body).status
        except Exception as error:  # the function fails: API Gateway answers 500
            failure = str(error)
            status = 500
    if status == 200:
        assert fault.failed in (None, "events:PutEvents")  # the publisher's own retry
    else:
        assert "injected" in failure
    if status != 200:
        assert feed.notification(SITE, headers, body).status == 200  # the VTN delivers again
    assert_announced_once(platform)


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer forged"}, {"authorization": "Basic x"}]
)
def test_a_forged_notification_stores_nothing(grid, headers):
    platform, feed, event = grid
    platform.services.deps.grid_signals.webhook_token(SITE, create=True)
    assert feed.notification(SITE, headers, notification(event)).status == 401
    store = platform.services.deps.grid_signals
    assert store.signals(SITE, datetime.now(UTC)) == [] and store.limit_state(SITE) is None
    assert platform.published.of_type(GRID_LIMIT_CHANGED) == []


class Context:
    """The Lambda context the functions' logger reads."""

    function_name = "grid_webhook"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:grid_webhook"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def test_the_functions_answer_the_schedule_and_the_vtn(grid, vtn, monkeypatch):
    from functions.grid_poller import handler as poller
    from functions.grid_webhook import handler as webhook

    platform, _, event = grid
    monkeypatch.setattr(poller, "services", platform.services)
    monkeypatch.setattr(webhook, "services", platform.services)
    context = cast(LambdaContext, Context())
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    assert poller.handler(scheduled, context) == {"polled": [SITE], "failed": [], "published": []}
    token = platform.services.deps.grid_signals.webhook_token(SITE, create=True)
    http = {
        "version": "2.0",
        "rawPath": "/webhooks/openadr",
        "rawQueryString": f"site={SITE}",
        "queryStringParameters": {"site": SITE},
        "headers": {"authorization": f"Bearer {token}", "content-type": "application/json"},
        "body": base64.b64encode(notification(event)).decode(),
        "isBase64Encoded": True,
        "requestContext": {"http": {"method": "POST", "path": "/webhooks/openadr"}},
    }
    answer = webhook.handler(http, context)
    assert answer["statusCode"] == 200, answer
    assert_announced_once(platform)
    forged = {**http, "headers": {"authorization": "Bearer forged"}}
    refused = webhook.handler(forged, context)
    assert refused["statusCode"] == 401
    assert json.loads(refused["body"]) == {
        "accepted": False,
        "problems": ["missing or wrong bearer token"],
    }
    unknown = {**http, "queryStringParameters": {"site": "NOPE"}}
    assert webhook.handler(unknown, context)["statusCode"] == 404
