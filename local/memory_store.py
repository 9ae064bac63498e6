"""`python -m local --store memory`: the handlers keep their tables in this process's memory.

With the default store (moto) every DynamoDB request is built and signed by botocore, parsed
and answered by moto (which deep-copies items and re-parses every expression) and serialised
again: 1.5-3 ms of CPU per call, all under one interpreter lock shared with the gateway and the
handlers. That is right for developing against the real adapters, but a thousand simulated
chargers need more CPU than one interpreter has. The memory store swaps the DynamoDB adapters
for the in-memory ones the unit tests use (the same ports, conditions and idempotency rules),
shared by every function in the process. Kinesis, EventBridge, S3 and Step Functions stay on
moto, so stream and rule delivery, presigned file URLs and workflows are unchanged, and so does
@connections (the gateway).

Every call into the store runs under one lock: DynamoDB applies each request atomically, and
the in-memory adapters were written for one thread.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.adapters.memory.charger_events import MemoryChargerEventLog
from shared.adapters.memory.chargers import (
    MemoryChargerRepository,
    MemoryConnectionRepository,
    MemoryConnectorRepository,
)
from shared.adapters.memory.commands import MemoryCommandStore, MemoryReservationStore
from shared.adapters.memory.device_models import MemoryDeviceModelStore
from shared.adapters.memory.drivers import MemoryDriverRepository
from shared.adapters.memory.files import MemoryFileTokens, MemoryImageRepository, MemoryUploadJobs
from shared.adapters.memory.firmware_campaigns import MemoryCampaignStore
from shared.adapters.memory.grid_signal_store import MemoryGridSignalStore
from shared.adapters.memory.locations import MemoryLocationRepository
from shared.adapters.memory.payments import MemoryPaymentRecords
from shared.adapters.memory.receipts import MemoryReceiptStore
from shared.adapters.memory.sessions import (
    MemoryEnergyLedger,
    MemoryIdTagRepository,
    MemoryTransactionEventLog,
    MemoryTransactionRepository,
)
from shared.adapters.memory.site_load_history import MemorySiteLoadHistory
from shared.adapters.memory.site_loads import MemorySiteLoadStore
from shared.adapters.memory.start_requests import MemoryStartRequestStore
from shared.adapters.memory.tariffs import MemoryTariffRepository
from shared.config import Settings
from shared.locations import geohash

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
    tariffs: MemoryTariffRepository = field(default_factory=MemoryTariffRepository)
    payment_records: MemoryPaymentRecords = field(default_factory=MemoryPaymentRecords)
    drivers: MemoryDriverRepository = field(default_factory=MemoryDriverRepository)
    start_requests: MemoryStartRequestStore = field(default_factory=MemoryStartRequestStore)
    receipts: MemoryReceiptStore = field(default_factory=MemoryReceiptStore)
    locations: MemoryLocationRepository = field(
        default_factory=lambda: MemoryLocationRepository(geohash.encode)
    )
    device_models: MemoryDeviceModelStore = field(default_factory=MemoryDeviceModelStore)
    charger_events: MemoryChargerEventLog = field(default_factory=MemoryChargerEventLog)
    # The firmware table; the files themselves stay in moto's S3 (presigned URLs).
    file_tokens: MemoryFileTokens = field(default_factory=MemoryFileTokens)
    firmware_images: MemoryImageRepository = field(default_factory=MemoryImageRepository)
    upload_jobs: MemoryUploadJobs = field(default_factory=MemoryUploadJobs)
    campaigns: MemoryCampaignStore = field(default_factory=MemoryCampaignStore)
    site_loads: MemorySiteLoadStore = field(default_factory=MemorySiteLoadStore)
    site_load_history: MemorySiteLoadHistory = field(default_factory=MemorySiteLoadHistory)
    grid_signals: MemoryGridSignalStore = field(default_factory=MemoryGridSignalStore)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ledger: MemoryEnergyLedger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = MemoryEnergyLedger(self.transactions)
        self.commands.slots = self.chargers.slots  # one charger item holds both on DynamoDB

    def serialized(self, target: Any) -> Any:
        return Serialized(target, self.lock)

    def dependencies(self, aws: Any) -> Any:
        """`aws` (shared.bootstrap.Dependencies) with its DynamoDB adapters replaced."""
        s = self.serialized
        return dataclasses.replace(
            aws,
            chargers=s(self.chargers),
            connections=s(self.connections),
            connectors=s(self.connectors),
            id_tags=s(self.id_tags),
            transactions=s(self.transactions),
            transaction_events=s(self.transaction_events),
            energy=s(self.ledger),
            commands=s(self.commands),
            reservations=s(self.reservations),
            tariffs=s(self.tariffs),
            payment_records=s(self.payment_records),
            drivers=s(self.drivers),
            start_requests=s(self.start_requests),
            receipts=s(self.receipts),
            locations=s(self.locations),
            device_models=s(self.device_models),
            charger_events=s(self.charger_events),
            files=aws.files
            and dataclasses.replace(
                aws.files,
                tokens=s(self.file_tokens),
                images=s(self.firmware_images),
                uploads=s(self.upload_jobs),
            ),
            campaigns=s(self.campaigns),
            site_loads=s(self.site_loads),
            site_load_history=s(self.site_load_history),
            grid_signals=s(self.grid_signals),
        )


@contextmanager
def wired(store: MemoryStore) -> Iterator[None]:
    """While active, functions imported (cold-started) use `store` for their tables.

    The functions get their adapters from `shared.bootstrap.aws_dependencies` at import time;
    it is replaced by a version that builds the AWS adapters and swaps in the store's.
    """
    import shared.bootstrap

    aws_dependencies = shared.bootstrap.aws_dependencies

    def dependencies(settings: Settings) -> Any:
        return store.dependencies(aws_dependencies(settings))

    shared.bootstrap.aws_dependencies = dependencies
    try:
        yield
    finally:
        shared.bootstrap.aws_dependencies = aws_dependencies
