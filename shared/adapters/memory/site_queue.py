"""The allocation queue in memory: the requests in order, collapsed per site and window, and
the wake-ups asked for (a test moves time and calls `due` to fire them)."""

from __future__ import annotations

from datetime import datetime

from shared.ports.site_queue import WakeUp, dedup_id


class MemorySiteQueue:
    def __init__(self) -> None:
        # (site id, deduplication id) in the order they were queued.
        self.queued: list[tuple[str, str]] = []
        self.wake_ups: list[WakeUp] = []
        self._seen: set[str] = set()

    def enqueue(self, site_id: str, now: datetime) -> None:
        key = dedup_id(site_id, now)
        if key in self._seen:
            return
        self._seen.add(key)
        self.queued.append((site_id, key))

    def wake_at(self, site_id: str, due: datetime, now: datetime) -> None:
        if due <= now:
            self.enqueue(site_id, now)
            return
        self.wake_ups.append(WakeUp(site_id, due))

    def take(self) -> list[str]:
        """The sites queued so far (and forget them)."""
        sites = [site for site, _ in self.queued]
        self.queued.clear()
        return sites

    def fire(self, now: datetime) -> list[WakeUp]:
        """Enqueue the wake-ups due at `now`; the fired ones."""
        due = [w for w in self.wake_ups if w.due_in(now) == 0]
        self.wake_ups = [w for w in self.wake_ups if w.due_in(now) != 0]
        for wake_up in due:
            self.enqueue(wake_up.site_id, now)
        return due
