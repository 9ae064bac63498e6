"""The operator API over in-memory dependencies, with a clock the tests control."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.adapters.memory_transactions import MemoryEnergyLedger
from shared.api.operator import build_app
from shared.models.charger import ChargerRecord
from shared.ocpp.framing import CallError, CallResult
from shared.ocpp.router import MessageContext
from shared.ocpp.versions import OcppVersion
from shared.registry.memory import MemoryLiveConnections, memory_registry
from shared.registry.ports import LiveConnection
from shared.timeutil import to_epoch_ms
from tests.fakes import MemoryDeps, memory_deps
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
            self.deps.engine.on_reply(
                MessageContext(
                    charge_point_id=charger.charge_point_id,
                    connection_id=charger.connection_id or "",
                    version=OcppVersion(charger.protocol),
                    received_at=self.clock.now,
                ),
                CallResult(message_id=message_id, payload=answer)
                if isinstance(answer, dict)
                else CallError(message_id=message_id, code=answer[0], description=answer[1]),
            )

        self.clock.on_sleep = deliver


def make_world() -> World:
    deps = memory_deps(OPERATOR_DEV_TOKEN=DEV_TOKEN)
    clock = Clock()
    deps.engine.clock_ms = clock.now_ms
    deps.engine.sleep = clock.sleep
    connections = MemoryLiveConnections()
    ledger = MemoryEnergyLedger(deps.transactions)
    registry = memory_registry(
        deps.chargers, deps.id_tags, deps.transactions, ledger=ledger, connections=connections
    )
    api = build_app(deps, registry, now=clock.utc_now)
    return World(deps, connections, ledger, clock, ApiClient(api))
