"""Charger administration: register, list, show (with connectors and live connection),
change registration / validation mode / password, delete."""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from shared.access.passwords import hash_password, password_problem
from shared.admin.errors import Conflict, InvalidRequest, NotFound
from shared.models.charger import ChargerRecord, RegistrationStatus, ValidationMode, tags_problem
from shared.models.connection import ConnectorStatus
from shared.ports import (
    ChargerChanges,
    ChargerFilter,
    ChargerRepository,
    ConnectorRepository,
    LiveConnection,
    LiveConnections,
    Page,
    close_safely,
)
from shared.timeutil import iso_utc, utc_now

logger = logging.getLogger("csms.admin.chargers")

GENERATED_PASSWORD_LENGTH = 32
# Letters and digits only: some chargers mishandle punctuation in a Basic auth password.
_PASSWORD_ALPHABET = string.ascii_letters + string.digits

# live: API Gateway knows the connection; gone: it does not (the record is stale until the
# next $disconnect or command); unknown: the management API could not be asked.
ConnectionState = Literal["live", "gone", "unknown"]


def generate_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))


def _checked_hash(password: str, charge_point_id: str) -> str:
    problem = password_problem(password, charge_point_id)
    if problem is not None:
        raise InvalidRequest(problem, [{"field": "password", "message": problem}])
    return hash_password(password)


@dataclass(frozen=True)
class PasswordChange:
    """Set a given password, generate one, or clear it (no password: security profile 0)."""

    value: str | None = None
    generate: bool = False
    clear: bool = False


def _only_accepts(changes: ChargerChanges) -> bool:
    return changes.registration_status == "Accepted" and replace(
        changes, tags=None
    ) == ChargerChanges(registration_status="Accepted")


@dataclass(frozen=True)
class ChargerDetails:
    record: ChargerRecord
    connectors: list[ConnectorStatus]
    connection: LiveConnection | None = None
    connection_state: ConnectionState | None = None  # None while offline


@dataclass
class ChargerAdmin:
    chargers: ChargerRepository
    connectors: ConnectorRepository
    connections: LiveConnections
    now: Callable[[], datetime] = utc_now

    def register(
        self,
        charge_point_id: str,
        registration_status: RegistrationStatus = "Accepted",
        validation_mode: ValidationMode = "strict",
        password: PasswordChange | None = None,
    ) -> tuple[ChargerRecord, str | None]:
        """The new record and, if one was generated, the password (shown once, stored hashed)."""
        generated = generate_password() if password and password.generate else None
        plain = generated or (password.value if password else None)
        record = ChargerRecord(
            charge_point_id=charge_point_id,
            registration_status=registration_status,
            validation_mode=validation_mode,
            password_hash=_checked_hash(plain, charge_point_id) if plain else None,
            created_at=iso_utc(self.now()),
        )
        if not self.chargers.create(record):
            raise Conflict(f"charger {charge_point_id!r} is already registered")
        return record, generated

    def page(self, limit: int, cursor: str | None, where: ChargerFilter) -> Page[ChargerRecord]:
        return self.chargers.list_page(limit, cursor, where)

    def get(self, charge_point_id: str) -> ChargerRecord:
        record = self.chargers.get(charge_point_id)
        if record is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        return record

    def details(self, charge_point_id: str) -> ChargerDetails:
        record = self.get(charge_point_id)
        connectors = self.connectors.list_for(charge_point_id)
        if record.connection_id is None:
            return ChargerDetails(record, connectors)
        try:
            live = self.connections.describe(record.connection_id)
        except Exception:
            # The charger record still answers; only the live view is missing.
            logger.warning(
                "connection lookup failed",
                exc_info=True,
                extra={"chargePointId": charge_point_id, "connectionId": record.connection_id},
            )
            return ChargerDetails(record, connectors, None, "unknown")
        return ChargerDetails(record, connectors, live, "live" if live else "gone")

    def connectors_of(self, charge_point_id: str) -> list[ConnectorStatus]:
        self.get(charge_point_id)
        return self.connectors.list_for(charge_point_id)

    def update(
        self,
        charge_point_id: str,
        registration_status: RegistrationStatus | None = None,
        validation_mode: ValidationMode | None = None,
        password: PasswordChange | None = None,
        add_tags: frozenset[str] = frozenset(),
        remove_tags: frozenset[str] = frozenset(),
    ) -> tuple[ChargerRecord, str | None]:
        """The updated record and the generated password, if one was generated."""
        generated = generate_password() if password and password.generate else None
        plain = generated or (password.value if password else None)
        changes = ChargerChanges(
            registration_status=registration_status,
            validation_mode=validation_mode,
            password_hash=_checked_hash(plain, charge_point_id) if plain else None,
            clear_password=bool(password and password.clear),
            tags=self._new_tags(charge_point_id, add_tags, remove_tags),
        )
        record = self.chargers.update(charge_point_id, changes)
        if record is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        if changes.settles_at_connect and not _only_accepts(changes):
            # Registration, validation mode and credentials are settled when a charger
            # connects: the live connection is closed, and the charger's next one gets them (a
            # changed or removed password, a Rejected status, take effect now). Accepting is the
            # exception (docs/adr/0040): a Pending charger stays connected (B02), its next
            # BootNotification is answered Accepted, and the router serves it from then on.
            self._close(record, "registration or credentials changed")
        return record, generated

    def _new_tags(
        self, charge_point_id: str, add: frozenset[str], remove: frozenset[str]
    ) -> frozenset[str] | None:
        """The charger's tags after adding and removing (None: no tag change). The whole set
        is written: repeating a change gives the same set; two operators tagging one charger
        at the same instant is last-write-wins."""
        if not add and not remove:
            return None
        problem = next((p for tag in sorted(add | remove) if (p := tags_problem([tag]))), None)
        if problem is None:
            tags = (self.get(charge_point_id).tags | add) - remove
            problem = tags_problem(tags)
        if problem is not None:
            raise InvalidRequest(problem, [{"field": "tags", "message": problem}])
        return tags

    def delete(self, charge_point_id: str) -> None:
        record = self.chargers.delete(charge_point_id)
        if record is None:
            raise NotFound(f"charger {charge_point_id!r} is not registered")
        # A deleted charger must not keep its session: it reconnects and is admitted (or
        # refused) by the registration policy like any unknown charger.
        self._close(record, "charger deleted")

    def _close(self, record: ChargerRecord, why: str) -> None:
        if record.connection_id is not None:
            close_safely(self.connections, record.charge_point_id, record.connection_id, why)
