"""`python -m local --store memory`: the handlers keep their tables in this process's memory.

With the default store (moto) every DynamoDB request is built and signed by botocore, parsed
and answered by moto (which deep-copies items and re-parses every expression) and serialised
again: 1.5-3 ms of CPU per call, all under one interpreter lock shared with the gateway and the
handlers. That is right for developing against the real adapters, but a thousand simulated
chargers need more CPU than one interpreter has. The memory store swaps the DynamoDB adapters
for the in-memory ones the unit tests use (the same ports, conditions and idempotency rules),
shared by every function in the process. Kinesis and EventBridge stay on moto, so stream and
rule delivery to the consumers is unchanged, and so does @connections (the gateway).

Every call into the store runs under one lock: DynamoDB applies each request atomically, and
the in-memory adapters were written for one thread.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.adapters.memory import (
    MemoryChargerRepository,
    MemoryConnectionRepository,
    MemoryConnectorRepository,
)
from shared.adapters.memory_commands import MemoryCommandStore
from shared.adapters.memory_transactions import (
    MemoryEnergyLedger,
    MemoryIdTagRepository,
    MemoryTransactionEventLog,
    MemoryTransactionRepository,
)
from shared.adapters.reservations import MemoryReservationStore
from shared.config import Settings

Store = Literal["moto", "memory"]
STORES: tuple[Store, ...] = ("moto", "memory")


class Serialized:
    """Proxy running every method of `target` under `lock` (one request at a time).

    Each method is wrapped on first use and kept (handlers call them on every message);
    other attributes are read through, as they may change."""

    def __init__(self, target: Any, lock: threading.RLock) -> None:
        self._target = target
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if not callable(value):
            return value

        @functools.wraps(value)
        def locked(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return value(*args, **kwargs)

        setattr(self, name, locked)
        return locked


@dataclass
class MemoryStore:
    """The tables of one local platform, shared by all of its functions."""

    chargers: MemoryChargerRepository = field(default_factory=MemoryChargerRepository)
    connections: MemoryConnectionRepository = field(default_factory=MemoryConnectionRepository)
    connectors: MemoryConnectorRepository = field(default_factory=MemoryConnectorRepository)
    id_tags: MemoryIdTagRepository = field(default_factory=MemoryIdTagRepository)
    transactions: MemoryTransactionRepository = field(default_factory=MemoryTransactionRepository)
    transaction_events: MemoryTransactionEventLog = field(default_factory=MemoryTransactionEventLog)
    commands: MemoryCommandStore = field(default_factory=MemoryCommandStore)
    reservations: MemoryReservationStore = field(default_factory=MemoryReservationStore)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ledger: MemoryEnergyLedger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = MemoryEnergyLedger(self.transactions)

    def serialized(self, target: Any) -> Any:
        return Serialized(target, self.lock)

    def dependencies(self, aws: Any) -> Any:
        """`aws` (shared.wiring.Dependencies) with its DynamoDB adapters replaced."""
        s = self.serialized
        return dataclasses.replace(
            aws,
            chargers=s(self.chargers),
            connections=s(self.connections),
            connectors=s(self.connectors),
            id_tags=s(self.id_tags),
            transactions=s(self.transactions),
            transaction_events=s(self.transaction_events),
            commands=s(self.commands),
            reservations=s(self.reservations),
        )

    def registry(self, aws: Any) -> Any:
        """`aws` (shared.registry.wiring.Registry) reading these tables instead of DynamoDB."""
        from shared.registry.memory import (
            MemoryChargerDirectory,
            MemoryEnergyReports,
            MemoryIdTagCatalog,
            MemorySessionQueries,
        )

        s = self.serialized
        return dataclasses.replace(
            aws,
            chargers=s(MemoryChargerDirectory(self.chargers)),
            id_tags=s(MemoryIdTagCatalog(self.id_tags)),
            sessions=s(MemorySessionQueries(self.transactions)),
            energy=s(MemoryEnergyReports(self.ledger)),
        )


# (module, attribute): the factories through which the functions reach DynamoDB.
_FACTORIES = (
    ("shared.wiring", "aws_dependencies"),
    ("shared.wiring", "aws_energy_ledger"),
    ("shared.registry.wiring", "aws_registry"),
    ("shared.api.operator", "aws_registry"),
)


@contextmanager
def wired(store: MemoryStore) -> Iterator[None]:
    """While active, functions imported (cold-started) use `store` for their tables.

    The functions get their adapters from the factories in `_FACTORIES` at import time;
    those are replaced by versions that build the AWS adapters and swap in the store's.
    """
    import shared.api.operator
    import shared.registry.wiring
    import shared.wiring

    aws_dependencies = shared.wiring.aws_dependencies
    aws_registry = shared.registry.wiring.aws_registry

    def dependencies(settings: Settings) -> Any:
        return store.dependencies(aws_dependencies(settings))

    def energy_ledger(_: Settings) -> Any:
        return store.serialized(store.ledger)

    def registry(settings: Settings) -> Any:
        return store.registry(aws_registry(settings))

    replacements: dict[str, Callable[..., Any]] = {
        "aws_dependencies": dependencies,
        "aws_energy_ledger": energy_ledger,
        "aws_registry": registry,
    }
    saved = [(module, name, getattr(sys.modules[module], name)) for module, name in _FACTORIES]
    for module, name, _ in saved:
        setattr(sys.modules[module], name, replacements[name])
    try:
        yield
    finally:
        for module, name, original in saved:
            setattr(sys.modules[module], name, original)
