"""The sweep over a backlog larger than a page, on the DynamoDB store (moto) and the
in-memory one: every due request is looked at once in a run, none twice, none skipped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.adapters.dynamodb.start_requests import DynamoStartRequestStore
from shared.drivers.starts import SWEEP_PAGE
from shared.models.start_request import StartRequest
from shared.timeutil import to_epoch_ms
from tests.fakes import memory_deps, memory_services

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
BACKLOG = 2 * SWEEP_PAGE + 37


def waiting(n: int, due_ms: int) -> StartRequest:
    """A remote start sent long ago that no session claimed: the sweep releases it."""
    return StartRequest(
        charge_point_id=f"CP-{n % 7}",
        request_id=f"r{due_ms:013d}{n:08x}",
        driver_id=f"driver-{n}",
        id_tag=f"APP-{n:016d}",
        connector_id=1,
        status="sent",
        requested_at_ms=due_ms - 600_000,
        currency="EUR",
        hold_minor=5_000,
        tariff_id="T",
        tariff_version=1,
        protocol="ocpp1.6",
        due_at_ms=due_ms,
    )


@pytest.fixture(params=["dynamodb", "memory"])
def store(request):
    if request.param == "memory":
        return memory_deps().start_requests
    request.getfixturevalue("aws_env")
    import boto3

    from infra.catalog import START_REQUESTS

    client = boto3.client("dynamodb", region_name="us-east-1")
    return DynamoStartRequestStore(client, START_REQUESTS.local_name)


def test_one_run_looks_after_a_backlog_of_several_pages_once_each(store) -> None:
    deps = memory_deps()
    deps.start_requests = store
    services = memory_services(deps, now=lambda: NOW)
    now_ms = to_epoch_ms(NOW)
    # Several share a due time, across the page boundaries too.
    for n in range(BACKLOG):
        assert store.create(waiting(n, now_ms - 60_000 - (n // 3) * 1000))
    assert store.create(waiting(BACKLOG, now_ms + 60_000))  # not due yet

    assert services.session_starts.sweep() == BACKLOG
    assert store.due(now_ms, 1000) == []
    assert len(store.due(now_ms + 120_000, 1000)) == 1
    assert services.session_starts.sweep() == 0


def test_a_later_page_starts_at_the_last_due_time_of_the_one_before(store) -> None:
    now_ms = to_epoch_ms(NOW)
    for n in range(5):
        assert store.create(waiting(n, now_ms - 10_000 + n * 1000))
    due_times = [r.due_at_ms for r in store.due(now_ms, 10, now_ms - 8_000)]
    assert due_times == [now_ms - 8_000, now_ms - 7_000, now_ms - 6_000]
    assert [r.due_at_ms for r in store.due(now_ms - 9_000, 10)] == [now_ms - 10_000, now_ms - 9_000]
