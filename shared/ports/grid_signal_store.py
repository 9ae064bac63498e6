"""The port of a site's grid signals as stored (docs/adr/0050-grid-signals.md, "Wiring"): the
operator's schedule, the site's sources (OpenADR VTN, day-ahead price zone) and the signals
received from them.

Documents are held in their plain forms (the schedule's `OperatorSchedule.to_dict`, the
sources' API form); the store knows their keys and times, never their meaning
(shared/load_management/grid.py reads them).

Signals are kept per (source, group), the unit a source replaces:

- a poll's `SignalSnapshot` replaces every group of its source: its groups are written and the
  source's other groups removed, unless a group was written from something received later (a
  notification that overtook the poll);
- a notification's `SignalUpdate` replaces one group (a deletion leaves an empty group, so a
  late redelivery of an older update cannot bring it back).

Both are idempotent: the same snapshot or update applied twice leaves the same signals. A
group whose signals have all ended expires (TTL) and is ignored on read before that.

Beside them, per site: the bearer token the site's VTN notifications must carry (made once, on
first use, and kept), and the last grid limit announced (`LimitState`: what it was, and the
GridLimitChanged still to publish, as an outbox marker: written with the change, cleared once
published; docs/adr/0052).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.ports.grid_signals import (
    GridSignal,
    GridSignalSource,
    PriceFeed,
    SignalSnapshot,
    SignalUpdate,
)

Document = Mapping[str, Any]


@dataclass(frozen=True)
class StoredGridDocument:
    """A site's schedule or sources as stored: the plain form and when it was written."""

    site_id: str
    document: dict[str, Any]
    updated_at: str


@dataclass(frozen=True)
class LimitState:
    """The last grid limit announced for a site: its fingerprint (what makes two answers the
    same), a version (one more per change) and the event detail not yet published (None: it
    was)."""

    fingerprint: dict[str, Any]
    version: int
    pending: dict[str, Any] | None


@dataclass(frozen=True)
class SiteSources:
    """A site's sources opened from its stored settings: what the poller and webhook ask."""

    vtn: GridSignalSource | None = None
    prices: PriceFeed | None = None
    zone: str | None = None  # the price feed's bidding zone


class SourceOpener(Protocol):
    def __call__(self, site_id: str, document: Document) -> SiteSources:
        """The adapters for a site's sources document (secrets are read on first use)."""
        ...


class GridSignalStore(Protocol):
    def get_schedule(self, site_id: str) -> StoredGridDocument | None: ...

    def put_schedule(
        self, site_id: str, document: Document, updated_at: str
    ) -> StoredGridDocument: ...

    def delete_schedule(self, site_id: str) -> bool:
        """False when there was none."""
        ...

    def get_sources(self, site_id: str) -> StoredGridDocument | None: ...

    def put_sources(self, site_id: str, document: Document, updated_at: str) -> StoredGridDocument:
        """Store the site's sources and list the site among those polled."""
        ...

    def delete_sources(self, site_id: str) -> bool:
        """Remove the sources and the site from those polled; False when there were none."""
        ...

    def sites_with_sources(self) -> list[str]:
        """The sites whose sources are polled, in id order."""
        ...

    def signals(self, site_id: str, now: datetime) -> list[GridSignal]:
        """Every stored signal of the site not ended at `now`."""
        ...

    def put_snapshot(self, site_id: str, snapshot: SignalSnapshot) -> None:
        """Replace the source's signals by the snapshot's (see the module docstring)."""
        ...

    def put_update(self, site_id: str, update: SignalUpdate) -> bool:
        """Replace one group; False when a group received at that moment or later is stored
        (a redelivery or an older update: nothing changed)."""
        ...

    def webhook_token(self, site_id: str, create: bool = False) -> str | None:
        """The site's notification bearer token; with `create`, made (once: concurrent callers
        get the same) when there is none."""
        ...

    def limit_state(self, site_id: str) -> LimitState | None: ...

    def put_limit_state(
        self,
        site_id: str,
        fingerprint: dict[str, Any],
        pending: dict[str, Any],
        expected_version: int | None,
    ) -> LimitState | None:
        """Record a new limit and its event to publish, only over `expected_version` (None:
        only if there is none); None when another writer moved it on."""
        ...

    def clear_pending(self, site_id: str, version: int) -> None:
        """The event of `version` is published: drop it (not a newer version's)."""
        ...


def signal_document(signal: GridSignal) -> dict[str, Any]:
    """A signal's plain form as stored (times in ISO 8601 with their offset)."""
    data: dict[str, Any] = {
        "source": signal.source,
        "kind": signal.kind,
        "start": signal.start.isoformat(),
        "end": signal.end.isoformat() if signal.end else None,
        "receivedAt": signal.received_at.isoformat(),
        "group": signal.group,
    }
    if signal.amps is not None:
        data["amps"] = list(signal.amps)
    for name, value in (("watts", signal.watts), ("value", signal.value),
                        ("currency", signal.currency)):  # fmt: skip
        if value is not None:
            data[name] = value
    return data


def signal_of(data: Mapping[str, Any]) -> GridSignal:
    amps = data.get("amps")
    return GridSignal(
        source=str(data["source"]),
        kind=data["kind"],
        start=datetime.fromisoformat(data["start"]),
        end=datetime.fromisoformat(data["end"]) if data.get("end") else None,
        received_at=datetime.fromisoformat(data["receivedAt"]),
        amps=(float(amps[0]), float(amps[1]), float(amps[2])) if amps is not None else None,
        watts=data.get("watts"),
        value=data.get("value"),
        currency=data.get("currency"),
        group=str(data.get("group", "")),
    )


def groups_of(signals: tuple[GridSignal, ...]) -> dict[str, list[GridSignal]]:
    """A snapshot's signals by group, in the order given."""
    groups: dict[str, list[GridSignal]] = {}
    for signal in signals:
        groups.setdefault(signal.group, []).append(signal)
    return groups


TOMBSTONE_DAYS = 7  # a deleted group is remembered this long (a late redelivery changes nothing)


def expires_at(signals: list[GridSignal], received_at: datetime) -> int | None:
    """When a group may go (epoch seconds): a day after its last end; None while one of its
    signals is open-ended; an empty (deleted) group TOMBSTONE_DAYS after it was received."""
    if not signals:
        return int(received_at.timestamp()) + TOMBSTONE_DAYS * 86_400
    if any(s.end is None for s in signals):
        return None
    last = max(s.end for s in signals if s.end is not None)
    return int(last.timestamp()) + 86_400
