"""Who may open a WebSocket: charger identity, registration policy and HTTP Basic auth.

Runs in the $connect authorizer on AWS (and in ws_connect when no authorizer context exists),
so a refused charger never reaches the OCPP handlers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from shared.access.fast_check import make_verifier, verifier_matches
from shared.access.passwords import parse_basic_auth, spend_a_check, verify_password
from shared.access.rotation import in_grace
from shared.config import UnknownChargerPolicy
from shared.models.charger import ChargerRecord, RegistrationStatus, ValidationMode
from shared.observability import count_metric
from shared.ocpp.versions import OcppVersion, choose_subprotocol
from shared.ports import AdmissionKey, ChargerRepository
from shared.timeutil import iso_utc, to_epoch_ms

logger = logging.getLogger("csms.access.admission")

# OCPP 2.0.1 identity (identifierString, at most 48 characters); 1.6 ids are a subset.
# Matched whole (fullmatch): "$" would also admit a trailing newline.
_CHARGE_POINT_ID = re.compile(r"[A-Za-z0-9*\-_=:+|@.]{1,48}")

# Password guessing: after every LOCK_AFTER_FAILURES consecutive wrong passwords a charger's
# passwords are refused for a while, doubling each time (1 min, 2 min, ... at most 1 h).
LOCK_AFTER_FAILURES = 5
FIRST_LOCK_S = 60
MAX_LOCK_S = 3600

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
    registration_status: RegistrationStatus = "Accepted"

    def context(self) -> dict[str, str]:
        """What the connection carries to every later message (authorizer context)."""
        return {
            "chargePointId": self.charge_point_id,
            "protocol": self.protocol.value if self.protocol else "",
            "validationMode": self.validation_mode,
            "registrationStatus": self.registration_status,
        }


def valid_charge_point_id(charge_point_id: str | None) -> bool:
    return bool(charge_point_id) and _CHARGE_POINT_ID.fullmatch(charge_point_id or "") is not None


def lock_for_s(failures: int) -> int | None:
    """How long to refuse after `failures` consecutive wrong passwords (None: not now)."""
    if failures < LOCK_AFTER_FAILURES or failures % LOCK_AFTER_FAILURES:
        return None
    doublings = failures // LOCK_AFTER_FAILURES - 1
    return min(FIRST_LOCK_S << min(doublings, 16), MAX_LOCK_S)


def admit(
    charge_point_id: str | None,
    authorization: str | None,
    offered_subprotocols: str | None,
    policy: UnknownChargerPolicy,
    chargers: ChargerRepository,
    now: datetime,
    admission_key: AdmissionKey | None = None,
) -> Admission:
    """Whether this connection may open. With an `admission_key`, a right password is checked
    by its fast verifier once scrypt has accepted it (docs/adr/0027); without, by scrypt."""
    if charge_point_id is None or not valid_charge_point_id(charge_point_id):
        return Admission(False, charge_point_id or "", "invalid charge point id", FORBIDDEN)

    record = chargers.get(charge_point_id)
    if record is None:
        if policy == "reject":
            credentials = parse_basic_auth(authorization)
            if credentials is not None:
                spend_a_check(credentials[1])  # as slow as a wrong password
            return Admission(False, charge_point_id, "unknown charger", FORBIDDEN)
        record = _auto_register(charge_point_id, policy, chargers, now)

    if record.password_hash is not None:
        refusal = _check_password(record, authorization, chargers, to_epoch_ms(now), admission_key)
        if refusal is not None:
            return refusal

    return Admission(
        True,
        charge_point_id,
        "admitted",
        protocol=choose_subprotocol(offered_subprotocols),
        validation_mode=record.validation_mode,
        registration_status=record.registration_status,
    )


def _check_password(
    record: ChargerRecord,
    authorization: str | None,
    chargers: ChargerRepository,
    now_ms: int,
    admission_key: AdmissionKey | None,
) -> Admission | None:
    """None when the Basic credentials are right; else the refusal (counting the failure)."""
    assert record.password_hash is not None
    charge_point_id = record.charge_point_id
    if record.auth_locked_until_ms is not None and record.auth_locked_until_ms > now_ms:
        count_metric("ChargerAuthRefused", {"Reason": "LockedOut"})
        return Admission(
            False, charge_point_id, "locked out: repeated wrong passwords", UNAUTHORIZED
        )
    credentials = parse_basic_auth(authorization)
    if credentials is None:
        return Admission(False, charge_point_id, "password required", UNAUTHORIZED)
    username, password = credentials
    key = admission_key.key() if admission_key is not None else None
    if username == charge_point_id and _fast_check(record, password, key):
        right, fast = True, True
    elif username == charge_point_id and _previous_matches(record, password, key, now_ms):
        _admitted_with_previous(record, chargers)
        return None
    else:
        # A miss of the fast check is no refusal (a new password, another key): scrypt decides,
        # so a wrong password costs what it always did (twice that in a rotation's grace).
        right, fast = verify_password(password, record.password_hash), False
        if (
            not right
            and username == charge_point_id
            and _previous_matches(record, password, None, now_ms)
        ):
            _admitted_with_previous(record, chargers)
            return None
    if username == charge_point_id and right:
        if not fast and key is not None:
            _keep_verifier(record, password, key, chargers)
        if record.previous_password_hash is not None:
            # The first connection with the new password ends the old one's grace.
            chargers.end_password_grace(charge_point_id, record.previous_password_hash)
        if record.auth_failures:
            chargers.clear_auth_failures(charge_point_id)
        return None
    failures = chargers.count_auth_failure(charge_point_id)
    count_metric("ChargerAuthRefused", {"Reason": "WrongPassword"})
    lock_s = lock_for_s(failures)
    if lock_s is not None:
        chargers.lock_auth(charge_point_id, now_ms + lock_s * 1000)
        count_metric("ChargerAuthLockouts", {})
        logger.warning(
            "charger locked out after repeated wrong passwords",
            extra={"chargePointId": charge_point_id, "failures": failures, "lockS": lock_s},
        )
    return Admission(False, charge_point_id, "wrong credentials", UNAUTHORIZED)


def _previous_matches(record: ChargerRecord, password: str, key: bytes | None, now_ms: int) -> bool:
    """Whether `password` is the one a rotation replaced, in its grace period: with a key, by
    the old password's kept fast check only; without, by scrypt."""
    previous = record.previous_password_hash
    if previous is None or not in_grace(previous, record.previous_password_until_ms, now_ms):
        return False
    if key is None:
        return verify_password(password, previous)
    verifier = record.previous_auth_verifier
    return verifier is not None and verifier_matches(
        key, record.charge_point_id, previous, password, verifier
    )


def _admitted_with_previous(record: ChargerRecord, chargers: ChargerRepository) -> None:
    """The password before a rotation, in its grace (shared/access/rotation.py)."""
    if record.auth_failures:
        chargers.clear_auth_failures(record.charge_point_id)
    count_metric("ChargerAdmittedWithPreviousPassword", {})


def _fast_check(record: ChargerRecord, password: str, key: bytes | None) -> bool:
    if key is None or record.auth_verifier is None or record.password_hash is None:
        return False
    return verifier_matches(
        key, record.charge_point_id, record.password_hash, password, record.auth_verifier
    )


def _keep_verifier(
    record: ChargerRecord, password: str, key: bytes, chargers: ChargerRepository
) -> None:
    """Store the fast check of a password scrypt has just accepted: one conditional write per
    password (and per admission key). A failed write only means scrypt again next time."""
    assert record.password_hash is not None
    verifier = make_verifier(key, record.charge_point_id, record.password_hash, password)
    try:
        chargers.store_auth_verifier(record.charge_point_id, record.password_hash, verifier)
    except Exception:  # best effort: the admission stands either way
        count_metric("ChargerAuthVerifierNotStored", {})
        logger.warning(
            "fast admission check not stored",
            extra={"chargePointId": record.charge_point_id},
            exc_info=True,
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
