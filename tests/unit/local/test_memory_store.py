"""The memory store's pieces: one request at a time, and factories restored afterwards."""

from __future__ import annotations

import threading
import time

import pytest

import shared.api.operator
import shared.registry.wiring
import shared.wiring
from local.memory_store import MemoryStore, Serialized, wired
from local.settings import LocalSettings
from shared.config import ConfigError
from shared.models.transaction import IdTagRecord
from tests.fakes import make_settings


class Recorder:
    """Counts how many callers are inside `work` at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self.label = "not a method"

    def work(self) -> None:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        time.sleep(0.005)
        self.inside -= 1


def test_serialized_runs_one_call_at_a_time_and_passes_attributes_through() -> None:
    recorder = Recorder()
    proxy = Serialized(recorder, threading.RLock())
    threads = [threading.Thread(target=proxy.work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert recorder.most_inside == 1
    assert proxy.label == "not a method"


def test_unserialized_calls_do_overlap() -> None:
    # The check above can fail: without the proxy the same calls run together.
    recorder = Recorder()
    threads = [threading.Thread(target=recorder.work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert recorder.most_inside > 1


def test_wired_functions_share_the_store_and_the_factories_come_back() -> None:
    originals = (
        shared.wiring.aws_dependencies,
        shared.wiring.aws_energy_ledger,
        shared.registry.wiring.aws_registry,
        vars(shared.api.operator)["aws_registry"],
    )
    store = MemoryStore()
    settings = make_settings()
    with wired(store):
        first = shared.wiring.aws_dependencies(settings)
        second = shared.wiring.aws_dependencies(settings)
        first.id_tags.put(IdTagRecord("SHARED", "Accepted"))
        seen = second.id_tags.get("SHARED")
        assert seen is not None and seen.status == "Accepted"
        registry = vars(shared.api.operator)["aws_registry"](settings)
        assert registry.id_tags.get("SHARED") is not None
        # Streams, events and @connections stay the AWS adapters.
        assert type(first.publisher).__name__ == "EventBridgePublisher"
        assert type(first.telemetry).__name__ == "KinesisTelemetrySink"
    assert (
        shared.wiring.aws_dependencies,
        shared.wiring.aws_energy_ledger,
        shared.registry.wiring.aws_registry,
        vars(shared.api.operator)["aws_registry"],
    ) == originals


def test_the_store_setting_is_checked() -> None:
    assert LocalSettings.from_env({"LOCAL_STORE": "memory"}).store == "memory"
    assert LocalSettings.from_env({}).store == "moto"
    with pytest.raises(ConfigError, match="store must be one of moto, memory"):
        LocalSettings.from_env({"LOCAL_STORE": "redis"})
