"""boto3 clients are created once per process, also when the first callers come together."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from shared.adapters import aws_clients
from tests.fakes import make_settings


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(aws_clients, "get_settings", make_settings)
    aws_clients.forget_clients()
    yield
    aws_clients.forget_clients()


def test_concurrent_first_callers_share_one_client() -> None:
    start = threading.Barrier(8)
    clients: list[Any] = []

    def first_use() -> None:
        start.wait()
        clients.append(aws_clients.client("sts", "http://127.0.0.1:9"))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(clients) == 8
    assert len({id(c) for c in clients}) == 1


def test_forgetting_gives_a_new_client() -> None:
    first = aws_clients.client("sts", "http://127.0.0.1:9")
    assert aws_clients.client("sts", "http://127.0.0.1:9") is first
    aws_clients.forget_clients()
    assert aws_clients.client("sts", "http://127.0.0.1:9") is not first
