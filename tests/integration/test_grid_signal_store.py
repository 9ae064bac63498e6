"""The grid signal store (docs/adr/0052) on DynamoDB (moto) and in memory, under one contract:
a snapshot replaces its source's signals, an update replaces one group, the newer received
wins, redelivery changes nothing, ended signals are not read, ended groups expire (TTL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters.dynamodb.grid_signal_store import DynamoGridSignalStore, signal_sk, site_pk
from shared.adapters.memory.grid_signal_store import MemoryGridSignalStore
from shared.ports.grid_signal_store import TOMBSTONE_DAYS, GridSignalStore
from shared.ports.grid_signals import GridSignal, SignalSnapshot, SignalUpdate

T0 = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
AT = "2030-01-07T12:00:00.000Z"


@pytest.fixture(params=["dynamodb", "memory"])
def store(request) -> GridSignalStore:
    if request.param == "memory":
        return MemoryGridSignalStore()
    aws_env = request.getfixturevalue("aws_env")
    return DynamoGridSignalStore(request.getfixturevalue("dynamodb"), aws_env.site_loads_table)


def limit(
    group: str,
    amps: float,
    start: int = 0,
    hours: int | None = 2,
    received: int = 0,
    source: str = "openadr",
) -> GridSignal:
    return GridSignal(
        source=source,
        kind="import_limit",
        start=T0 + timedelta(hours=start),
        end=None if hours is None else T0 + timedelta(hours=start + hours),
        received_at=T0 + timedelta(seconds=received),
        amps=(amps, amps, amps),
        group=group,
    )


def snapshot(*signals: GridSignal, received: int = 0, source: str = "openadr") -> SignalSnapshot:
    return SignalSnapshot(source, T0 + timedelta(seconds=received), signals)


def update(group: str, *signals: GridSignal, received: int, deleted: bool = False) -> SignalUpdate:
    return SignalUpdate("openadr", group, T0 + timedelta(seconds=received), signals, deleted)


def amps_by_group(store: GridSignalStore, now: datetime = T0) -> dict[str, float]:
    found = {}
    for signal in store.signals("S1", now):
        assert signal.amps is not None
        found[f"{signal.source}:{signal.group}"] = signal.amps[0]
    return found


def test_schedule_and_sources_are_kept_per_site(store: GridSignalStore) -> None:
    assert store.get_schedule("S1") is None and store.get_sources("S1") is None
    saved = store.put_schedule("S1", {"timeZone": "Europe/Berlin", "windows": []}, AT)
    assert store.get_schedule("S1") == saved and saved.document["timeZone"] == "Europe/Berlin"
    store.put_sources("S2", {"entsoe": {"zone": "NL"}}, AT)
    store.put_sources("S1", {"openadr": {"vtnUrl": "http://vtn"}}, AT)
    assert store.sites_with_sources() == ["S1", "S2"]
    assert store.get_sources("S1") is not None
    assert store.delete_sources("S1") is True
    assert store.delete_sources("S1") is False
    assert store.sites_with_sources() == ["S2"]
    assert store.delete_schedule("S1") is True and store.get_schedule("S1") is None
    assert store.delete_schedule("S1") is False


def test_a_snapshot_replaces_every_group_of_its_source_only(store: GridSignalStore) -> None:
    store.put_snapshot("S1", snapshot(limit("e1", 40), limit("e2", 30)))
    store.put_snapshot("S1", snapshot(limit("day", 50, source="schedule"), source="schedule"))
    # e2 withdrawn by the VTN: gone by its absence; the schedule's signals stay.
    store.put_snapshot("S1", snapshot(limit("e1", 35, received=60), received=60))
    assert amps_by_group(store) == {"openadr:e1": 35, "schedule:day": 50}
    store.put_snapshot("S1", snapshot(received=120))
    assert amps_by_group(store) == {"schedule:day": 50}


def test_an_update_replaces_one_group_and_a_deletion_removes_it(store: GridSignalStore) -> None:
    store.put_snapshot("S1", snapshot(limit("e1", 40), limit("e2", 30)))
    assert store.put_update("S1", update("e1", limit("e1", 20, received=10), received=10))
    assert amps_by_group(store) == {"openadr:e1": 20, "openadr:e2": 30}
    assert store.put_update("S1", update("e2", received=11, deleted=True))
    assert amps_by_group(store) == {"openadr:e1": 20}


def test_the_newer_received_wins(store: GridSignalStore) -> None:
    store.put_update("S1", update("e1", limit("e1", 20, received=30), received=30))
    # A poll that started before the notification arrived cannot undo it...
    store.put_snapshot("S1", snapshot(limit("e1", 40, received=10), received=10))
    assert amps_by_group(store) == {"openadr:e1": 20}
    # ...nor remove it by absence; an older notification changes nothing either.
    store.put_snapshot("S1", snapshot(received=20))
    assert store.put_update("S1", update("e1", limit("e1", 10), received=25)) is False
    assert amps_by_group(store) == {"openadr:e1": 20}
    # A deletion remembered: its late older update does not bring the event back.
    store.put_update("S1", update("e1", received=40, deleted=True))
    assert store.put_update("S1", update("e1", limit("e1", 10), received=35)) is False
    assert amps_by_group(store) == {}
    # A later poll counts again.
    store.put_snapshot("S1", snapshot(limit("e1", 45, received=50), received=50))
    assert amps_by_group(store) == {"openadr:e1": 45}


def test_redelivery_is_idempotent(store: GridSignalStore) -> None:
    first = update("e1", limit("e1", 20, received=10), received=10)
    assert store.put_update("S1", first) is True
    assert store.put_update("S1", first) is False
    poll = snapshot(limit("e2", 30, received=20), received=20)
    store.put_snapshot("S1", poll)
    store.put_snapshot("S1", poll)
    signals = store.signals("S1", T0)
    assert sorted(s.group for s in signals) == ["e2"]  # e1 is of the source: replaced
    assert signals[0] == limit("e2", 30, received=20)  # read back exactly


def test_ended_signals_are_not_read(store: GridSignalStore) -> None:
    store.put_snapshot(
        "S1",
        snapshot(
            limit("old", 10, start=-3, hours=1), limit("now", 20), limit("open", 30, hours=None)
        ),
    )
    assert amps_by_group(store, T0) == {"openadr:now": 20, "openadr:open": 30}
    assert amps_by_group(store, T0 + timedelta(hours=2)) == {"openadr:open": 30}
    assert amps_by_group(store) == amps_by_group(store, T0)  # other sites see nothing
    assert store.signals("S2", T0) == []


def test_groups_expire_a_day_after_their_last_end(aws_env, dynamodb) -> None:
    store = DynamoGridSignalStore(dynamodb, aws_env.site_loads_table)
    store.put_snapshot("S1", snapshot(limit("e1", 40, hours=2), limit("e1", 30, start=2, hours=1),
                                      limit("open", 30, hours=None)))  # fmt: skip
    store.put_update("S1", update("gone", received=5, deleted=True))

    def item(group: str) -> dict[str, Any]:
        key = {"pk": {"S": site_pk("S1")}, "sk": {"S": signal_sk("openadr", group)}}
        found: dict[str, Any] = dynamodb.get_item(TableName=aws_env.site_loads_table, Key=key)
        stored: dict[str, Any] = found["Item"]
        return stored

    day = 86_400
    assert int(item("e1")["expiresAt"]["N"]) == int((T0 + timedelta(hours=3)).timestamp()) + day
    assert "expiresAt" not in item("open")
    tombstone = int(item("gone")["expiresAt"]["N"])
    assert tombstone == int(T0.timestamp()) + 5 + TOMBSTONE_DAYS * day
    # The table's TTL attribute is the one written.
    ttl = dynamodb.describe_time_to_live(TableName=aws_env.site_loads_table)
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"


def test_the_webhook_token_is_made_once(store: GridSignalStore) -> None:
    assert store.webhook_token("S1") is None
    token = store.webhook_token("S1", create=True)
    assert token and len(token) >= 32
    assert store.webhook_token("S1", create=True) == token == store.webhook_token("S1")
    assert store.webhook_token("S2", create=True) != token


def test_the_limit_state_moves_by_version_and_keeps_its_event_until_cleared(
    store: GridSignalStore,
) -> None:
    assert store.limit_state("S1") is None
    first = store.put_limit_state("S1", {"a": 1}, {"eventId": "e1"}, None)
    assert first is not None and first.version == 1 and first.pending == {"eventId": "e1"}
    assert store.put_limit_state("S1", {"a": 2}, {"eventId": "x"}, None) is None  # raced
    assert store.limit_state("S1") == first
    second = store.put_limit_state("S1", {"a": 2}, {"eventId": "e2"}, 1)
    assert second is not None and second.version == 2
    store.clear_pending("S1", 1)  # an older version's publish does not clear the newer event
    assert store.limit_state("S1") == second
    store.clear_pending("S1", 2)
    cleared = store.limit_state("S1")
    assert cleared is not None and cleared.pending is None and cleared.fingerprint == {"a": 2}
