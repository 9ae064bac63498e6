"""Grid signals in: the poller's run over every site with sources, a VTN's notification to a
site's webhook, and the GridLimitChanged that follows when a site's limit changed
(docs/adr/0052-grid-signal-wiring.md).

Delivery contract (the outbox of ADR 0019, on the site's `GRID#LIMIT` record):

1. What a source says is stored first (a poll's snapshot, a notification's update: both
   idempotent, the newer received wins).
2. `settle` then resolves the site's limit now. When it differs from the last one announced,
   the new one and its event are written in ONE conditional write (version + 1): the event is
   the record's `pending` marker.
3. A pending event is published, then cleared (only that version's).

A function that dies after 1 or 2 loses nothing: the next poll (every 5 minutes) or the VTN's
redelivery (we answered 5xx) runs `settle` again, which finds the limit announced with its
event still pending and publishes that same detail, so the same `eventId`. A redelivered
notification or a second poll of the same signals finds the limit unchanged: nothing is
published twice. One site failing never stops the others' poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from shared.grid_signals import GridLimit
from shared.load_management.grid import (
    GridLimits,
    amps_document,
    binding_source,
    limit_fingerprint,
)
from shared.models.domain_events import GRID_LIMIT_CHANGED, DomainEvent
from shared.ports.grid_signal_store import GridSignalStore, LimitState, SourceOpener
from shared.ports.grid_signals import GridSignalUnavailable, NotificationOutcome, SignalSnapshot
from shared.ports.publishing import EventPublisher
from shared.timeutil import iso_utc

logger = logging.getLogger("csms.load_management.grid_feed")

PRICE_SOURCE = "entsoe"
PRICE_DAYS = 2  # today and tomorrow (day-ahead prices appear around noon)
WEBHOOK_PATH = "/webhooks/openadr"


class SitePollFailed(RuntimeError):
    """A source of the site could not be asked; what the others said is stored."""


class LimitContention(RuntimeError):
    """The site's limit record kept moving under us: retried by the next run."""


@dataclass(frozen=True)
class PollReport:
    polled: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)


def callback_url(base_url: str, site_id: str) -> str:
    return f"{base_url.rstrip('/')}{WEBHOOK_PATH}?site={quote(site_id, safe='')}"


def event_detail(
    site_id: str, limit: GridLimit | None, next_change: datetime | None, now: datetime
) -> dict[str, Any]:
    """GridLimitChanged's detail (shared.models.event_catalogue.GridLimitChanged)."""
    return {
        "locationId": site_id,
        "limited": bool(limit and limit.limited),
        "limitA": amps_document(limit.amps) if limit else None,
        "allocatorLimitA": amps_document(limit.allocator_amps) if limit else None,
        "source": binding_source(limit) if limit else None,
        "sources": list(limit.sources) if limit else None,
        "upcomingAt": iso_utc(limit.upcoming_at) if limit and limit.upcoming_at else None,
        "nextChange": iso_utc(next_change) if next_change else None,
        "receivedAt": iso_utc(now),
    }


def limit_event(detail: dict[str, Any]) -> DomainEvent:
    moment = datetime.fromisoformat(str(detail["receivedAt"]).replace("Z", "+00:00"))
    return DomainEvent(GRID_LIMIT_CHANGED, "", moment, detail)


@dataclass
class GridFeed:
    store: GridSignalStore
    limits: GridLimits
    publisher: EventPublisher
    open_sources: SourceOpener
    now: Callable[[], datetime]
    # The HTTP API's public URL: where VTNs send notifications; empty: poll only.
    webhook_base_url: str = ""

    def settle(self, site_id: str) -> bool:
        """Announce the site's limit if it changed, and publish what is pending (see the
        module docstring); True when an event was published."""
        now = self.now()
        limit, next_change = self.limits.grid_limit_for(site_id, now)
        fingerprint = limit_fingerprint(limit, next_change)
        state = self.store.limit_state(site_id)
        for _ in range(3):
            if state is not None and state.fingerprint == fingerprint:
                break
            if state is None and limit is None:
                return False  # never limited: nothing to announce
            detail = event_detail(site_id, limit, next_change, now)
            written = self.store.put_limit_state(
                site_id, fingerprint, detail, state.version if state else None
            )
            if written is not None:
                state = written
                break
            state = self.store.limit_state(site_id)  # another run moved it on: compare again
        else:
            raise LimitContention(site_id)
        assert state is not None
        return self._publish_pending(site_id, state)

    def _publish_pending(self, site_id: str, state: LimitState) -> bool:
        if state.pending is None:
            return False
        # Raises EventPublishError: the marker stays and the next run publishes it.
        self.publisher.publish([limit_event(state.pending)])
        self.store.clear_pending(site_id, state.version)
        return True

    def poll_site(self, site_id: str) -> bool:
        """Ask the site's sources, store what they say, settle; True when an event was
        published. Raises SitePollFailed after storing what the reachable sources said."""
        stored = self.store.get_sources(site_id)
        if stored is None:
            return self.settle(site_id)
        sources = self.open_sources(site_id, stored.document)
        unavailable: list[str] = []
        if sources.vtn is not None:
            try:
                self.store.put_snapshot(site_id, sources.vtn.poll())
            except GridSignalUnavailable as error:
                unavailable.append(f"VTN: {error}")
            if self.webhook_base_url:
                token = self.store.webhook_token(site_id, create=True)
                assert token is not None
                try:
                    sources.vtn.subscribe(callback_url(self.webhook_base_url, site_id), token)
                except GridSignalUnavailable as error:
                    reason = {"siteId": site_id, "reason": str(error)}
                    logger.warning("VTN subscription failed", extra=reason)
        if sources.prices is not None and sources.zone:
            now = self.now()
            start = datetime.combine(now.date(), time(0), now.tzinfo)
            try:
                prices = sources.prices.prices(
                    sources.zone, start, start + timedelta(days=PRICE_DAYS)
                )
                self.store.put_snapshot(site_id, SignalSnapshot(PRICE_SOURCE, now, tuple(prices)))
            except GridSignalUnavailable as error:
                unavailable.append(f"prices: {error}")
        published = self.settle(site_id)
        if unavailable:
            raise SitePollFailed(f"{site_id}: " + "; ".join(unavailable))
        return published

    def poll_all(self) -> PollReport:
        """One poller run: every site with sources, each on its own (a failure is logged and
        counted, the others go on)."""
        report = PollReport()
        for site_id in self.store.sites_with_sources():
            try:
                if self.poll_site(site_id):
                    report.published.append(site_id)
                report.polled.append(site_id)
            except Exception:
                logger.exception("grid poll failed", extra={"siteId": site_id})
                report.failed.append(site_id)
        return report

    def notification(
        self, site_id: str, headers: dict[str, str], body: bytes | str
    ) -> NotificationOutcome:
        """A VTN's notification for a site: 404 for a site without a VTN, 401 without the
        site's bearer token, 400 for what cannot be read (nothing stored in either case);
        otherwise the update is stored and the limit settled, then 200."""
        stored = self.store.get_sources(site_id) if site_id else None
        token = self.store.webhook_token(site_id) if stored else None
        if stored is None or "openadr" not in stored.document:
            return NotificationOutcome(404, problems=("no OpenADR source for this site",))
        # Only the VTN is opened: a notification never needs the price feed's credentials.
        vtn = self.open_sources(site_id, {"openadr": stored.document["openadr"]}).vtn
        if vtn is None:
            return NotificationOutcome(404, problems=("no OpenADR source for this site",))
        outcome = vtn.notification(headers, body, token or "")
        if outcome.status != 200:
            return outcome
        if outcome.update is not None:
            self.store.put_update(site_id, outcome.update)
        self.settle(site_id)
        return outcome
