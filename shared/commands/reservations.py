"""Reservations: ReserveNow / CancelReservation (OCPP 1.6, and 2.0.1 H01/H02), and the
station's ReservationStatusUpdate (2.0.1).

The platform allocates the reservation id (unique per charger, 31-bit, random with a
conditional create), records the reservation as `requested`, and follows the charger's answer:
Accepted -> `accepted`, anything else -> `rejected` (with the charger's status), no answer ->
`failed`. A StartTransaction that names the reservation marks it `used` with the transaction.
An accepted reservation past its expiry reads as `expired`.

On 2.0.1 the record's `connector_id` is the EVSE id (0: any EVSE, no `evseId` sent) and the
idToken's type is the one stored with the id tag (ISO14443 when none is). A
ReservationStatusUpdate moves a live reservation to `expired` or `removed` with a conditional
write: a resent update changes nothing and is answered the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.commands.engine import CommandEngine, CommandError
from shared.models.command import CommandRecord
from shared.models.reservation import ReservationRecord
from shared.ocpp.versions import OcppVersion
from shared.ports import IdTagRepository, ReservationStore
from shared.timeutil import iso_utc

DEFAULT_TOKEN_TYPE = "ISO14443"  # noqa: S105 - an IdTokenEnumType, not a secret
# ReservationStatusUpdate's reservationUpdateStatus -> the record's status.
_UPDATE_STATUS = {"Expired": "expired", "Removed": "removed"}
_LIVE = ("requested", "accepted")


def token_type(id_tags: IdTagRepository | None, id_tag: str) -> str:
    """The 2.0.1 IdTokenEnumType stored with an id tag, ISO14443 when none is."""
    record = id_tags.get(id_tag) if id_tags is not None else None
    return (record.token_type if record else None) or DEFAULT_TOKEN_TYPE


@dataclass
class ReservationService:
    store: ReservationStore
    engine: CommandEngine
    id_tags: IdTagRepository | None = None

    def reserve(
        self,
        charge_point_id: str,
        connector_id: int,
        id_tag: str,
        expiry: datetime,
        now: datetime,
        parent_id_tag: str | None = None,
        requested_by: str | None = None,
        id_token_type: str | None = None,
        connector_type: str | None = None,
    ) -> tuple[ReservationRecord, CommandRecord]:
        """Reserve `connector_id` (the EVSE id on 2.0.1) for `id_tag`. `id_token_type` and
        `connector_type` are 2.0.1's; the token type defaults to the id tag's stored one."""
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
        charger = self.engine.chargers.get(charge_point_id)
        if charger is not None and charger.protocol == OcppVersion.V201.value:
            payload = self._reserve_now_v201(
                record, id_token_type or token_type(self.id_tags, id_tag), connector_type
            )
        else:
            payload = {
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

    def _reserve_now_v201(
        self, record: ReservationRecord, id_token_type: str, connector_type: str | None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": record.reservation_id,
            "expiryDateTime": record.expiry_date,
            "idToken": {"idToken": record.id_tag, "type": id_token_type},
        }
        if record.connector_id > 0:
            payload["evseId"] = record.connector_id
        if connector_type:
            payload["connectorType"] = connector_type
        if record.parent_id_tag:
            payload["groupIdToken"] = {
                "idToken": record.parent_id_tag,
                "type": token_type(self.id_tags, record.parent_id_tag),
            }
        return payload

    def status_update(self, charge_point_id: str, reservation_id: int, update: str) -> bool:
        """A 2.0.1 ReservationStatusUpdate: the station expired or removed a reservation. True
        if this update changed the record (False: unknown, finished, or a resend)."""
        status = _UPDATE_STATUS.get(update)
        if status is None:
            return False
        return self.store.update(charge_point_id, reservation_id, status, _LIVE, update)

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
        # 1.6 names it reservationId, 2.0.1 id.
        payload = command.payload
        reservation_id = int(
            payload["reservationId"] if "reservationId" in payload else payload["id"]
        )
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
