"""The operator console's reads against DynamoDB (moto): vendor/model filters, the full reads of
the overview, a charger's commands newest first from the ByCreated index, and the fleet
listing with states over the real adapters."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.adapters.dynamodb.commands import BY_CREATED_INDEX, DynamoCommandStore
from shared.adapters.dynamodb.connectors import DynamoConnectorRepository
from shared.adapters.dynamodb.energy import DynamoEnergyLedger
from shared.adapters.dynamodb.locations import DynamoLocationRepository
from shared.adapters.dynamodb.transactions import DynamoTransactionRepository
from shared.locations import geohash
from shared.models.charger import ChargerRecord
from shared.models.command import CommandRecord
from shared.models.connection import ConnectorStatus
from shared.models.transaction import TransactionRecord
from shared.ports import ChargerFilter, InvalidCursor
from shared.station.fleet import Fleet, FleetFilter
from shared.station.overview import NetworkOverview, SessionCounts


@pytest.fixture
def chargers(dynamodb, aws_env):
    return DynamoChargerRepository(dynamodb, aws_env.chargers_table)


@pytest.fixture
def connectors(dynamodb, aws_env):
    return DynamoConnectorRepository(dynamodb, aws_env.connectors_table)


@pytest.fixture
def commands(dynamodb, aws_env, chargers):
    chargers.create(ChargerRecord("CP1"))
    return DynamoCommandStore(dynamodb, aws_env.commands_table, aws_env.chargers_table)


def status(cp: str, connector: int, value: str, evse: int | None = None) -> ConnectorStatus:
    return ConnectorStatus(cp, connector, value, "2030-01-01T00:00:00.000Z", 1, evse, "NoError")


def pages(read, limit):
    items, cursor, count = [], None, 0
    while True:
        page = read(limit, cursor)
        items += page.items
        count += 1
        cursor = page.next_cursor
        if cursor is None:
            return items, count


def test_chargers_filter_by_vendor_and_model_exactly(chargers) -> None:
    chargers.create(ChargerRecord("CP-1", vendor="Acme", model="AC22"))
    chargers.create(ChargerRecord("CP-2", vendor="Acme", model="DC150"))
    chargers.create(ChargerRecord("CP-3", vendor="Other", model="AC22"))
    chargers.create(ChargerRecord("CP-4"))

    def ids(where: ChargerFilter) -> list[str]:
        found, _ = pages(lambda limit, c: chargers.list_page(limit, c, where), 2)
        return sorted(r.charge_point_id for r in found)

    assert ids(ChargerFilter(vendor="Acme")) == ["CP-1", "CP-2"]
    assert ids(ChargerFilter(model="AC22")) == ["CP-1", "CP-3"]
    assert ids(ChargerFilter(vendor="Acme", model="AC22")) == ["CP-1"]
    assert ids(ChargerFilter(vendor="acme")) == []


def test_full_reads_return_every_charger_and_status(dynamodb, aws_env, chargers, connectors):
    for n in range(30):
        chargers.create(ChargerRecord(f"CP-{n:02}", vendor="Acme"))
        connectors.apply_status(status(f"CP-{n:02}", 1, "Available"), frozenset())
    connectors.apply_status(status("CP-00", 1, "Occupied", evse=2), frozenset())
    # A connector holding only a session pointer has no status to show.
    DynamoTransactionRepository(
        dynamodb, aws_env.transactions_table, aws_env.connectors_table
    ).claim_connector("CP-01", "2", "tx-1", 5)
    assert sorted(r.charge_point_id for r in chargers.list_all()) == [
        f"CP-{n:02}" for n in range(30)
    ]
    statuses = connectors.list_all()
    assert len(statuses) == 31
    assert {(s.charge_point_id, s.evse_id, s.status) for s in statuses if s.evse_id} == {
        ("CP-00", 2, "Occupied")
    }
    assert all(s.error_code == "NoError" and s.received_at_ms == 1 for s in statuses)


def command(message_id: str, created_at: str, action: str = "Reset") -> CommandRecord:
    return CommandRecord(
        charge_point_id="CP1",
        message_id=message_id,
        action=action,
        protocol="ocpp1.6",
        status="pending",
        created_at=created_at,
        deadline_ms=2_000,
        expires_at=int(time.time()) + 3600,
        payload={"type": "Soft"},
    )


def test_the_commands_table_has_the_history_index(dynamodb, aws_env) -> None:
    table = dynamodb.describe_table(TableName=aws_env.commands_table)["Table"]
    index = next(i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == BY_CREATED_INDEX)
    assert index["KeySchema"] == [
        {"AttributeName": "chargePointId", "KeyType": "HASH"},
        {"AttributeName": "createdAt", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["action"]}


def test_history_is_newest_first_whatever_the_message_ids(commands) -> None:
    # Message ids out of time order (uuid4s, workflow step ids): the index orders by time.
    created = [
        ("zz-first", "2030-01-01T10:00:00.000Z", "Reset"),
        ("aa-second", "2030-01-01T10:00:01.000Z", "ClearCache"),
        ("mm-third", "2030-01-01T10:00:02.500Z", "Reset"),
        ("bb-fourth", "2030-01-01T11:00:00.000Z", "ClearCache"),
        ("yy-fifth", "2030-01-02T00:00:00.000Z", "Reset"),
    ]
    for message_id, at, action in created:
        commands.create(command(message_id, at, action))
    commands.complete("CP1", "mm-third", "answered", "2030-01-01T10:00:03.000Z", {"ok": 1})
    newest_first = [m for m, _, _ in reversed(created)]
    found, count = pages(lambda limit, c: commands.by_charger("CP1", limit, c), 2)
    assert [r.message_id for r in found] == newest_first
    assert count == 3
    # The commands themselves, outcome included (the index holds keys and action only).
    third = next(r for r in found if r.message_id == "mm-third")
    assert (third.status, third.result, third.payload) == ("answered", {"ok": 1}, {"type": "Soft"})
    resets, _ = pages(lambda limit, c: commands.by_charger("CP1", limit, c, "Reset"), 1)
    assert [r.message_id for r in resets] == ["yy-fifth", "mm-third", "zz-first"]
    assert commands.by_charger("CP1", 10, None, "GetConfiguration").items == []
    assert commands.by_charger("CP-OTHER", 10, None).items == []


def test_history_cursors_are_bound_to_their_charger(commands, chargers) -> None:
    for n in range(3):
        commands.create(command(f"m{n}", f"2030-01-01T10:00:0{n}.000Z"))
    cursor = commands.by_charger("CP1", 1, None).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        commands.by_charger("CP2", 1, cursor)
    with pytest.raises(InvalidCursor):
        commands.by_charger("CP1", 1, "garbage")
    chargers.create(ChargerRecord("CP2"))
    charger_cursor = chargers.list_page(1, None, ChargerFilter()).next_cursor
    assert charger_cursor is not None
    with pytest.raises(InvalidCursor):
        commands.by_charger("CP1", 1, charger_cursor)


def test_fleet_listing_over_dynamodb_reaches_a_late_match(dynamodb, aws_env, chargers, connectors):
    for n in range(12):
        cp = f"CP-{n:02}"
        chargers.create(ChargerRecord(cp, vendor="Acme"))
        chargers.attach_connection(cp, f"conn-{n}", "ocpp1.6", 1)
        connectors.apply_status(status(cp, 1, "Charging" if n == 7 else "Available"), frozenset())
    fleet = Fleet(
        chargers,
        connectors,
        DynamoLocationRepository(dynamodb, aws_env.locations_table, geohash.encode),
    )
    found, count = pages(lambda limit, c: fleet.page(limit, c, FleetFilter(state="charging")), 1)
    assert [e.record.charge_point_id for e in found] == ["CP-07"]
    assert found[0].state == "charging"
    assert found[0].location_id is None
    assert count > 1
    everything, _ = pages(lambda limit, c: fleet.page(limit, c, FleetFilter(text="cp-0")), 5)
    assert len(everything) == 10


def test_overview_over_dynamodb(dynamodb, aws_env, chargers, connectors) -> None:
    ledger = DynamoEnergyLedger(dynamodb, aws_env.transactions_table, aws_env.energy_daily_table)
    for n, value in enumerate(("Available", "Charging", "Faulted")):
        cp = f"CP-{n}"
        chargers.create(ChargerRecord(cp))
        chargers.attach_connection(cp, f"conn-{n}", "ocpp1.6", 1)
        connectors.apply_status(status(cp, 1, value), frozenset())
    chargers.create(ChargerRecord("CP-OFF"))
    # Two sessions stopped today, one yesterday (not today's energy).
    transactions = DynamoTransactionRepository(
        dynamodb, aws_env.transactions_table, aws_env.connectors_table
    )
    for tx, hour, energy in (
        ("1", "2030-01-01T01", 7_000),
        ("2", "2030-01-01T09", 250),
        ("3", "2029-12-31T21", 5),
    ):
        transactions.create(
            TransactionRecord(
                charge_point_id="CP-1",
                transaction_id=tx,
                connector_id=1,
                started_at="2029-12-31T00:00:00.000Z",
                status="completed",
                energy_wh=energy,
            )
        )
        assert ledger.add_session_once("CP-1", tx, hour[:10], energy, f"{hour}:00:00Z")
    overview = NetworkOverview(
        chargers, connectors, ledger, now=lambda: datetime(2030, 1, 1, 12, tzinfo=UTC)
    ).build()
    assert overview.chargers_total == 4
    assert overview.by_state == {
        "available": 1,
        "occupied": 0,
        "charging": 1,
        "faulted": 1,
        "unavailable": 0,
        "offline": 1,
        "unknown": 0,
    }
    assert overview.sessions == SessionCounts(charging=1, stopped_today=2, energy_today_wh=7_250)
    assert [(f.charge_point_id, f.status) for f in overview.recent_faults] == [("CP-2", "Faulted")]
