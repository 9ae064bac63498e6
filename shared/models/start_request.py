"""A start request: a driver asked the app to start charging (docs/adr/0011).

It lives from the driver's tap until the session it started is settled, or until its hold is
released (declined, refused by the charger, never plugged in). Every change is a conditional
transition from the statuses it may come from, so that at-least-once workflows and the sweep
never apply one twice:

    authorising -> authorised -> sent -> claimed -> settled
         |              |          |        (the session is priced and captured)
         v              v          v
      declined       released   released        failed (the start could not be sent)
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

StartStatus = Literal[
    "authorising", "authorised", "sent", "claimed", "settled", "declined", "released", "failed"
]
# Where a hold exists or may exist: the sweep looks after these until they end.
OPEN: frozenset[StartStatus] = frozenset({"authorising", "authorised", "sent", "claimed"})


# What a driver may ask for with a start (price- and carbon-aware scheduling, ADR 0054): a
# departure within two days (no prices are published further ahead) and an energy need no
# car's battery exceeds.
NEEDS_HORIZON = timedelta(hours=48)
MAX_ENERGY_WH = 200_000


def needs_problems(departure: datetime, energy_wh: float, now: datetime) -> list[str]:
    """What is wrong with the charging needs a driver gives, one sentence each."""
    found: list[str] = []
    if departure.tzinfo is None:
        found.append("departureTime needs a time zone (e.g. 2026-12-08T07:00:00Z)")
    elif departure <= now:
        found.append("departureTime must be in the future")
    elif departure - now > NEEDS_HORIZON:
        found.append("departureTime must be within 48 hours")
    if not (math.isfinite(energy_wh) and 0 < energy_wh <= MAX_ENERGY_WH):
        found.append(f"energyWh must be above 0 and at most {MAX_ENERGY_WH}")
    return found


def new_request_id(now_ms: int | None = None) -> str:
    """Time-ordered and unique: "r" + epoch ms + 8 random hex digits."""
    at = int(time.time() * 1000) if now_ms is None else now_ms
    return f"r{at:013d}{os.urandom(4).hex()}"


@dataclass(frozen=True)
class StartRequest:
    charge_point_id: str
    request_id: str
    driver_id: str
    id_tag: str  # the driver's app token, sent in the remote start
    connector_id: int  # 1.6 connectorId; 2.0.1 the EVSE's connector
    status: StartStatus
    requested_at_ms: int
    currency: str
    hold_minor: int
    tariff_id: str
    tariff_version: int
    protocol: str
    # The EVSE's most power (W) from its location: how fast the price can rise at most.
    max_power_w: int | None = None
    evse_id: int | None = None  # 2.0.1
    remote_start_id: int | None = None  # 2.0.1 RequestStartTransaction.remoteStartId
    location_id: str | None = None
    customer_id: str | None = None
    payment_method_id: str | None = None
    payment_intent_id: str | None = None
    command_id: str | None = None
    transaction_id: str | None = None
    # When the sweep looks at it next (epoch ms); None: never again (it has ended).
    due_at_ms: int | None = None
    cost_cap_stop_sent: bool = False
    captured_minor: int | None = None
    reason: str | None = None  # why it ended without a session, or what failed
    # The driver's charging needs, both or neither: when the car leaves (epoch ms) and the
    # energy it needs by then (Wh); the per-site loop schedules the session with them.
    departure_at_ms: int | None = None
    energy_needed_wh: int | None = None

    @property
    def open(self) -> bool:
        return self.status in OPEN
