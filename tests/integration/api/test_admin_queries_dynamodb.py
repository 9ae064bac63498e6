"""The registry's DynamoDB adapters against moto: paging across pages with cursors, filters,
the ByIdTag index, conditional writes, and cursors that do not belong to a listing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.adapters.dynamodb.energy import DynamoEnergyLedger
from shared.adapters.dynamodb.id_tags import DynamoIdTagRepository
from shared.adapters.dynamodb.items import to_item
from shared.adapters.dynamodb.paging import encode_cursor
from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord, TransactionRecord
from shared.ports import ChargerChanges, ChargerFilter, InvalidCursor, SessionFilter


@pytest.fixture
def directory(dynamodb, aws_env):
    return DynamoChargerRepository(dynamodb, aws_env.chargers_table)


def all_pages(read, limit):
    items, cursor, pages = [], None, 0
    while True:
        page = read(limit, cursor)
        items += page.items
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return items, pages


def test_charger_pages_cover_every_charger_once(directory) -> None:
    for n in range(7):
        directory.create(
            ChargerRecord(f"CP-{n}", registration_status="Pending" if n % 3 == 0 else "Accepted")
        )
    directory.attach_connection("CP-1", "conn-1", "ocpp1.6", 1)
    items, pages = all_pages(lambda limit, c: directory.list_page(limit, c, ChargerFilter()), 3)
    assert sorted(r.charge_point_id for r in items) == [f"CP-{n}" for n in range(7)]
    assert pages >= 3
    pending, _ = all_pages(
        lambda limit, c: directory.list_page(
            limit, c, ChargerFilter(registration_status="Pending")
        ),
        2,
    )
    assert sorted(r.charge_point_id for r in pending) == ["CP-0", "CP-3", "CP-6"]
    online = directory.list_page(10, None, ChargerFilter(online=True))
    assert [r.charge_point_id for r in online.items] == ["CP-1"]
    offline, _ = all_pages(
        lambda limit, c: directory.list_page(limit, c, ChargerFilter(online=False)), 4
    )
    assert len(offline) == 6


def test_a_filtered_page_is_bounded_but_complete_over_cursors(directory) -> None:
    for n in range(30):
        directory.create(
            ChargerRecord(f"CP-{n:02}", registration_status="Rejected" if n == 29 else "Accepted")
        )
    # One match in 30 items: pages may come back short, the cursor carries on.
    found, pages = all_pages(
        lambda limit, c: directory.list_page(
            limit, c, ChargerFilter(registration_status="Rejected")
        ),
        2,
    )
    assert [r.charge_point_id for r in found] == ["CP-29"]
    assert pages > 1


def test_charger_tags_are_a_string_set_written_whole_and_filtered(
    directory, dynamodb, aws_env
) -> None:
    for n in range(6):
        directory.create(ChargerRecord(f"CP-{n}"))
    tags = frozenset({"pilot", "depot-north"})
    updated = directory.update("CP-1", ChargerChanges(tags=tags))
    assert updated.tags == tags
    assert directory.update("CP-1", ChargerChanges(tags=tags)).tags == tags  # redelivered
    directory.update("CP-4", ChargerChanges(tags=frozenset({"pilot"})))
    directory.update("CP-5", ChargerChanges(tags=frozenset({"pilot-2"})))
    item = dynamodb.get_item(TableName=aws_env.chargers_table, Key={"chargePointId": {"S": "CP-1"}})
    assert item["Item"]["tags"] == {"SS": ["depot-north", "pilot"]}
    # `contains` on a string set is membership, not a substring: pilot-2 is not pilot.
    found, _ = all_pages(
        lambda limit, c: directory.list_page(limit, c, ChargerFilter(tag="pilot")), 2
    )
    assert sorted(r.charge_point_id for r in found) == ["CP-1", "CP-4"]
    # Other changes leave the tags; the empty set removes the attribute.
    assert directory.update("CP-1", ChargerChanges(validation_mode="lenient")).tags == tags
    assert directory.update("CP-1", ChargerChanges(tags=frozenset())).tags == frozenset()
    item = dynamodb.get_item(TableName=aws_env.chargers_table, Key={"chargePointId": {"S": "CP-1"}})
    assert "tags" not in item["Item"]
    assert directory.get("CP-0").tags == frozenset()
    assert directory.update("NOPE", ChargerChanges(tags=tags)) is None


def test_charger_update_and_delete(directory, dynamodb, aws_env) -> None:
    directory.create(ChargerRecord("CP-U", password_hash="old"))
    # The command slot lives on the charger item: updates must leave it alone.
    dynamodb.update_item(
        TableName=aws_env.chargers_table,
        Key={"chargePointId": {"S": "CP-U"}},
        UpdateExpression="SET inflightMessageId = :m",
        ExpressionAttributeValues={":m": {"S": "m-1"}},
    )
    updated = directory.update(
        "CP-U", ChargerChanges(registration_status="Rejected", validation_mode="lenient")
    )
    assert (updated.registration_status, updated.validation_mode, updated.password_hash) == (
        "Rejected",
        "lenient",
        "old",
    )
    assert directory.update("CP-U", ChargerChanges(password_hash="new")).password_hash == "new"
    assert directory.update("CP-U", ChargerChanges(clear_password=True)).password_hash is None
    assert directory.update("CP-U", ChargerChanges()).registration_status == "Rejected"
    item = dynamodb.get_item(TableName=aws_env.chargers_table, Key={"chargePointId": {"S": "CP-U"}})
    assert item["Item"]["inflightMessageId"] == {"S": "m-1"}
    assert directory.update("NOPE", ChargerChanges(validation_mode="strict")) is None
    assert (
        dynamodb.get_item(
            TableName=aws_env.chargers_table, Key={"chargePointId": {"S": "NOPE"}}
        ).get("Item")
        is None
    )
    removed = directory.delete("CP-U")
    assert removed is not None and removed.charge_point_id == "CP-U"
    assert directory.delete("CP-U") is None
    assert DynamoChargerRepository(dynamodb, aws_env.chargers_table).get("CP-U") is None


def test_charger_cursors_of_other_listings_are_refused(directory) -> None:
    directory.create(ChargerRecord("CP-1"))
    foreign = encode_cursor(to_item({"idTag": "X"}))
    with pytest.raises(InvalidCursor):
        directory.list_page(5, foreign, ChargerFilter())
    with pytest.raises(InvalidCursor):
        directory.list_page(5, "%%%", ChargerFilter())


def test_id_tags_create_once_and_page(dynamodb, aws_env) -> None:
    catalog = DynamoIdTagRepository(dynamodb, aws_env.id_tags_table)
    assert catalog.create(IdTagRecord("A", owner_id="o")) is True
    assert catalog.create(IdTagRecord("A", status="Blocked")) is False
    assert catalog.get("A") == IdTagRecord("A", owner_id="o")
    for tag in "BCDE":
        catalog.create(IdTagRecord(tag))
    seen, cursor = [], None
    while True:
        page = catalog.list_page(2, cursor)
        seen += [r.id_tag for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == list("ABCDE")
    with pytest.raises(InvalidCursor):
        catalog.list_page(2, encode_cursor(to_item({"chargePointId": "CP"})))


def start(cp: str, tx: str, tag: str, started: str, status: str = "completed") -> TransactionRecord:
    return TransactionRecord(
        charge_point_id=cp,
        transaction_id=tx,
        status=status,  # type: ignore[arg-type]
        protocol="ocpp1.6",
        connector_id=1,
        id_tag=tag,
        started_at=started,
        started_at_ms=0,
        meter_start_wh=0,
    )


@pytest.fixture
def sessions(dynamodb, aws_env):
    transactions = DynamoTransactionRepository(
        dynamodb, aws_env.transactions_table, aws_env.connectors_table
    )
    rows = [
        ("CP-1", "1", "TAG-A", "2030-01-01T08:00:00.000Z", "completed"),
        ("CP-1", "2", "TAG-B", "2030-01-01T09:00:00.000Z", "completed"),
        ("CP-1", "3", "TAG-A", "2030-01-02T08:00:00.000Z", "active"),
        ("CP-1", "4", "TAG-A", "2030-01-04T08:00:00.000Z", "completed"),
        ("CP-2", "1", "TAG-A", "2030-01-03T08:00:00.000Z", "completed"),
    ]
    for cp, tx, tag, started, status in rows:
        transactions.create(start(cp, tx, tag, started, status))
    return transactions


def keys(records) -> list[tuple[str, str]]:
    return [(r.charge_point_id, r.transaction_id) for r in records]


def test_sessions_by_charger_page_and_filter(sessions) -> None:
    everything, pages = all_pages(
        lambda limit, c: sessions.by_charger("CP-1", SessionFilter(), limit, c), 3
    )
    assert keys(everything) == [("CP-1", "1"), ("CP-1", "2"), ("CP-1", "3"), ("CP-1", "4")]
    assert pages == 2
    window = sessions.by_charger(
        "CP-1",
        SessionFilter(
            started_from="2030-01-01T08:30:00.000Z", started_to="2030-01-03T00:00:00.000Z"
        ),
        10,
        None,
    )
    assert keys(window.items) == [("CP-1", "2"), ("CP-1", "3")]
    active = sessions.by_charger("CP-1", SessionFilter(status="active"), 10, None)
    assert keys(active.items) == [("CP-1", "3")]
    tagged = sessions.by_charger("CP-1", SessionFilter(id_tag="TAG-B"), 10, None)
    assert keys(tagged.items) == [("CP-1", "2")]


def test_sessions_by_id_tag_use_the_index_newest_first(sessions) -> None:
    everything, pages = all_pages(
        lambda limit, c: sessions.by_id_tag("TAG-A", SessionFilter(), limit, c), 2
    )
    assert keys(everything) == [("CP-1", "4"), ("CP-2", "1"), ("CP-1", "3"), ("CP-1", "1")]
    assert pages == 2
    ranged = sessions.by_id_tag(
        "TAG-A",
        SessionFilter(
            started_from="2030-01-02T00:00:00.000Z", started_to="2030-01-03T23:59:59.999Z"
        ),
        10,
        None,
    )
    assert keys(ranged.items) == [("CP-2", "1"), ("CP-1", "3")]
    since = sessions.by_id_tag(
        "TAG-A", SessionFilter(started_from="2030-01-03T00:00:00.000Z"), 10, None
    )
    assert keys(since.items) == [("CP-1", "4"), ("CP-2", "1")]
    until = sessions.by_id_tag(
        "TAG-A", SessionFilter(started_to="2030-01-01T23:00:00.000Z"), 10, None
    )
    assert keys(until.items) == [("CP-1", "1")]
    on_one_charger = sessions.by_id_tag(
        "TAG-A", SessionFilter(charge_point_id="CP-1", status="completed"), 10, None
    )
    assert keys(on_one_charger.items) == [("CP-1", "4"), ("CP-1", "1")]


def test_session_cursors_are_bound_to_their_listing(sessions) -> None:
    tag_cursor = sessions.by_id_tag("TAG-A", SessionFilter(), 1, None).next_cursor
    charger_cursor = sessions.by_charger("CP-1", SessionFilter(), 1, None).next_cursor
    assert tag_cursor and charger_cursor
    with pytest.raises(InvalidCursor):
        sessions.by_charger("CP-1", SessionFilter(), 1, tag_cursor)
    with pytest.raises(InvalidCursor):
        sessions.by_charger("CP-2", SessionFilter(), 1, charger_cursor)
    with pytest.raises(InvalidCursor):
        sessions.by_id_tag("TAG-B", SessionFilter(), 1, tag_cursor)
    with pytest.raises(InvalidCursor):
        sessions.by_id_tag("TAG-A", SessionFilter(), 1, charger_cursor)


def test_energy_days_within_the_range(dynamodb, aws_env) -> None:
    for day, wh, n in [("2030-01-01", 1000, 1), ("2030-01-05", 2500, 2), ("2030-02-01", 9, 1)]:
        dynamodb.put_item(
            TableName=aws_env.energy_daily_table,
            Item=to_item({"chargePointId": "CP-1", "day": day, "energyWh": wh, "sessions": n}),
        )
    reports = DynamoEnergyLedger(dynamodb, aws_env.transactions_table, aws_env.energy_daily_table)
    days = reports.days("CP-1", "2030-01-01", "2030-01-31")
    assert [(d.day, d.energy_wh, d.sessions) for d in days] == [
        ("2030-01-01", 1000, 1),
        ("2030-01-05", 2500, 2),
    ]
    assert reports.days("CP-2", "2030-01-01", "2030-12-31") == []


def index_entry(dynamodb, aws_env, id_tag: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = dynamodb.query(
        TableName=aws_env.transactions_table,
        IndexName="ByIdTag",
        KeyConditionExpression="idTag = :tag",
        ExpressionAttributeValues={":tag": {"S": id_tag}},
    )["Items"]
    return items


def test_live_energy_leaves_the_id_tag_index_alone_and_listings_still_show_it(
    dynamodb, aws_env
) -> None:
    transactions = DynamoTransactionRepository(
        dynamodb, aws_env.transactions_table, aws_env.connectors_table
    )
    queries = transactions
    transactions.create(start("CP-1", "7", "TAG-L", "2030-02-01T08:00:00.000Z", "active"))
    (entry,) = index_entry(dynamodb, aws_env, "TAG-L")
    # Keys and the status the listings filter on: nothing that moves while the session runs.
    assert set(entry) == {"chargePointId", "transactionId", "idTag", "startedAt", "status"}

    transactions.record_meter_progress("CP-1", "7", 4200, "2030-02-01T08:30:00.000Z")
    assert index_entry(dynamodb, aws_env, "TAG-L") == [entry]
    (live,) = queries.by_id_tag("TAG-L", SessionFilter(), 10, None).items
    assert (live.status, live.last_meter_wh, live.last_meter_at) == (
        "active",
        4200,
        "2030-02-01T08:30:00.000Z",
    )
    assert live == transactions.get("CP-1", "7")

    stopped = replace(
        live,
        status="completed",
        meter_stop_wh=5000,
        stopped_at="2030-02-01T09:00:00.000Z",
        stopped_at_ms=1,
        stop_reason="Local",
        energy_wh=5000,
    )
    assert transactions.finish(stopped)
    (ended,) = index_entry(dynamodb, aws_env, "TAG-L")
    assert ended["status"] == {"S": "completed"}
    assert queries.by_id_tag("TAG-L", SessionFilter(status="active"), 10, None).items == []
    (done,) = queries.by_id_tag("TAG-L", SessionFilter(status="completed"), 10, None).items
    assert (done.energy_wh, done.last_meter_wh) == (5000, 4200)


def test_an_id_tag_page_reads_its_sessions_in_one_batch(dynamodb, aws_env, sessions) -> None:
    from benchmarks.metering import metering

    with metering() as meter:
        page = sessions.by_id_tag("TAG-A", SessionFilter(), 3, None)
    assert keys(page.items) == [("CP-1", "4"), ("CP-2", "1"), ("CP-1", "3")]
    assert dict(meter.calls) == {"dynamodb:Query": 1, "dynamodb:BatchGetItem": 1}
