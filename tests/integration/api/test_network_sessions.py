"""Every charger's sessions, newest first, through the ByStartDay index (moto) and the
in-memory fake alike: one read per UTC day of the window, pages across days, filters, and
cursors bound to the listing and its window."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.adapters.dynamodb.items import to_item
from shared.adapters.dynamodb.paging import encode_cursor
from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
from shared.adapters.memory.sessions import MemoryTransactionRepository
from shared.models.transaction import TransactionRecord
from shared.ports import InvalidCursor, SessionFilter, TransactionRepository

WINDOW = SessionFilter(
    started_from="2030-01-01T00:00:00.000Z", started_to="2030-01-04T23:59:59.999Z"
)


def session(cp: str, tx: str, started: str | None, status: str = "completed") -> TransactionRecord:
    return TransactionRecord(
        charge_point_id=cp,
        transaction_id=tx,
        status=status,  # type: ignore[arg-type]
        protocol="ocpp1.6",
        connector_id=1,
        id_tag="TAG",
        started_at=started,
        started_at_ms=0,
        meter_start_wh=0,
    )


@pytest.fixture(params=["memory", "dynamodb"])
def sessions(request) -> TransactionRepository:
    transactions: TransactionRepository
    if request.param == "memory":
        transactions = MemoryTransactionRepository()
    else:
        env = request.getfixturevalue("aws_env")
        client = request.getfixturevalue("dynamodb")
        transactions = DynamoTransactionRepository(
            client, env.transactions_table, env.connectors_table
        )
    for cp, tx, started, status in [
        ("CP-1", "1", "2030-01-01T08:00:00.000Z", "completed"),
        ("CP-2", "7", "2030-01-01T09:00:00.000Z", "completed"),
        ("CP-1", "2", "2030-01-02T08:00:00.000Z", "active"),
        ("CP-3", "1", "2030-01-04T08:00:00.000Z", "completed"),
        ("CP-9", "1", "2029-12-31T23:59:59.999Z", "completed"),  # before the window
    ]:
        transactions.create(session(cp, tx, started, status))
    # A 2.0.1 session whose events came out of order: stored first, its start added later.
    transactions.create(session("CS-5", "tx-a", None, "orphan"))
    transactions.record_start(session("CS-5", "tx-a", "2030-01-03T10:00:00.000Z"))
    return transactions


def keys(records: list[TransactionRecord]) -> list[tuple[str, str]]:
    return [(r.charge_point_id, r.transaction_id) for r in records]


def test_the_network_newest_first_across_days_and_pages(sessions) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        page = sessions.recent(WINDOW, 2, cursor)
        seen += keys(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [("CP-3", "1"), ("CS-5", "tx-a"), ("CP-1", "2"), ("CP-2", "7"), ("CP-1", "1")]
    assert pages == 3
    assert keys(sessions.recent(WINDOW, 10, None).items) == seen


def test_the_window_and_the_status_filter(sessions) -> None:
    day = SessionFilter(
        started_from="2030-01-01T08:30:00.000Z", started_to="2030-01-02T23:00:00.000Z"
    )
    assert keys(sessions.recent(day, 10, None).items) == [("CP-1", "2"), ("CP-2", "7")]
    active = replace(WINDOW, status="active")
    assert keys(sessions.recent(active, 10, None).items) == [("CP-1", "2")]
    # The live energy comes with the session (read from the table, not the lean index).
    sessions.record_meter_progress("CP-1", "2", 4321, "2030-01-02T09:00:00.000Z")
    assert sessions.recent(active, 10, None).items[0].last_meter_wh == 4321


def test_network_cursors_are_bound_to_the_listing_and_its_window(sessions) -> None:
    cursor = sessions.recent(WINDOW, 1, None).next_cursor
    assert cursor is not None
    later = SessionFilter(
        started_from="2030-02-01T00:00:00.000Z", started_to="2030-02-02T00:00:00.000Z"
    )
    with pytest.raises(InvalidCursor):
        sessions.recent(later, 1, cursor)
    with pytest.raises(InvalidCursor):
        sessions.by_id_tag("TAG", SessionFilter(), 1, cursor)
    with pytest.raises(InvalidCursor):
        sessions.recent(WINDOW, 1, encode_cursor(to_item({"idTag": "TAG"})))
    with pytest.raises(ValueError, match="within a window"):
        sessions.recent(SessionFilter(), 1, None)
