"""Reservation records (ReserveNow / CancelReservation, 1.6 and 2.0.1; on 2.0.1 the connector
id is the EVSE id)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from shared.timeutil import parse_timestamp

ReservationStatus = Literal[
    "requested", "accepted", "rejected", "failed", "cancelled", "used", "expired", "removed"
]


@dataclass(frozen=True)
class ReservationRecord:
    charge_point_id: str
    reservation_id: int
    connector_id: int
    id_tag: str
    expiry_date: str
    status: ReservationStatus
    created_at: str
    parent_id_tag: str | None = None
    charger_status: str | None = None  # the charger's answer (Accepted, Occupied, ...)
    transaction_id: str | None = None

    def view(self, now: datetime) -> ReservationRecord:
        """As seen now: an accepted reservation past its expiry is expired."""
        expiry = parse_timestamp(self.expiry_date)
        if self.status == "accepted" and expiry is not None and expiry <= now:
            return replace(self, status="expired")
        return self
