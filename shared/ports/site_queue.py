"""The port of the per-site allocation queue (docs/adr/0051-site-allocation-loop.md): a site
whose inputs changed is queued for one allocation, and a site that must be looked at again
later (a hold ends, the grid limit changes) asks for a wake-up.

- `enqueue` asks for an allocation of the site soon. Requests for one site within the same
  debounce window are one request, and a site's requests are handled one at a time, in
  order. On AWS: an SQS FIFO queue, the site as message group, the site and the window as
  deduplication id, and the queue's own delay (`DEBOUNCE_S`) so that the window's other
  triggers arrive before the allocation runs.
- `wake_at` asks for an allocation at a later moment. SQS FIFO queues have no per-message
  delay, so a wake-up travels through a standard queue with a per-message delay of at most
  `MAX_DELAY_S`; when it arrives, `due_in` says whether to `enqueue` the site now or to send
  the wake-up on again (a 4 h hold takes 16 hops). Wake-ups are at least once: a duplicate
  is one more allocation of the site, which changes nothing when its inputs did not change.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# The debounce window: every trigger of a site within it makes one allocation. 2 s keeps a
# session start's first profile well within the 3 s of issue #18 (point 8).
DEBOUNCE_S = 1
# The longest delay of one wake-up hop (SQS's DelaySeconds).
MAX_DELAY_S = 900
# A wake-up that arrives this close to its time counts as due (SQS delays are whole seconds).
DUE_TOLERANCE_S = 1.0

# What SQS takes as a message group or deduplication id: 1-128 printable ASCII characters.
_SQS_ID = re.compile(r"[!-~]{1,100}")


def group_id(site_id: str) -> str:
    """The site's message group: its id, or a digest of an id SQS would refuse."""
    if _SQS_ID.fullmatch(site_id):
        return site_id
    return "h-" + hashlib.sha256(site_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def dedup_id(site_id: str, now: datetime, window_s: int = DEBOUNCE_S) -> str:
    """The request's identity: the site and the debounce window it falls in."""
    return f"{group_id(site_id)}#{int(now.timestamp()) // window_s}"


@dataclass(frozen=True)
class WakeUp:
    """A request to allocate `site_id` at `due`."""

    site_id: str
    due: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"siteId": self.site_id, "due": self.due.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WakeUp:
        """ValueError for a body that is not a wake-up (it is dropped: nothing can fix it)."""
        site_id, due = data.get("siteId"), data.get("due")
        if not isinstance(site_id, str) or not site_id or not isinstance(due, str):
            raise ValueError(f"not a wake-up: {data!r}")
        at = datetime.fromisoformat(due)
        if at.tzinfo is None:
            raise ValueError(f"a wake-up's time has a zone: {due!r}")
        return cls(site_id, at)

    def due_in(self, now: datetime) -> int:
        """Seconds to wait still, as one hop's delay (0: due now; at most MAX_DELAY_S)."""
        remaining = (self.due - now).total_seconds()
        if remaining <= DUE_TOLERANCE_S:
            return 0
        return min(MAX_DELAY_S, math.ceil(remaining))


class SiteQueue(Protocol):
    def enqueue(self, site_id: str, now: datetime) -> None:
        """Queue the site for an allocation (collapsed with others of the same window)."""
        ...

    def wake_at(self, site_id: str, due: datetime, now: datetime) -> None:
        """Queue the site for an allocation at `due` (now or past: at once, debounced)."""
        ...
