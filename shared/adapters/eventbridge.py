"""Publishing domain events to the EventBridge bus: batched, with failed entries retried."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from shared.models.domain_events import DomainEvent
from shared.ports import EventPublishError

logger = logging.getLogger("csms.adapters.eventbridge")

MAX_ENTRIES_PER_CALL = 10  # PutEvents limit
ATTEMPTS = 3


class EventBridgePublisher:
    def __init__(self, client: Any, bus_name: str, source: str, backoff_s: float = 0.05) -> None:
        self._client = client
        self._bus = bus_name
        self._source = source
        self._backoff_s = backoff_s

    def _entry(self, event: DomainEvent) -> dict[str, Any]:
        return {
            "Source": self._source,
            "DetailType": event.detail_type,
            "Detail": json.dumps(event.full_detail(), separators=(",", ":")),
            "EventBusName": self._bus,
            "Time": event.time,
            "Resources": [],
        }

    def publish(self, events: Sequence[DomainEvent]) -> None:
        failed: list[DomainEvent] = []
        for start in range(0, len(events), MAX_ENTRIES_PER_CALL):
            failed.extend(self._publish_batch(list(events[start : start + MAX_ENTRIES_PER_CALL])))
        if failed:
            raise EventPublishError(failed, "EventBridge rejected them after retries")

    def _publish_batch(self, batch: list[DomainEvent]) -> list[DomainEvent]:
        pending = batch
        reason = ""
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                response = self._client.put_events(Entries=[self._entry(e) for e in pending])
            except Exception as exc:  # botocore already retried throttling and 5xx
                reason = str(exc)
                continue
            if not response.get("FailedEntryCount"):
                return []
            results = response.get("Entries", [])
            # Entries come back in request order; failed ones carry an ErrorCode.
            retry = [e for e, r in zip(pending, results, strict=False) if r.get("ErrorCode")]
            reason = "; ".join(
                f"{r.get('ErrorCode')}: {r.get('ErrorMessage')}"
                for r in results
                if r.get("ErrorCode")
            )
            pending = retry or pending
        logger.warning(
            "events failed after retries", extra={"count": len(pending), "reason": reason}
        )
        return pending
