"""DynamoDB request units from item sizes, checked against sizes worked out by hand."""

from typing import Any

import pytest

from benchmarks import capacity


def test_item_size_counts_attribute_names_and_values():
    # "id" (2) + "abc" (3) + "n" (1) + 12345 (3 significant-digit pairs + 1 = 4)
    assert capacity.item_size({"id": {"S": "abc"}, "n": {"N": "12345"}}) == 2 + 3 + 1 + 4


@pytest.mark.parametrize(
    ("number", "size"),
    [("1500", 2), ("0.05", 2), ("-7", 2), ("1795510800000", 5), ("1E+3", 2)],
)
def test_numbers_cost_a_byte_per_two_significant_digits_plus_one(number, size):
    assert capacity.number_size(number) == size


def test_lists_and_maps_carry_three_bytes_plus_one_per_element():
    item: dict[str, Any] = {
        "m": {"M": {"k": {"S": "v"}}},
        "l": {"L": [{"BOOL": True}, {"NULL": True}]},
    }
    # m: 1 + (3 + "k" 1 + "v" 1 + 1); l: 1 + (3 + (1 + 1) + (1 + 1))
    assert capacity.item_size(item) == 1 + 6 + 1 + 7


def test_a_write_costs_one_unit_per_started_kilobyte_of_the_larger_image():
    small = {"k": {"S": "x" * 100}}
    just_over = {"k": {"S": "x" * 1024}}  # 1 + 1024 bytes
    assert capacity.write_units(None, small) == 1
    assert capacity.write_units(just_over, small) == 2
    assert capacity.write_units(small, just_over, transactional=True) == 4


def test_reads_cost_per_four_kilobytes_and_half_when_eventually_consistent():
    assert capacity.read_units(0, consistent=True) == 1.0
    assert capacity.read_units(4097, consistent=True) == 2.0
    assert capacity.read_units(4097, consistent=False) == 1.0
    assert capacity.read_units([3000, 3000], consistent=False) == 1.0
    assert capacity.read_units(100, consistent=True, transactional=True) == 2.0


ALL = capacity.IndexShape(keys=("idTag", "startedAt"), table_keys=("pk",))
INCLUDE = capacity.IndexShape(
    keys=("idTag", "startedAt"),
    table_keys=("pk",),
    projection="INCLUDE",
    non_key_attributes=("status",),
)
INDEXED = {"pk": {"S": "cp"}, "idTag": {"S": "T"}, "startedAt": {"S": "2026"}}


def test_an_item_entering_the_index_writes_it_once():
    assert capacity.index_write_units(None, INDEXED, ALL) == 1
    assert capacity.index_write_units(None, INDEXED, INCLUDE) == 1


def test_an_item_outside_the_index_or_unchanged_costs_the_index_nothing():
    plain = {"pk": {"S": "cp"}}
    assert capacity.index_write_units(plain, {**plain, "x": {"S": "y"}}, ALL) == 0
    assert capacity.index_write_units(INDEXED, dict(INDEXED), ALL) == 0


def test_a_changed_index_key_is_a_delete_and_a_put():
    moved = {**INDEXED, "idTag": {"S": "U"}}
    assert capacity.index_write_units(INDEXED, moved, ALL) == 2
    assert capacity.index_write_units(INDEXED, moved, INCLUDE) == 2
    assert capacity.index_write_units(INDEXED, {**INDEXED, "e": {"N": "5"}}, ALL) == 1


def test_an_include_index_is_written_only_when_a_projected_attribute_changes():
    active = {**INDEXED, "status": {"S": "active"}, "lastMeterWh": {"N": "100"}}
    progressed = {**active, "lastMeterWh": {"N": "900"}}
    assert capacity.index_write_units(active, progressed, INCLUDE) == 0
    assert capacity.index_write_units(active, progressed, ALL) == 1
    stopped = {**progressed, "status": {"S": "completed"}}
    assert capacity.index_write_units(progressed, stopped, INCLUDE) == 1


def test_an_index_entry_is_sized_by_what_it_projects():
    big = {**INDEXED, "status": {"S": "active"}, "blob": {"S": "x" * 3000}}
    assert capacity.IndexShape(("idTag", "startedAt"), ("pk",), "KEYS_ONLY").entry(big) == INDEXED
    assert INCLUDE.entry(big) == {**INDEXED, "status": {"S": "active"}}
    assert capacity.index_write_units(None, big, INCLUDE) == 1
    assert capacity.index_write_units(None, big, ALL) == 3
    assert INCLUDE.entry({"pk": {"S": "cp"}, "idTag": {"S": "T"}}) is None
