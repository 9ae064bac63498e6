"""ReservationStatusUpdate (OCPP 2.0.1, block H): the station says a reservation ended without
being used: Expired (its expiryDateTime passed) or Removed (the station dropped it).

The reservation record follows with a conditional write (the service's `status_update`), so a
resent update changes nothing; the answer is always {} (the spec's response has no fields), also
for a reservation the platform does not know: the station has nothing to correct.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion

logger = logging.getLogger("csms.station.reservations")

Payload = dict[str, Any]
# (charger id, reservation id, reservationUpdateStatus) -> whether the record changed.
StatusUpdate = Callable[[str, int, str], bool]


@dataclass
class ReservationStatusHandlers:
    update: StatusUpdate

    def register(self, router: Router) -> None:
        router.route(OcppVersion.V201, "ReservationStatusUpdate", self.status_update)

    def status_update(self, ctx: MessageContext, payload: Payload) -> Payload:
        reservation_id = int(payload["reservationId"])
        status = str(payload["reservationUpdateStatus"])
        if not self.update(ctx.charge_point_id, reservation_id, status):
            logger.info(
                "reservation status update changed nothing (unknown, finished or resent)",
                extra={
                    "chargePointId": ctx.charge_point_id,
                    "reservationId": reservation_id,
                    "status": status,
                },
            )
        return {}
