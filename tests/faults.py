"""AWS faults injected into real boto3 clients (over moto) through botocore's event hooks.

A `Fault` makes chosen calls of one operation fail: before they reach the service (nothing
happened) or after (the call took effect, the caller sees an error: a lost response). botocore's
retries are not involved: the error is what the caller gets once they are used up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

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
    service = client.meta.service_model.service_name
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
