"""DynamoDB on-demand capacity from item sizes, the way DynamoDB meters it.

moto answers ReturnConsumedCapacity with fixed numbers (1.0 for any PutItem, 0.5 for any
GetItem or UpdateItem, whatever the item size or read consistency), so the benchmarks compute
the units from the items themselves:

- a write costs 1 WRU per started KB of the larger of the item before and after (PutItem,
  UpdateItem, DeleteItem; also when its condition fails), twice that inside a transaction;
- a read costs 1 RRU per started 4 KB when strongly consistent, half when eventually
  consistent (an absent item still costs the minimum), twice that inside a transaction;
- a write that changes an item present in a global secondary index also writes the index,
  sized by the index entry (the keys plus what the index projects), but only when a projected
  attribute changed; an item entering or leaving the index is a put or a delete, a changed
  index key both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
TRANSACTION_FACTOR = 2
EVENTUALLY_CONSISTENT_FACTOR = 0.5

Item = Mapping[str, Mapping[str, Any]]


def number_size(text: str) -> int:
    """DynamoDB's size of a number: about one byte per two significant digits, plus one."""
    if "e" in text.lower():
        text = format(Decimal(text), "f")
    digits = text.lstrip("+-").replace(".", "").strip("0")
    return math.ceil(max(len(digits), 1) / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """Size in bytes of one AttributeValue in the low-level ({"S": ...}) shape."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode("utf-8"))
    if kind == "N":
        return number_size(str(data))
    if kind == "B":
        return len(data) if isinstance(data, bytes | bytearray) else len(str(data))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in data)
    if kind == "NS":
        return sum(number_size(str(n)) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + value_size(v) + 1 for k, v in data.items())
    raise ValueError(f"unknown attribute value type {kind!r}")


def item_size(item: Item | None) -> int:
    """Bytes DynamoDB counts for an item: attribute names plus values."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(before: Item | None, after: Item | None, *, transactional: bool = False) -> int:
    """WRU of one write: the larger of the two images, per started KB, at least 1."""
    size = max(item_size(before), item_size(after))
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return units * (TRANSACTION_FACTOR if transactional else 1)


def read_units(
    size_bytes: int | Sequence[int], *, consistent: bool, transactional: bool = False
) -> float:
    """RRU of a read returning items of these sizes (a Query sums them first)."""
    total = size_bytes if isinstance(size_bytes, int) else sum(size_bytes)
    units = max(1, math.ceil(total / READ_UNIT_BYTES))
    if transactional:
        return float(units * TRANSACTION_FACTOR)
    return float(units) if consistent else units * EVENTUALLY_CONSISTENT_FACTOR


@dataclass(frozen=True)
class IndexShape:
    """What a global secondary index holds of an item (infra/catalog.py's IndexDef)."""

    keys: tuple[str, ...]  # the index's own key attributes
    table_keys: tuple[str, ...] = ()
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "ALL"
    non_key_attributes: tuple[str, ...] = ()

    def entry(self, image: Item | None) -> dict[str, Any] | None:
        """The index entry of an item: None when the item lacks an index key."""
        if image is None or not all(key in image for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(image)
        kept = {*self.keys, *self.table_keys}
        if self.projection == "INCLUDE":
            kept |= set(self.non_key_attributes)
        return {name: value for name, value in image.items() if name in kept}


def index_write_units(before: Item | None, after: Item | None, index: IndexShape) -> int:
    """WRU an index spends on one base-table write, sized by its entries.

    Nothing when neither image is in the index or the entry did not change (a write to
    attributes the index does not project); a put or a delete when the item enters or leaves
    the index; both when its index key changes.
    """
    old, new = index.entry(before), index.entry(after)

    def units(entry: Item) -> int:
        return max(1, math.ceil(item_size(entry) / WRITE_UNIT_BYTES))

    if old is None and new is None:
        return 0
    if new is None:
        assert old is not None
        return units(old)
    if old is None:
        return units(new)
    if old == new:
        return 0
    if any(old[key] != new[key] for key in index.keys):
        return units(old) + units(new)
    return max(units(old), units(new))
