"""Campaigns in the Firmware table against moto (docs/adr/0045): conditional status changes,
targets moved only from the state read, site slots taken and freed in the same write as the
target, the charger's active job and history, newest-first listing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.adapters.dynamodb.firmware_campaigns import DynamoCampaignStore
from shared.models.firmware_campaign import (
    Campaign,
    Move,
    Selector,
    Target,
    Window,
)
from shared.ports.firmware_campaigns import ActiveJob

AT = "2026-01-15T12:00:00Z"


@pytest.fixture
def store(aws_env, dynamodb):
    return DynamoCampaignStore(dynamodb, aws_env.firmware_table)


def campaign(cid: str = "c1", created_at: str = AT) -> Campaign:
    return Campaign(
        campaign_id=cid,
        name="roll",
        image_id="img",
        image_version="2.0",
        selector=Selector(models=("X1",), sites=("S1",), tags=("pilot",)),
        created_at=created_at,
        windows=(Window("22:00", "05:00", ("mon",)),),
        site_concurrency=1,
    )


def test_campaigns_round_trip_and_change_status_conditionally(store):
    assert store.create(campaign())
    assert not store.create(campaign())
    assert store.get("c1") == campaign()
    running = store.set_status(
        "c1", frozenset({"draft"}), {"status": "running", "execution_arn": "arn:x"}
    )
    assert running is not None and running.status == "running" and running.execution_arn == "arn:x"
    assert store.set_status("c1", frozenset({"draft"}), {"status": "running"}) is None
    assert store.set_status("nope", frozenset({"draft"}), {"status": "running"}) is None


def test_campaigns_are_listed_newest_first_in_pages(store):
    for i in range(5):
        store.create(campaign(f"c{i}", f"2026-01-0{i + 1}T00:00:00Z"))
    first = store.list_page(3, None)
    assert [c.campaign_id for c in first.items] == ["c4", "c3", "c2"]
    second = store.list_page(3, first.next_cursor)
    assert [c.campaign_id for c in second.items] == ["c1", "c0"] and second.next_cursor is None


def targets(store, n=3):
    store.put_targets([Target("c1", f"CP{i}", 1 + i % 2, site="S1", attempt=1) for i in range(n)])
    return store.targets("c1")


def test_site_slots_bound_reservations_and_a_terminal_move_frees_them(store):
    t0, t1, t2 = targets(store)
    ready = store.reserve(t0, 1, AT)
    assert ready is not None and ready.state == "ready" and ready.slot_held
    assert store.reserve(t1, 1, AT) is None  # the site's one slot is taken
    assert store.reserve(t0, 1, AT) is None  # not pending any more
    sent = store.move(ready, Move("ready", "sent"), AT, {"task_token": "tok", "request_id": 7})
    assert sent is not None and sent.task_token == "tok" and sent.request_id == 7
    assert store.move(ready, Move("ready", "sent"), AT) is None  # moved on already
    done = store.move(sent, Move("sent", "failed", "DownloadFailed"), AT)
    assert done is not None and done.task_token is None and not done.slot_held
    assert store.move(sent, Move("sent", "failed", "Timeout"), AT) is None  # one winner
    assert store.reserve(t1, 1, AT) is not None  # the slot came back
    assert [e.status for e in done.timeline] == ["ready", "sent", "failed: DownloadFailed"]
    assert store.charger_campaigns("CP0") == ["c1"]
    # No site bound: no slot.
    free = store.reserve(t2, None, AT)
    assert free is not None and not free.slot_held


def test_a_retry_moves_a_failed_attempt_back_with_the_next_attempt(store):
    t0, *_ = targets(store)
    failed = store.move(t0, Move("pending", "failed", "CommandRejected"), AT)
    assert failed is not None
    retried = store.move(failed, Move("failed", "pending", "retry 2"), AT, {"attempt": 2})
    assert retried is not None and retried.attempt == 2 and retried.state == "pending"
    # The first attempt's target no longer matches.
    assert store.move(failed, Move("failed", "pending"), AT, {"attempt": 2}) is None
    stale = replace(retried, attempt=1)
    assert store.move(stale, Move("pending", "cancelled"), AT) is None


def test_the_active_job_names_the_campaign_and_attempt(store):
    assert store.active_job("CP1") is None
    store.set_active_job(ActiveJob("CP1", "c1", 42, 1))
    store.set_active_job(ActiveJob("CP1", "c1", 43, 2))
    assert store.active_job("CP1") == ActiveJob("CP1", "c1", 43, 2)
