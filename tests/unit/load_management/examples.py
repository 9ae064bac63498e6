"""The operator's worked example of docs/smart-charging.md ("Sites and circuits"): a 63 A
connection, two 32 A circuits, six EVSEs on three 2-EVSE chargers with rotated phases."""

from __future__ import annotations

import copy
from typing import Any

from shared.models.location import Evse, EvseBinding, Location
from tests.unit.locations.builders import TYPE2_22KW, location

DEPOT = "DEPOT"
CHARGERS = ("CP-A", "CP-B", "CP-C")
ROTATIONS = (["L1", "L2", "L3"], ["L2", "L3", "L1"], ["L3", "L1", "L2"])


def depot_location(location_id: str = DEPOT) -> Location:
    """The location: each charger serves two EVSEs (2.0.1 evseId 1 and 2)."""
    evses = tuple(
        Evse(f"{cp}-{n}", (TYPE2_22KW,), binding=EvseBinding(cp, evse_id=n))
        for cp in CHARGERS
        for n in (1, 2)
    )
    return location(location_id, evses=evses)


def _evse(index: int) -> dict[str, Any]:
    charger = CHARGERS[index // 2]
    number = index % 2 + 1
    return {
        "id": f"{charger}-{number}",
        "node": "circuit-1" if index < 3 else "circuit-2",
        "chargePointId": charger,
        "evseId": number,
        "phases": ROTATIONS[index % 3],
        "minCurrentA": 6,
        "maxCurrentA": 32,
    }


DEPOT_MODEL: dict[str, Any] = {
    "nodes": [
        {"id": "grid", "maxCurrent": {"L1": 63, "L2": 63, "L3": 63}},
        {"id": "circuit-1", "parent": "grid", "maxCurrent": {"L1": 32, "L2": 32, "L3": 32}},
        {"id": "circuit-2", "parent": "grid", "maxCurrent": {"L1": 32, "L2": 32, "L3": 32}},
    ],
    "evses": [_evse(i) for i in range(6)],
}


def depot_model(**changes: Any) -> dict[str, Any]:
    model = copy.deepcopy(DEPOT_MODEL)
    model.update(changes)
    return model
