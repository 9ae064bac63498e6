"""Sending OCPP frames through the real router with in-memory adapters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.bootstrap import build_router
from shared.models.charger import ChargerRecord
from shared.models.transaction import IdTagRecord
from shared.ocpp.router import MessageContext
from shared.ocpp.versions import OcppVersion
from tests.fakes import MemoryDeps, memory_deps, memory_services

V16, V201 = OcppVersion.V16, OcppVersion.V201
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def make_deps() -> MemoryDeps:
    deps = memory_deps()
    deps.chargers.create(ChargerRecord("CP1"))
    deps.id_tags.put(IdTagRecord("GOOD", "Accepted", parent_id_tag="FLEET-1"))
    deps.id_tags.put(IdTagRecord("BLOCKED", "Blocked"))
    deps.id_tags.put(IdTagRecord("OLD", "Accepted", expiry_date="2020-01-01T00:00:00.000Z"))
    deps.id_tags.put(IdTagRecord("LATER", "Accepted", expiry_date="2099-01-01T00:00:00Z"))
    return deps


class Station:
    """A charger's side of the conversation, with the platform in memory."""

    def __init__(
        self, deps: MemoryDeps, version: OcppVersion = V16, cp: str = "CP1", lenient: bool = False
    ) -> None:
        self.deps = deps
        self.services = memory_services(deps)
        self.router = build_router(self.services)
        self.version = version
        self.cp = cp
        self.lenient = lenient
        self.clock = T0
        self.counter = 0

    def call(self, action: str, payload: dict[str, Any], at: datetime | None = None) -> Any:
        frame = self.frame(action, payload, at)
        if frame[0] == 4:
            raise AssertionError(f"CALLERROR {frame[2]}: {frame[3]} {frame[4]}")
        return frame[2]

    def frame(
        self,
        action: str,
        payload: dict[str, Any],
        at: datetime | None = None,
        message_id: str | None = None,
    ) -> list[Any]:
        """The whole answer frame (json.dumps escapes odd characters, as a charger's JSON may);
        the answer must be text any WebSocket can carry."""
        self.counter += 1
        received = at or self.clock + timedelta(milliseconds=self.counter)
        ctx = MessageContext(self.cp, "conn-1", self.version, received, self.lenient)
        message_id = message_id or f"m{self.counter}"
        answer = self.router.handle(ctx, json.dumps([2, message_id, action, payload]))
        assert answer is not None
        answer.encode("utf-8")
        frame: list[Any] = json.loads(answer)
        return frame


def ts(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def energy_sample_v16(wh: int, minutes: float, context: str = "Sample.Periodic") -> dict[str, Any]:
    return {
        "timestamp": ts(minutes),
        "sampledValue": [
            {
                "value": str(wh),
                "context": context,
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
            },
            {"value": "7400", "context": context, "measurand": "Power.Active.Import", "unit": "W"},
        ],
    }


def energy_sample_v201(wh: int, minutes: float, context: str = "Sample.Periodic") -> dict[str, Any]:
    return {
        "timestamp": ts(minutes),
        "sampledValue": [
            {
                "value": wh / 1000,
                "context": context,
                "measurand": "Energy.Active.Import.Register",
                "unitOfMeasure": {"unit": "kWh"},
            },
        ],
    }
