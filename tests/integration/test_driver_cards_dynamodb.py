"""Drivers' cards in DynamoDB (moto): listed through the sparse ByOwner index, removed only by
their owner, registered only where no tag exists."""

from __future__ import annotations

import pytest

from shared.adapters.dynamodb.id_tags import DynamoIdTagRepository
from shared.admin.errors import Conflict, NotFound
from shared.drivers.cards import DriverCards
from shared.models.transaction import IdTagRecord


@pytest.fixture
def cards(aws_env, dynamodb) -> tuple[DriverCards, DynamoIdTagRepository]:
    tags = DynamoIdTagRepository(dynamodb, aws_env.id_tags_table)
    return DriverCards(tags), tags


def test_cards_are_listed_per_owner_and_removed_by_their_owner_only(cards) -> None:
    service, tags = cards
    for uid in ("CARD-B", "CARD-A"):
        service.register("alice", uid)
    service.register("bob", "CARD-C")
    tags.put(IdTagRecord("FLEET-1", "Accepted"))  # unowned: in no driver's list
    assert [c.id_tag for c in service.cards("alice")] == ["CARD-A", "CARD-B"]
    assert [c.owner_id for c in service.cards("bob")] == ["bob"]
    with pytest.raises(NotFound):
        service.remove("alice", "CARD-C")
    with pytest.raises(NotFound):
        service.remove("alice", "FLEET-1")
    assert tags.get("CARD-C") is not None and tags.get("FLEET-1") is not None
    service.remove("alice", "CARD-A")
    assert [c.id_tag for c in service.cards("alice")] == ["CARD-B"]


def test_a_tag_that_exists_is_never_taken_over(cards) -> None:
    service, tags = cards
    tags.put(IdTagRecord("FLEET-1", "Blocked"))
    with pytest.raises(Conflict):
        service.register("alice", "FLEET-1")
    assert tags.get("FLEET-1") == IdTagRecord("FLEET-1", "Blocked")
