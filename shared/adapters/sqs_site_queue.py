"""The allocation queue on SQS (docs/adr/0051-site-allocation-loop.md).

- Allocation requests: a FIFO queue whose own delay is the debounce window. The site is the
  message group (one allocation of a site at a time, in order), the site and the window the
  deduplication id (every trigger of a window is one message: SQS drops the others for five
  minutes, longer than any window).
- Wake-ups: a standard queue, each message delayed up to 900 s (a FIFO queue cannot delay one
  message). Its consumer enqueues the site when the wake-up is due, or sends it on.

A failed send raises: the caller's event is then retried (an EventBridge target's retries, an
SQS batch item failure), and a repeated send of the same window is dropped by SQS.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from shared.ports.site_queue import WakeUp, dedup_id, group_id


class SqsSiteQueue:
    def __init__(self, client: Any, queue_url: str, wake_queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url
        self._wake_queue_url = wake_queue_url

    def enqueue(self, site_id: str, now: datetime) -> None:
        self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=json.dumps({"siteId": site_id}),
            MessageGroupId=group_id(site_id),
            MessageDeduplicationId=dedup_id(site_id, now),
        )

    def wake_at(self, site_id: str, due: datetime, now: datetime) -> None:
        wake_up = WakeUp(site_id, due)
        delay = wake_up.due_in(now)
        if delay == 0:
            self.enqueue(site_id, now)
            return
        self._client.send_message(
            QueueUrl=self._wake_queue_url,
            MessageBody=json.dumps(wake_up.to_dict()),
            DelaySeconds=delay,
        )
