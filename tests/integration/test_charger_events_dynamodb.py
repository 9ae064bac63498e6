"""The ChargerEvents table against DynamoDB (moto): overwrite on resend, batches, newest first,
expired items absent, cursors bound to their listing (docs/adr/0036)."""

from __future__ import annotations

import time

import pytest

from shared.adapters.dynamodb.charger_events import DynamoChargerEventLog
from shared.models.charger_event import CHARGER_EVENT_KINDS, ChargerEvent
from shared.ports import InvalidCursor


@pytest.fixture
def log(aws_env, dynamodb):
    return DynamoChargerEventLog(dynamodb, aws_env.charger_events_table)


def event(n: int, cp: str = "CP1", kind: str = "event", expires_in: int = 3600) -> ChargerEvent:
    timestamp = f"2026-06-01T10:{n:02d}:00.000Z"
    return ChargerEvent(
        charge_point_id=cp,
        kind=kind,  # type: ignore[arg-type]
        event_key=f"{timestamp}#{n:010d}",
        timestamp=timestamp,
        received_at="2026-06-01T10:00:00.000Z",
        detail={"eventId": n, "actualValue": "x", "cleared": False, "evseId": 1},
        expires_at=int(time.time()) + expires_in,
    )


def test_a_resend_overwrites_and_a_batch_of_many_is_written(log):
    log.record([event(1)])
    log.record([event(1)])
    log.record([event(n) for n in range(2, 40)] + [event(39)])  # two batches, a duplicate
    page = log.newest("CP1", "event", 100, None)
    assert [e.detail["eventId"] for e in page.items] == list(range(39, 0, -1))
    oldest = page.items[-1]
    assert (oldest.event_key, oldest.timestamp, oldest.detail) == (
        event(1).event_key,
        event(1).timestamp,
        event(1).detail,
    )
    assert page.next_cursor is None


def test_pages_newest_first_per_kind_and_expired_events_are_absent(log):
    log.record([event(n) for n in range(5)])
    log.record([event(7, kind="security"), event(8, expires_in=-10), event(1, cp="CP2")])
    first = log.newest("CP1", "event", 2, None)
    assert [e.detail["eventId"] for e in first.items] == [4, 3]
    rest = log.newest("CP1", "event", 10, first.next_cursor)
    assert [e.detail["eventId"] for e in rest.items] == [2, 1, 0]
    (security,) = log.newest("CP1", "security", 10, None).items
    assert security.kind == "security" and security.detail["eventId"] == 7


def test_a_cursor_of_another_listing_is_refused(log):
    log.record([event(n) for n in range(3)] + [event(n, kind="security") for n in range(3)])
    cursor = log.newest("CP1", "event", 1, None).next_cursor
    with pytest.raises(InvalidCursor):
        log.newest("CP1", "security", 1, cursor)
    with pytest.raises(InvalidCursor):
        log.newest("CP2", "event", 1, cursor)
    with pytest.raises(InvalidCursor):
        log.newest("CP1", "event", 1, "not-a-cursor")


@pytest.mark.parametrize("kind", CHARGER_EVENT_KINDS)
def test_every_kind_reads_back_as_itself_and_apart_from_the_others(log, kind):
    # "event#" and "ev-needs#", "charging-limit#" and "charging-profiles#": prefixes that
    # must not overlap in a begins_with listing.
    log.record([event(n, kind=k) for n, k in enumerate(CHARGER_EVENT_KINDS)])
    (item,) = log.newest("CP1", kind, 10, None).items
    assert item.kind == kind
    assert item.detail["eventId"] == CHARGER_EVENT_KINDS.index(kind)
