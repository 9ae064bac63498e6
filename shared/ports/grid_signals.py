"""What a site's grid signals come from: an OpenADR 3 VTN (polled, or pushing notifications
to a subscription) and a day-ahead price feed (docs/adr/0050-grid-signals.md).

A signal is one value over one interval: an import (or export) limit in amperes per phase
and/or watts, a price per kWh in a currency, or a carbon intensity in gCO2/kWh. It says which
source published it (`source`), under which key the source replaces it (`group`: an OpenADR
event, a day's prices) and when it was received. The records live here, beside the ports
that carry them; shared/grid_signals/ resolves them into the limit and the price and carbon
series a site follows.

Adapters: shared/adapters/openadr.py (OpenADR 3 VEN over HTTP; the local platform and the
tests talk to local/fake_vtn.py), shared/adapters/entsoe.py (ENTSO-E day-ahead prices).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

SignalKind = Literal["import_limit", "export_limit", "price", "carbon"]
SIGNAL_KINDS: tuple[SignalKind, ...] = ("import_limit", "export_limit", "price", "carbon")
LIMIT_KINDS: tuple[SignalKind, ...] = ("import_limit", "export_limit")


class SignalError(ValueError):
    """A signal that cannot be: every problem, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


@dataclass(frozen=True)
class GridSignal:
    """One value over [start, end) (end None: until further notice). Times are aware."""

    source: str
    kind: SignalKind
    start: datetime
    end: datetime | None
    received_at: datetime
    amps: tuple[float, float, float] | None = None  # a limit per grid phase L1, L2, L3 (A)
    watts: float | None = None  # a limit on the connection's total power (W)
    value: float | None = None  # price per kWh, or gCO2 per kWh
    currency: str | None = None  # ISO 4217, prices only
    group: str = ""  # what the source replaces together (an OpenADR event id, a day)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise SignalError(problems)

    def problems(self) -> list[str]:
        found: list[str] = []
        if self.kind not in SIGNAL_KINDS:
            found.append(f"kind {self.kind!r} is not one of {', '.join(SIGNAL_KINDS)}")
        for name, moment in (("start", self.start), ("received_at", self.received_at)):
            if moment.tzinfo is None:
                found.append(f"{name} has no time zone")
        if self.end is not None:
            if self.end.tzinfo is None:
                found.append("end has no time zone")
            elif self.start.tzinfo is not None and self.end <= self.start:
                found.append("end is not after start")
        if self.kind in LIMIT_KINDS:
            if self.amps is None and self.watts is None:
                found.append("a limit needs amps per phase or watts")
            if self.amps is not None and (
                len(self.amps) != 3 or not all(_finite(a) and a >= 0 for a in self.amps)
            ):
                found.append("amps must be three finite values >= 0 (L1, L2, L3)")
            if self.watts is not None and not (_finite(self.watts) and self.watts >= 0):
                found.append("watts must be a finite value >= 0")
        elif self.value is None or not _finite(self.value):
            found.append(f"a {self.kind} signal needs a finite value")
        if self.kind == "carbon" and self.value is not None and self.value < 0:
            found.append("carbon intensity cannot be negative")
        return found

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True)
class SignalSnapshot:
    """Everything one source publishes at the moment it was asked: it replaces all earlier
    signals of that source (a poll sees withdrawn events by their absence)."""

    source: str
    received_at: datetime
    signals: tuple[GridSignal, ...]


@dataclass(frozen=True)
class SignalUpdate:
    """One pushed change: the signals of `group` are replaced by `signals` (none: deleted)."""

    source: str
    group: str
    received_at: datetime
    signals: tuple[GridSignal, ...]
    deleted: bool = False


@dataclass(frozen=True)
class NotificationOutcome:
    """What the webhook answers: 200 with an update (or none: nothing for us), 400 with the
    problems of a malformed notification, 401 for a missing or wrong token."""

    status: int
    update: SignalUpdate | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)


class GridSignalUnavailable(Exception):
    """The source could not be asked (network, HTTP error, unreadable answer): keep the
    signals received before and try again later."""


class GridSignalSource(Protocol):
    """A publisher of limits, prices and carbon intensities (an OpenADR 3 VTN)."""

    def poll(self) -> SignalSnapshot: ...

    def subscribe(self, callback_url: str, bearer_token: str) -> str | None:
        """Ask to be notified of changes; the subscription's id, or None when the source
        does not take subscriptions (then polling is all there is)."""
        ...

    def notification(
        self, headers: dict[str, str], body: bytes | str, bearer_token: str
    ) -> NotificationOutcome: ...


class PriceFeed(Protocol):
    """Day-ahead prices of a bidding zone."""

    def prices(self, zone: str, start: datetime, end: datetime) -> list[GridSignal]:
        """The prices over [start, end) in the feed's own resolution, per kWh; empty when
        none are published yet. Raises GridSignalUnavailable."""
        ...
