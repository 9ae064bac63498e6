"""boto3 clients, created once per process with a time budget that fits inside the function.

boto3 is imported here only, so logic modules stay free of it. Endpoints come from the
standard AWS_ENDPOINT_URL variables (local mode points them at the embedded moto server).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, Protocol

from shared.config import get_settings

_creating = threading.Lock()

# The time budget of one AWS call: an attempt connects within CONNECT_TIMEOUT_S and reads its
# answer within READ_TIMEOUT_S, and botocore tries MAX_ATTEMPTS times (standard mode, with
# jittered backoff). Every attempt also has to fit the invocation's deadline (below).
CONNECT_TIMEOUT_S = 1
READ_TIMEOUT_S = 2
MAX_ATTEMPTS = 3
# No attempt starts with less left than one attempt can take plus the time to answer.
ATTEMPT_MARGIN_S = CONNECT_TIMEOUT_S + READ_TIMEOUT_S + 0.5

_deadline: ContextVar[float | None] = ContextVar("aws_call_deadline", default=None)


class DeadlineExceeded(TimeoutError):
    """Not enough of the invocation is left for another AWS call: give up cleanly (the router
    answers InternalError, the charger retries) rather than be killed mid-write."""


class HasRemainingTime(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


@contextmanager
def invocation_deadline(context: HasRemainingTime | None) -> Iterator[None]:
    """While active, AWS calls in this thread start only if an attempt still fits."""
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        yield
        return
    ends_at = time.monotonic() + context.get_remaining_time_in_millis() / 1000
    token = _deadline.set(ends_at - ATTEMPT_MARGIN_S)
    try:
        yield
    finally:
        _deadline.reset(token)


def _check_deadline(**_: Any) -> None:
    """botocore's before-send: every attempt, retries included."""
    last_start = _deadline.get()
    if last_start is not None and time.monotonic() > last_start:
        raise DeadlineExceeded("no time left in this invocation for another AWS call")


def client(service: str, endpoint_url: str | None = None, *, interactive: bool = False) -> Any:
    """The process's client for `service`, created once (per endpoint and profile).

    `interactive` clients answer an operator's request: short timeouts and no retries, so a
    slow dependency shows as "unknown" instead of holding the answer up.

    Creating one reads the service's model files (~100 ms). `cache` alone lets concurrent
    first callers each build their own; where invocations share a process (the local
    platform's threads) a burst of cold invocations did that at once and ran past their
    timeouts. On Lambda the lock is never contended.
    """
    with _creating:
        return _client(service, endpoint_url, interactive)


def forget_clients() -> None:
    """Drop the created clients (a new local deployment, a benchmark run)."""
    _client.cache_clear()


@cache
def _client(service: str, endpoint_url: str | None, interactive: bool) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "max_attempts": 1 if interactive else MAX_ATTEMPTS},
        tcp_keepalive=True,
        # One connection per concurrent caller: Lambda has one, the local platform runs the
        # handlers in a pool of threads that share these clients.
        max_pool_connections=64,
    )
    if service == "s3":
        # Presigned URLs: SigV4; by path where the endpoint is not AWS's (moto on a port).
        local = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        config = config.merge(
            Config(signature_version="s3v4", s3={"addressing_style": "path" if local else "auto"})
        )
    made = boto3.session.Session().client(
        service,  # type: ignore[call-overload]  # the service name is a runtime value
        region_name=get_settings().region,
        config=config,
        endpoint_url=endpoint_url,
    )
    made.meta.events.register("before-send", _check_deadline)
    return made


def error_code(exc: Exception) -> str | None:
    """The AWS error code of a botocore ClientError, None for anything else."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


class LazyClient:
    """A boto3 client created on first use.

    Importing boto3 and loading a service model costs ~100-150 ms; a cold Lambda whose first
    message is a Heartbeat (which touches no AWS service) should not pay for it.
    """

    def __init__(
        self, service: str, endpoint_url: str | None = None, *, interactive: bool = False
    ) -> None:
        self._service = service
        self._endpoint_url = endpoint_url
        self._interactive = interactive
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            self._client = client(self._service, self._endpoint_url, interactive=self._interactive)
        return getattr(self._client, name)
