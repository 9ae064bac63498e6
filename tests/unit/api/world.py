"""The operator API over in-memory dependencies, with a clock the tests control."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.adapters.memory.sessions import MemoryEnergyLedger
from shared.adapters.memory.websocket import MemoryLiveConnections
from shared.api.operator import OperatorApi
from shared.models.charger import ChargerRecord
from shared.ocpp.framing import CallError, CallResult
from shared.ports import LiveConnection
from shared.timeutil import to_epoch_ms
from tests.fakes import MemoryDeps, MemoryServices, memory_deps, memory_services
from tests.unit.api.apiclient import DEV_TOKEN, ApiClient

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    """Engine and API time: waiting advances it instead of sleeping; `on_sleep` lets a test
    play the charger while the API waits."""

    now: datetime = START
    on_sleep: Callable[[], None] | None = None

    def utc_now(self) -> datetime:
        return self.now

    def now_ms(self) -> int:
        return to_epoch_ms(self.now)

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        if self.on_sleep is not None:
            self.on_sleep()


@dataclass
class World:
    services: MemoryServices
    deps: MemoryDeps
    connections: MemoryLiveConnections
    ledger: MemoryEnergyLedger
    clock: Clock
    client: ApiClient

    def online_charger(
        self,
        charge_point_id: str = "CP-1",
        protocol: str = "ocpp1.6",
        connection_id: str = "conn-1",
    ) -> ChargerRecord:
        record = ChargerRecord(
            charge_point_id=charge_point_id,
            protocol=protocol,
            connection_id=connection_id,
            connected_at="2030-01-01T11:00:00.000Z",
            connected_at_ms=0,
            vendor="Acme",
            model="Wallbox",
        )
        self.deps.chargers.create(record)
        self.connections.connections[connection_id] = LiveConnection(
            connected_at="2030-01-01T11:00:00.000Z",
            last_active_at="2030-01-01T11:59:00.000Z",
            source_ip="198.51.100.7",
        )
        return record

    def sent_calls(self) -> list[list[Any]]:
        return [json.loads(text) for _, text in self.deps.sender.sent]

    def reply(self, answer: dict[str, Any] | tuple[str, str], after_s: float = 0.0) -> None:
        """Answer the last CALL sent (once), `after_s` seconds into the API's wait: a
        CALLRESULT payload, or (code, description) for a CALLERROR."""
        started = self.clock.now

        def deliver() -> None:
            calls = self.sent_calls()
            if not calls or self.clock.now - started < timedelta(seconds=after_s):
                return
            self.clock.on_sleep = None
            message_id = calls[-1][1]
            cp = next(cp for cp, mid in self.deps.commands.records if mid == message_id)
            charger = self.deps.chargers.get(cp)
            assert charger is not None and charger.protocol is not None
            self.services.engine.on_reply(
                charger.charge_point_id,
                CallResult(message_id=message_id, payload=answer)
                if isinstance(answer, dict)
                else CallError(message_id=message_id, code=answer[0], description=answer[1]),
            )

        self.clock.on_sleep = deliver


def make_world() -> World:
    deps = memory_deps(OPERATOR_DEV_TOKEN=DEV_TOKEN)
    clock = Clock()
    services = memory_services(deps, now=clock.utc_now)
    services.engine.clock_ms = clock.now_ms
    services.engine.sleep = clock.sleep
    api = OperatorApi(services)
    return World(services, deps, deps.live_connections, deps.energy, clock, ApiClient(api))
