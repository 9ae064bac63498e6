"""The memory store's pieces: one request at a time, and factories restored afterwards."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import shared.bootstrap
from local.memory_store import MemoryStore, Serialized, wired
from local.settings import LocalSettings
from shared.config import ConfigError
from shared.models.transaction import IdTagRecord, TransactionRecord
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
    original = shared.bootstrap.aws_dependencies
    store = MemoryStore()
    settings = make_settings()
    with wired(store):
        first = shared.bootstrap.aws_dependencies(settings)
        second = shared.bootstrap.aws_dependencies(settings)
        first.id_tags.put(IdTagRecord("SHARED", "Accepted"))
        seen = second.id_tags.get("SHARED")
        assert seen is not None and seen.status == "Accepted"
        # The operator side reads the same tables: one repository per table.
        assert shared.bootstrap.aws_services(settings).id_tag_admin.get("SHARED").id_tag == "SHARED"
        first.transactions.create(TransactionRecord("CP", "T1", status="completed"))
        assert first.energy.add_session_once("CP", "T1", "2030-01-01", 5)
        (day,) = second.energy.days("CP", "2030-01-01", "2030-01-01")
        assert (day.energy_wh, day.sessions) == (5, 1)
        # Streams, events and @connections stay the AWS adapters.
        assert type(first.publisher).__name__ == "EventBridgePublisher"
        assert type(first.telemetry).__name__ == "KinesisTelemetrySink"
        assert type(first.live_connections).__name__ == "ApiGatewayLiveConnections"
    assert shared.bootstrap.aws_dependencies is original


def behind(proxy: Any) -> Any:
    """What a Serialized proxy calls."""
    assert isinstance(proxy, Serialized)
    return proxy._target


def test_firmware_tables_are_in_memory_and_the_files_stay_in_s3() -> None:
    store = MemoryStore()
    settings = make_settings()
    with wired(store):
        services = shared.bootstrap.aws_services(settings)
        files = services.deps.files
        assert files is not None
        # Images, tokens, upload jobs and campaigns: the store's, seen by every function.
        assert services.firmware_campaigns is not None
        assert behind(services.firmware_campaigns.store) is store.campaigns
        assert behind(files.images) is store.firmware_images
        assert behind(files.tokens) is store.file_tokens
        assert behind(files.uploads) is store.upload_jobs
        # The files themselves: presigned URLs of the bucket, as on AWS.
        assert type(files.objects).__name__ == "S3FileObjects"


def test_the_site_loads_table_is_in_memory() -> None:
    store = MemoryStore()
    with wired(store):
        services = shared.bootstrap.aws_services(make_settings())
        assert services.site_models is not None
        assert behind(services.site_models.store) is store.site_loads


def test_the_store_setting_is_checked() -> None:
    assert LocalSettings.from_env({"LOCAL_STORE": "memory"}).store == "memory"
    assert LocalSettings.from_env({}).store == "moto"
    with pytest.raises(ConfigError, match="store must be one of moto, memory"):
        LocalSettings.from_env({"LOCAL_STORE": "redis"})
