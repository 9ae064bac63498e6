"""Who may open a WebSocket: charger identity, registration policy and HTTP Basic auth.

Runs in the $connect authorizer on AWS (and in ws_connect when no authorizer context exists),
so a refused charger never reaches the OCPP handlers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from shared.access.passwords import parse_basic_auth, verify_password
from shared.config import UnknownChargerPolicy
from shared.models.charger import ChargerRecord, ValidationMode
from shared.ocpp.versions import OcppVersion, choose_subprotocol
from shared.ports import ChargerRepository
from shared.timeutil import iso_utc

logger = logging.getLogger("csms.access.admission")

# OCPP 2.0.1 identity (identifierString, at most 48 characters); 1.6 ids are a subset.
_CHARGE_POINT_ID = re.compile(r"^[A-Za-z0-9*\-_=:+|@.]{1,48}$")

UNAUTHORIZED = 401
FORBIDDEN = 403


@dataclass(frozen=True)
class Admission:
    allowed: bool
    charge_point_id: str
    reason: str
    status_code: int = 200
    protocol: OcppVersion | None = None
    validation_mode: ValidationMode = "strict"

    def context(self) -> dict[str, str]:
        """What the connection carries to every later message (authorizer context)."""
        return {
            "chargePointId": self.charge_point_id,
            "protocol": self.protocol.value if self.protocol else "",
            "validationMode": self.validation_mode,
        }


def valid_charge_point_id(charge_point_id: str | None) -> bool:
    return bool(charge_point_id) and _CHARGE_POINT_ID.match(charge_point_id or "") is not None


def admit(
    charge_point_id: str | None,
    authorization: str | None,
    offered_subprotocols: str | None,
    policy: UnknownChargerPolicy,
    chargers: ChargerRepository,
    now: datetime,
) -> Admission:
    if charge_point_id is None or not valid_charge_point_id(charge_point_id):
        return Admission(False, charge_point_id or "", "invalid charge point id", FORBIDDEN)

    record = chargers.get(charge_point_id)
    if record is None:
        if policy == "reject":
            return Admission(False, charge_point_id, "unknown charger", FORBIDDEN)
        record = _auto_register(charge_point_id, policy, chargers, now)

    if record.password_hash is not None:
        credentials = parse_basic_auth(authorization)
        if credentials is None:
            return Admission(False, charge_point_id, "password required", UNAUTHORIZED)
        username, password = credentials
        if username != charge_point_id or not verify_password(password, record.password_hash):
            return Admission(False, charge_point_id, "wrong credentials", UNAUTHORIZED)

    return Admission(
        True,
        charge_point_id,
        "admitted",
        protocol=choose_subprotocol(offered_subprotocols),
        validation_mode=record.validation_mode,
    )


def _auto_register(
    charge_point_id: str, policy: UnknownChargerPolicy, chargers: ChargerRepository, now: datetime
) -> ChargerRecord:
    record = ChargerRecord(
        charge_point_id=charge_point_id,
        registration_status="Accepted" if policy == "accept" else "Pending",
        auto_registered=True,
        created_at=iso_utc(now),
    )
    if chargers.create(record):
        logger.info(
            "unknown charger registered",
            extra={
                "chargePointId": charge_point_id,
                "registrationStatus": record.registration_status,
            },
        )
        return record
    # Another connection attempt registered it first: use what is stored.
    stored = chargers.get(charge_point_id)
    return stored if stored is not None else record
