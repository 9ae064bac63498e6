"""Locations in DynamoDB (moto): the search reads the geo index with Query, never Scan, and a
charger is claimed by one location at most, atomically with the location's write."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.adapters.dynamodb.connectors import DynamoConnectorRepository
from shared.adapters.dynamodb.locations import GEO_INDEX, DynamoLocationRepository
from shared.locations import geohash
from shared.locations.search import LocationSearch, SearchFilters
from shared.models.charger import ChargerRecord
from shared.models.connection import ConnectorStatus
from shared.models.location import Evse, EvseBinding
from tests.unit.locations.builders import TYPE2_22KW, location


@pytest.fixture
def calls(dynamodb) -> list[tuple[str, dict[str, Any]]]:
    """Every DynamoDB operation the client makes, with its parameters."""
    made: list[tuple[str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        made.append((model.name, params))

    dynamodb.meta.events.register("provide-client-params.dynamodb.*", record)
    return made


@pytest.fixture
def locations(aws_env, dynamodb) -> DynamoLocationRepository:
    return DynamoLocationRepository(dynamodb, aws_env.locations_table, geohash.encode)


def test_a_location_is_stored_whole_and_versioned(locations) -> None:
    site = location()
    assert locations.save(site, None).saved
    assert locations.get("LOC-1") == site
    assert locations.save(site, None).stale  # the id is taken
    edited = replace(site, name="Renamed", version=2)
    assert locations.save(edited, site).saved
    assert locations.save(replace(site, version=2), site).stale  # version 1 is gone
    assert locations.get("LOC-1") == edited
    assert locations.get("NOPE") is None


def test_a_charger_is_claimed_by_one_location_in_the_same_transaction(locations) -> None:
    first = location("A")
    assert locations.save(first, None).saved
    assert (locations.owner_of("CP-1"), locations.owner_of("CP-2")) == ("A", "A")
    second = location("B", latitude=48.1)
    outcome = locations.save(second, None)
    assert (outcome.saved, outcome.taken) == (False, ("CP-1", "A"))
    assert locations.get("B") is None  # nothing of B was written
    # A gives CP-1 up: B may take it; A cannot take it back.
    released = replace(first, evses=first.evses[1:], version=2)
    assert locations.save(released, first).saved
    assert locations.owner_of("CP-1") is None
    only_cp1 = replace(second, evses=second.evses[:1])
    assert locations.save(only_cp1, None).saved
    assert locations.owner_of("CP-1") == "B"
    retake = locations.save(replace(released, evses=first.evses, version=3), released)
    assert retake.taken == ("CP-1", "B")
    # Deleting B releases its claim.
    assert locations.delete(only_cp1).saved
    assert locations.owner_of("CP-1") is None
    assert not locations.delete(only_cp1).saved


def test_claims_stay_out_of_the_listing_and_the_index(locations) -> None:
    for index in range(5):
        evses = (Evse("E1", (TYPE2_22KW,), binding=EvseBinding(f"CP-{index}", connector_id=1)),)
        assert locations.save(location(f"L{index}", 52.52 + index / 100, evses=evses), None).saved
    first = locations.list_page(3, None)
    rest = locations.list_page(3, first.next_cursor)
    ids = [x.location_id for x in first.items + rest.items]
    assert sorted(ids) == ["L0", "L1", "L2", "L3", "L4"]
    cell = geohash.encode(52.52, 13.405, 4)
    assert {e.location_id for e in locations.in_cell(cell)} <= {f"L{i}" for i in range(5)}


def test_the_search_queries_index_cells_and_never_scans(aws_env, dynamodb, locations, calls):
    chargers = DynamoChargerRepository(dynamodb, aws_env.chargers_table)
    connectors = DynamoConnectorRepository(dynamodb, aws_env.connectors_table)
    for index, (lat, lon) in enumerate(((52.5219, 13.4132), (52.5096, 13.3759), (52.39, 13.06))):
        charger = f"CP-{index}"
        chargers.create(ChargerRecord(charger, connection_id=f"conn-{index}"))
        connectors.apply_status(
            ConnectorStatus(charger, 1, "Available", "2030-01-01T12:00:00Z", 1), frozenset()
        )
        evses = (Evse("E1", (TYPE2_22KW,), binding=EvseBinding(charger, connector_id=1)),)
        assert locations.save(location(f"L{index}", lat, lon, evses=evses), None).saved
    calls.clear()
    search = LocationSearch(locations, chargers, connectors)
    found = search.nearby(52.52, 13.405, 5_000, SearchFilters(available_now=True))
    assert [(r.location.location_id, r.evses[0].status) for r in found] == [
        ("L0", "AVAILABLE"),
        ("L1", "AVAILABLE"),
    ]
    operations = Counter(name for name, _ in calls)
    assert operations["Scan"] == 0
    index_queries = [p for name, p in calls if name == "Query" and p.get("IndexName") == GEO_INDEX]
    assert 1 <= len(index_queries) <= 9
    # Then only the two results are read whole, with their charger and connector statuses.
    assert operations["GetItem"] == 2 + 2
    assert operations["Query"] == len(index_queries) + 2
