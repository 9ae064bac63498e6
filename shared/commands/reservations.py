"""Reservations (OCPP 1.6 ReserveNow / CancelReservation).

The platform allocates the reservation id (unique per charger, 31-bit, random with a
conditional create), records the reservation as `requested`, and follows the charger's answer:
Accepted -> `accepted`, anything else -> `rejected` (with the charger's status), no answer ->
`failed`. A StartTransaction that names the reservation marks it `used` with the transaction.
An accepted reservation past its expiry reads as `expired`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.commands.engine import CommandEngine, CommandError
from shared.models.command import CommandRecord
from shared.models.reservation import ReservationRecord
from shared.ports import ReservationStore
from shared.timeutil import iso_utc


@dataclass
class ReservationService:
    store: ReservationStore
    engine: CommandEngine

    def reserve(
        self,
        charge_point_id: str,
        connector_id: int,
        id_tag: str,
        expiry: datetime,
        now: datetime,
        parent_id_tag: str | None = None,
        requested_by: str | None = None,
    ) -> tuple[ReservationRecord, CommandRecord]:
        if expiry <= now:
            raise CommandError(400, "InvalidReservation", "expiryDate must be in the future")
        for _ in range(8):
            record = ReservationRecord(
                charge_point_id=charge_point_id,
                reservation_id=1 + secrets.randbelow(2**31 - 1),
                connector_id=connector_id,
                id_tag=id_tag,
                parent_id_tag=parent_id_tag,
                expiry_date=iso_utc(expiry),
                status="requested",
                created_at=iso_utc(now),
            )
            if self.store.create(record):
                break
        else:  # pragma: no cover - eight 31-bit collisions in a row
            raise CommandError(503, "ReservationIdExhausted", "no free reservation id")
        payload: dict[str, Any] = {
            "connectorId": connector_id,
            "expiryDate": record.expiry_date,
            "idTag": id_tag,
            "reservationId": record.reservation_id,
        }
        if parent_id_tag:
            payload["parentIdTag"] = parent_id_tag
        try:
            command = self.engine.send(
                charge_point_id, "ReserveNow", payload, requested_by=requested_by
            )
        except CommandError:
            self.store.update(charge_point_id, record.reservation_id, "failed", ("requested",))
            raise
        return record, command

    def cancel(
        self, charge_point_id: str, reservation_id: int, requested_by: str | None = None
    ) -> CommandRecord:
        record = self.store.get(charge_point_id, reservation_id)
        if record is None:
            raise CommandError(404, "NotFound", f"reservation {reservation_id} not found")
        return self.engine.send(
            charge_point_id,
            "CancelReservation",
            {"reservationId": reservation_id},
            requested_by=requested_by,
        )

    def use(self, charge_point_id: str, reservation_id: int, transaction_id: str) -> bool:
        """A StartTransaction named this reservation: it is consumed."""
        return self.store.update(
            charge_point_id,
            reservation_id,
            "used",
            ("accepted", "requested"),
            transaction_id=transaction_id,
        )

    def reserve_answered(self, command: CommandRecord) -> None:
        """Follow-up of a finished ReserveNow (wired in shared.bootstrap)."""
        reservation_id = int(command.payload["reservationId"])
        if command.status == "answered" and command.result:
            answer = str(command.result.get("status"))
            status = "accepted" if answer == "Accepted" else "rejected"
            self.store.update(
                command.charge_point_id, reservation_id, status, ("requested",), answer
            )
        else:
            self.store.update(command.charge_point_id, reservation_id, "failed", ("requested",))

    def cancel_answered(self, command: CommandRecord) -> None:
        """Follow-up of a finished CancelReservation (wired in shared.bootstrap)."""
        if command.status == "answered" and (command.result or {}).get("status") == "Accepted":
            self.store.update(
                command.charge_point_id,
                int(command.payload["reservationId"]),
                "cancelled",
                ("requested", "accepted"),
            )
