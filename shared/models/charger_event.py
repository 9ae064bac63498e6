"""What a charger reported about itself: NotifyEvent entries (2.0.1) and security events
(2.0.1 and the 1.6 security extension), and its other 2.0.1 notifications (monitoring and
customer reports, display messages, charging limits, EV charging needs and schedules, charging
profile reports, firmware publishing), kept per charger for a while (docs/adr/0036)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

ChargerEventKind = Literal[
    "event",
    "security",
    "monitoring",
    "customer",
    "display",
    "charging-limit",
    "ev-needs",
    "ev-schedule",
    "charging-profiles",
    "firmware-publish",
]
CHARGER_EVENT_KINDS: tuple[ChargerEventKind, ...] = get_args(ChargerEventKind)
# The kinds of notifications, as opposed to NotifyEvent entries and security events.
NOTIFICATION_KINDS = frozenset(CHARGER_EVENT_KINDS) - {"event", "security"}


@dataclass(frozen=True)
class ChargerEvent:
    """One stored event. `event_key` orders a charger's events of one kind and names the event
    (`<timestamp>#<eventId>` or `<timestamp>#<type>`): a resend of the same event writes the
    same key, so it overwrites instead of adding a second one."""

    charge_point_id: str
    kind: ChargerEventKind
    event_key: str
    # The charger's time of the event (UTC, ISO 8601 with milliseconds).
    timestamp: str
    received_at: str
    # The event as reported, in the API's field names (NotifyEvent's eventData entry, or
    # type/techInfo of a security event), plus seqNo/tbc of the message that carried it.
    detail: dict[str, Any] = field(default_factory=dict)
    expires_at: int = 0

    @property
    def sort_key(self) -> str:
        return f"{self.kind}#{self.event_key}"
