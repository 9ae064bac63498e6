"""In-memory grid signal store, for unit tests and the local memory store: the same rules as
the DynamoDB adapter (a group newer-wins, a snapshot replaces its source, ended signals
ignored), under one lock."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.ports.grid_signal_store import (
    Document,
    LimitState,
    StoredGridDocument,
    groups_of,
)
from shared.ports.grid_signals import GridSignal, SignalSnapshot, SignalUpdate


def _copy(document: Document) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(document, allow_nan=False))
    return copied


@dataclass(frozen=True)
class _Group:
    received_at: datetime
    signals: tuple[GridSignal, ...]


class MemoryGridSignalStore:
    def __init__(self) -> None:
        self.schedules: dict[str, StoredGridDocument] = {}
        self.sources: dict[str, StoredGridDocument] = {}
        self.groups: dict[str, dict[tuple[str, str], _Group]] = {}
        self.tokens: dict[str, str] = {}
        self.limits: dict[str, LimitState] = {}
        self._lock = threading.Lock()

    def get_schedule(self, site_id: str) -> StoredGridDocument | None:
        return self.schedules.get(site_id)

    def put_schedule(self, site_id: str, document: Document, updated_at: str) -> StoredGridDocument:
        stored = StoredGridDocument(site_id, _copy(document), updated_at)
        self.schedules[site_id] = stored
        return stored

    def delete_schedule(self, site_id: str) -> bool:
        return self.schedules.pop(site_id, None) is not None

    def get_sources(self, site_id: str) -> StoredGridDocument | None:
        return self.sources.get(site_id)

    def put_sources(self, site_id: str, document: Document, updated_at: str) -> StoredGridDocument:
        stored = StoredGridDocument(site_id, _copy(document), updated_at)
        self.sources[site_id] = stored
        return stored

    def delete_sources(self, site_id: str) -> bool:
        return self.sources.pop(site_id, None) is not None

    def sites_with_sources(self) -> list[str]:
        return sorted(self.sources)

    def signals(self, site_id: str, now: datetime) -> list[GridSignal]:
        with self._lock:
            groups = list(self.groups.get(site_id, {}).values())
        return [s for g in groups for s in g.signals if s.end is None or s.end > now]

    def put_snapshot(self, site_id: str, snapshot: SignalSnapshot) -> None:
        with self._lock:
            groups = self.groups.setdefault(site_id, {})
            fresh = groups_of(snapshot.signals)
            for key in [k for k in groups if k[0] == snapshot.source and k[1] not in fresh]:
                if groups[key].received_at <= snapshot.received_at:
                    del groups[key]
            for group, signals in fresh.items():
                key = (snapshot.source, group)
                current = groups.get(key)
                if current is None or current.received_at <= snapshot.received_at:
                    groups[key] = _Group(snapshot.received_at, tuple(signals))

    def put_update(self, site_id: str, update: SignalUpdate) -> bool:
        with self._lock:
            groups = self.groups.setdefault(site_id, {})
            key = (update.source, update.group)
            current = groups.get(key)
            if current is not None and current.received_at >= update.received_at:
                return False
            signals = () if update.deleted else update.signals
            groups[key] = _Group(update.received_at, tuple(signals))
            return True

    def webhook_token(self, site_id: str, create: bool = False) -> str | None:
        with self._lock:
            if create and site_id not in self.tokens:
                self.tokens[site_id] = secrets.token_urlsafe(32)
            return self.tokens.get(site_id)

    def limit_state(self, site_id: str) -> LimitState | None:
        return self.limits.get(site_id)

    def put_limit_state(
        self,
        site_id: str,
        fingerprint: dict[str, Any],
        pending: dict[str, Any],
        expected_version: int | None,
    ) -> LimitState | None:
        with self._lock:
            current = self.limits.get(site_id)
            if (current.version if current else None) != expected_version:
                return None
            state = LimitState(_copy(fingerprint), (expected_version or 0) + 1, _copy(pending))
            self.limits[site_id] = state
            return state

    def clear_pending(self, site_id: str, version: int) -> None:
        with self._lock:
            current = self.limits.get(site_id)
            if current is not None and current.version == version:
                self.limits[site_id] = LimitState(current.fingerprint, version, None)
