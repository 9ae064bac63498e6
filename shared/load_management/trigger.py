"""What starts a site's allocation (docs/adr/0051-site-allocation-loop.md): the domain events
that change a site's inputs update the live state of the EVSEs they name and queue the site.

- TransactionStarted: the EVSE is in session since `startedAt` (the car's demand, phases
  and measurement unknown again).
- TransactionStopped: the EVSE has no session.
- ChargerConnected, ChargerBooted (Accepted): every EVSE of the charger is responsive; a boot
  also asks the allocator for the fallback layer again (`bootedAtMs`).
- ChargerDisconnected: every EVSE of the charger is unresponsive (its worst case reserved).
- ConnectorStatusChanged to a status that takes the EVSE out of service (OUT_OF_SERVICE),
  EvseControlLost/Restored, ChargingLimitChanged: no live change; the charger's site is
  queued. Other statuses follow sessions, which have their own events: they are not
  delivered (the rule filters them) and ignored here.
- EVChargingNeedsReceived answered Accepted: the EVSE's `needsAtMs`, which asks the
  allocator to send the session's limit again as a schedule (docs/adr/0054).
- SiteModelChanged, GridLimitChanged: the site they name (`siteId`, `locationId`) is queued.

MeterValues never trigger an allocation (they are not on this list).

- **Which site**: the location the charger belongs to (one read of the locations' claim), and
  only if that location has an electrical model (the site's records, one Query, which the
  live state needs anyway). A charger at no location costs that one GetItem and nothing else.
- **Newest wins, idempotent**: a live state is written only when the event changes it, and
  only if no state from an event at the same time or later is stored (a conditional write on
  the event's time): a redelivered event writes nothing, an older one arriving late changes
  nothing. Each event states part of an EVSE's state, so a late event that lost the race
  to a newer one of another kind is lost with it; every such loss leaves the site safe (a
  session taken for no session is reserved at its default; a disconnected charger taken as
  connected fails its command and is held), and the EVSE's next event repairs it.
- **Queued once per window**: the site is queued after the write (or when there was nothing
  to write): a failure raises, the event is delivered again, and its second request collapses
  with the first in the debounce window.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from shared.models.domain_events import (
    CHARGER_BOOTED,
    CHARGER_CONNECTED,
    CHARGER_DISCONNECTED,
    CHARGING_LIMIT_CHANGED,
    CONNECTOR_STATUS_CHANGED,
    EV_CHARGING_NEEDS_RECEIVED,
    EVSE_CONTROL_LOST,
    EVSE_CONTROL_RESTORED,
    GRID_LIMIT_CHANGED,
    SITE_MODEL_CHANGED,
    TRANSACTION_STARTED,
    TRANSACTION_STOPPED,
)
from shared.ports.locations import LocationRepository
from shared.ports.site_loads import EvseAddress, SiteLoadStore
from shared.ports.site_queue import SiteQueue, WakeUp
from shared.smart_charging.site import EvseLive
from shared.timeutil import parse_timestamp, to_epoch_ms

logger = logging.getLogger("csms.load_management.trigger")

# Kept in an EVSE's stored live state beside EvseLive's fields: the time of the charger's
# last accepted boot, which asks the allocator to send the fallback layer again.
BOOTED_AT_MS = "bootedAtMs"
# And the time of the latest charging needs its car sent and was promised a schedule for
# (EVChargingNeedsReceived, answer Accepted): the allocator sends the session's limit again,
# scheduled (docs/adr/0054).
NEEDS_AT_MS = "needsAtMs"
# And the id of the transaction the EVSE's session runs under (2.0.1 TxProfiles name it): the
# allocator checks it against the transactions store (one GetItem) before sending a limit.
TRANSACTION_ID = "transactionId"

CHARGER_EVENTS = (
    TRANSACTION_STARTED,
    TRANSACTION_STOPPED,
    CONNECTOR_STATUS_CHANGED,
    CHARGER_CONNECTED,
    CHARGER_DISCONNECTED,
    CHARGER_BOOTED,
    EVSE_CONTROL_LOST,
    EVSE_CONTROL_RESTORED,
    CHARGING_LIMIT_CHANGED,
    EV_CHARGING_NEEDS_RECEIVED,
)
SITE_EVENTS = (SITE_MODEL_CHANGED, GRID_LIMIT_CHANGED)
OUT_OF_SERVICE = ("Faulted", "Unavailable")
# The detail types the trigger's EventBridge rule delivers.
DETAIL_TYPES = CHARGER_EVENTS + SITE_EVENTS

Outcome = Literal["queued", "ignored", "no_site"]

# A stored live state (EvseLive's plain form and the trigger's own keys) -> the new one.
Change = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class TriggerResult:
    outcome: Outcome
    site_id: str | None = None
    # The EVSEs whose live state this event changed.
    written: tuple[EvseAddress, ...] = ()


def evse_number(detail: Mapping[str, Any]) -> int | None:
    """The EVSE an event names: the 2.0.1 evseId, else the 1.6 connectorId (as the site
    model numbers EVSEs)."""
    for key in ("evseId", "connectorId"):
        value = detail.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _live_change(
    detail_type: str, detail: Mapping[str, Any], at: datetime
) -> tuple[Change, bool] | None:
    """How the event changes a live state, and whether it names one EVSE (True) or every EVSE
    of its charger (False); None: it changes no live state."""

    def with_live(**changes: Any) -> Change:
        def change(stored: dict[str, Any]) -> dict[str, Any]:
            live = replace(EvseLive.from_dict(stored), **changes)
            return {**stored, **live.to_dict()}

        return change

    if detail_type in (TRANSACTION_STARTED, TRANSACTION_STOPPED):
        starts = detail_type == TRANSACTION_STARTED
        session = with_live(
            session_active=starts,
            session_started_at=(parse_timestamp(detail.get("startedAt")) or at) if starts else None,
            demand_a=None,
            car_phases=None,
            measured_a=None,
        )
        transaction_id = detail.get("transactionId") if starts else None

        def change(stored: dict[str, Any]) -> dict[str, Any]:
            return {**session(stored), TRANSACTION_ID: transaction_id}

        return change, True
    if detail_type == CHARGER_CONNECTED:
        return with_live(responsive=True), False
    if detail_type == CHARGER_DISCONNECTED:
        return with_live(responsive=False), False
    if detail_type == CHARGER_BOOTED and detail.get("registrationStatus") == "Accepted":
        responsive = with_live(responsive=True)
        booted_ms = to_epoch_ms(at)

        def booted(stored: dict[str, Any]) -> dict[str, Any]:
            return {**responsive(stored), BOOTED_AT_MS: booted_ms}

        return booted, False
    if detail_type == EV_CHARGING_NEEDS_RECEIVED and detail.get("answer") == "Accepted":
        needs_ms = to_epoch_ms(at)

        def needs(stored: dict[str, Any]) -> dict[str, Any]:
            return {**stored, NEEDS_AT_MS: needs_ms}

        return needs, True
    return None


@dataclass
class SiteTrigger:
    store: SiteLoadStore
    locations: LocationRepository
    queue: SiteQueue
    now: Callable[[], datetime]

    def handle(self, detail_type: str, at: datetime, detail: Mapping[str, Any]) -> TriggerResult:
        """One delivered event (its detail type, time and detail)."""
        if detail_type in SITE_EVENTS:
            # SiteModelChanged names the site `siteId`, GridLimitChanged `locationId`.
            site_id = detail.get("siteId") or detail.get("locationId")
            if not isinstance(site_id, str) or not site_id:
                logger.warning("site event without a site", extra={"detailType": detail_type})
                return TriggerResult("ignored")
            self.queue.enqueue(site_id, self.now())
            return TriggerResult("queued", site_id)
        if detail_type not in CHARGER_EVENTS:
            return TriggerResult("ignored")
        if detail_type == CONNECTOR_STATUS_CHANGED and detail.get("status") not in OUT_OF_SERVICE:
            return TriggerResult("ignored")
        charge_point_id = detail.get("chargePointId")
        if not isinstance(charge_point_id, str) or not charge_point_id:
            return TriggerResult("ignored")
        site_id = self.locations.owner_of(charge_point_id)
        if site_id is None:
            return TriggerResult("no_site")
        records = self.store.snapshot(site_id)
        if records.model is None:
            return TriggerResult("no_site", site_id)
        written = self._write_live(site_id, records, charge_point_id, detail_type, detail, at)
        self.queue.enqueue(site_id, self.now())
        return TriggerResult("queued", site_id, written)

    def _write_live(
        self,
        site_id: str,
        records: Any,
        charge_point_id: str,
        detail_type: str,
        detail: Mapping[str, Any],
        at: datetime,
    ) -> tuple[EvseAddress, ...]:
        found = _live_change(detail_type, detail, at)
        if found is None:
            return ()
        change, one_evse = found
        in_model: list[EvseAddress] = [
            (str(e["chargePointId"]), int(e["evseId"]))
            for e in records.model.document.get("evses", [])
            if e.get("chargePointId") == charge_point_id
        ]
        if one_evse:
            number = evse_number(detail)
            in_model = [a for a in in_model if a[1] == number]
        at_ms = to_epoch_ms(at)
        written: list[EvseAddress] = []
        for address in in_model:
            stored = records.live.get(address)
            if stored is not None and stored.event_at_ms >= at_ms:
                continue  # a state from this event or a newer one is stored: done
            before = dict(stored.live) if stored is not None else EvseLive().to_dict()
            after = change(before)
            if after == before:
                continue  # nothing changes: no write, and no race with a newer event
            if self.store.put_live(site_id, address, after, at_ms):
                written.append(address)
        return tuple(written)


def forward_wake_ups(
    records: Sequence[Mapping[str, Any]], queue: SiteQueue, now: datetime
) -> list[str]:
    """A batch of the wake-up queue: each due wake-up queues its site, each early one is sent
    on (ports/site_queue.py). Answers the message ids that failed, for SQS to deliver again;
    an unreadable message is dropped."""
    failures: list[str] = []
    for record in records:
        try:
            wake_up = WakeUp.from_dict(json.loads(record["body"]))
        except (KeyError, TypeError, ValueError) as exc:
            logger.error("dropped an unreadable wake-up: %s", exc)
            continue
        try:
            queue.wake_at(wake_up.site_id, wake_up.due, now)
        except Exception:
            logger.exception("wake-up not forwarded", extra={"siteId": wake_up.site_id})
            failures.append(str(record.get("messageId", "")))
    return failures
