"""AWS faults injected into real boto3 clients (over moto) through botocore's event hooks.

A `Fault` makes chosen calls of one operation fail: before they reach the service (nothing
happened) or after (the call took effect, the caller sees an error: a lost response). botocore's
retries are not involved: the error is what the caller gets once they are used up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from botocore.exceptions import ClientError


@dataclass
class Fault:
    operation: str  # botocore's operation name, e.g. "TransactWriteItems", "PutRecord"
    code: str = "ThrottlingException"
    after: bool = False  # fail after the call took effect
    first: int = 1  # the first matching call that fails (1 = the next one)
    times: int = 1  # how many matching calls fail from there
    response: dict[str, Any] = field(default_factory=dict)  # more of the error response
    seen: int = 0
    raised: int = 0

    def _error(self) -> ClientError:
        body = {"Error": {"Code": self.code, "Message": f"injected {self.code}"}, **self.response}
        return ClientError(body, self.operation)  # type: ignore[arg-type]

    def _due(self) -> bool:
        self.seen += 1
        return self.first <= self.seen < self.first + self.times

    def before(self, **_: Any) -> None:
        if not self.after and self._due():
            self.raised += 1
            raise self._error()

    def after_call(self, **_: Any) -> None:
        if self.after and self._due():
            self.raised += 1
            raise self._error()


@contextmanager
def injected(client: Any, *faults: Fault) -> Iterator[tuple[Fault, ...]]:
    """While active, `client`'s calls fail as the faults say."""
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    hooks = []
    for fault in faults:
        for stage, handler in (("before-call", fault.before), ("after-call", fault.after_call)):
            name = f"{stage}.{service}.{fault.operation}"
            events.register(name, handler)
            hooks.append((name, handler))
    try:
        yield faults
    finally:
        for name, handler in hooks:
            events.unregister(name, handler)


@dataclass
class NthCall:
    """Fail the n-th AWS call (1-based) of any operation of the given clients, before it
    reaches the service or after it took effect; records every call it sees."""

    n: int
    after: bool = False
    code: str = "ThrottlingException"
    calls: list[str] = field(default_factory=list)
    failed: str | None = None

    def _hit(self, model: Any) -> bool:
        return len(self.calls) == self.n and self.failed is None

    def before(self, model: Any, **_: Any) -> None:
        self.calls.append(f"{model.service_model.service_name}:{model.name}")
        if not self.after and self._hit(model):
            self.failed = self.calls[-1]
            raise ClientError(
                {"Error": {"Code": self.code, "Message": "injected"}},
                model.name,
            )

    def after_call(self, model: Any, **_: Any) -> None:
        if self.after and self._hit(model):
            self.failed = self.calls[-1]
            raise ClientError(
                {"Error": {"Code": self.code, "Message": "injected"}},
                model.name,
            )


class CallHooks(Protocol):
    """Hooks that see every call of some clients, before it is sent and after it returned."""

    def before(self, model: Any, **_: Any) -> None: ...

    def after_call(self, model: Any, **_: Any) -> None: ...


H = TypeVar("H", bound=CallHooks)


@contextmanager
def nth_call_fails(clients: list[Any], fault: H) -> Iterator[H]:
    """While active, every call of `clients` goes through `fault`'s hooks (an NthCall, or any
    other plan of which calls fail)."""
    hooks = [
        (client.meta.events, stage, handler)
        for client in clients
        for stage, handler in (("before-call", fault.before), ("after-call", fault.after_call))
    ]
    for events, stage, handler in hooks:
        events.register(stage, handler)
    try:
        yield fault
    finally:
        for events, stage, handler in hooks:
            events.unregister(stage, handler)
