"""In-memory charger events: the ChargerEvents table's behaviour, cursors included."""

from __future__ import annotations

import time
from collections.abc import Sequence

from shared.adapters.dynamodb.paging import key_values
from shared.adapters.memory.paging import page_after
from shared.models.charger_event import ChargerEvent, ChargerEventKind
from shared.ports import InvalidCursor, Page

KEY = ("chargePointId", "eventKey")


class MemoryChargerEventLog:
    def __init__(self) -> None:
        self.events: dict[tuple[str, str], ChargerEvent] = {}
        self.writes = 0

    def record(self, events: Sequence[ChargerEvent]) -> None:
        for event in events:
            self.events[(event.charge_point_id, event.sort_key)] = event
            self.writes += 1

    def newest(
        self, charge_point_id: str, kind: ChargerEventKind, limit: int, cursor: str | None
    ) -> Page[ChargerEvent]:
        after = key_values(cursor, KEY, {"chargePointId": charge_point_id})
        if after is not None and not str(after["eventKey"]).startswith(f"{kind}#"):
            raise InvalidCursor("the cursor does not belong to this listing")
        now = time.time()
        mine = [
            e
            for (cp, _), e in self.events.items()
            if cp == charge_point_id and e.kind == kind and e.expires_at > now
        ]
        return page_after(
            mine,
            lambda e: {"chargePointId": e.charge_point_id, "eventKey": e.sort_key},
            ("eventKey",),
            limit,
            after,
            descending=True,
        )
