"""Charger tags: which tags are valid, and the in-memory registry's handling of them."""

from __future__ import annotations

import pytest

from shared.adapters.memory.chargers import MemoryChargerRepository
from shared.models.charger import MAX_TAGS, ChargerRecord, tags_problem
from shared.ports import ChargerChanges, ChargerFilter


@pytest.mark.parametrize(
    "tags", [[], ["pilot"], ["depot-north", "a.b:c_d-1"], ["x" * 32], [f"t{n}" for n in range(20)]]
)
def test_valid_tags(tags) -> None:
    assert tags_problem(tags) is None


@pytest.mark.parametrize(
    ("tags", "says"),
    [
        ([""], "1-32"),
        (["x" * 33], "1-32"),
        (["two words"], "'two words'"),
        (["é"], "1-32"),
        (["a/b"], "1-32"),
        ([f"t{n}" for n in range(MAX_TAGS + 1)], "at most 20"),
    ],
)
def test_invalid_tags_say_why(tags, says) -> None:
    problem = tags_problem(tags)
    assert problem is not None and says in problem


def test_duplicates_count_once() -> None:
    assert tags_problem(["a"] * 30) is None


def test_the_memory_registry_stores_the_whole_set_and_filters_by_tag() -> None:
    chargers = MemoryChargerRepository()
    for cp in ("CP-1", "CP-2", "CP-3"):
        chargers.create(ChargerRecord(cp))
    chargers.update("CP-1", ChargerChanges(tags=frozenset({"pilot", "north"})))
    chargers.update("CP-2", ChargerChanges(tags=frozenset({"pilot-2"})))
    assert chargers.get("CP-1").tags == frozenset({"pilot", "north"})
    assert chargers.update("CP-1", ChargerChanges(validation_mode="lenient")).tags == frozenset(
        {"pilot", "north"}
    )
    page = chargers.list_page(10, None, ChargerFilter(tag="pilot"))
    assert [r.charge_point_id for r in page.items] == ["CP-1"]
    assert chargers.update("CP-1", ChargerChanges(tags=frozenset())).tags == frozenset()
    assert chargers.list_page(10, None, ChargerFilter(tag="pilot")).items == []
    assert ChargerChanges(tags=frozenset()).empty is False
    assert ChargerChanges(tags=frozenset({"a"})).settles_at_connect is False
