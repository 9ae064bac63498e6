"""Kept items (local/state.py) come back exactly as DynamoDB gave them, binary values too."""

from __future__ import annotations

import json

from local.state import _decoded, _encoded


def test_an_item_survives_json_with_numbers_sets_and_binary_values():
    item = {
        "id": {"S": "CP-1"},
        "n": {"N": "12345678901234567890.5"},
        "blob": {"B": b"\x00\xffsecret"},
        "blobs": {"BS": [b"a", b"\x01"]},
        "nested": {"M": {"list": {"L": [{"B": b"\x02"}, {"NULL": True}, {"SS": ["x"]}]}}},
    }
    assert _decoded(json.loads(json.dumps(_encoded(item)))) == item
