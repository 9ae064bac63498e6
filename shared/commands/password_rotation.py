"""Rotating a charger's Basic auth password through the command engine (OCPP 2.0.1 A01; the
1.6 security extension's AuthorizationKey). The rules are in shared/access/rotation.py.

Idempotency: the new hash is kept on the charger record under the id of the command that
carries it before the command goes out, and every later step is a conditional write keyed by
that id: an answer delivered twice, a late answer after a newer rotation began, or a refusal
after the change completed change nothing. Nothing here holds the clear password longer than
the call that sends it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from shared.access.passwords import hash_password
from shared.access.rotation import (
    DEFAULT_GRACE_S,
    change_accepted,
    generate_password,
    password_command,
    sets_password,
)
from shared.commands.engine import DEFAULT_TIMEOUT_S, CommandEngine, CommandError
from shared.models.command import CommandRecord
from shared.observability import count_metric
from shared.ports import ChargerRepository

logger = logging.getLogger("csms.commands.password_rotation")

# What a finished rotation command means for the password.
REFUSED_STATUSES = frozenset({"error", "invalid_response"})


@dataclass
class PasswordRotation:
    chargers: ChargerRepository
    engine: CommandEngine
    grace_s: int = DEFAULT_GRACE_S

    def rotate(
        self,
        charge_point_id: str,
        *,
        requested_by: str | None = None,
        timeout_s: int = DEFAULT_TIMEOUT_S,
        generate: Callable[[str], str] = generate_password,
    ) -> CommandRecord:
        """Send the charger a new password; the command (its request redacted). The password
        becomes the charger's when the charger accepts it (`answered`)."""
        charger = self.chargers.get(charge_point_id)
        if charger is None:
            raise CommandError(404, "NotFound", f"charger {charge_point_id!r} is not registered")
        if charger.password_hash is None:
            # Security profile 0: the charger sends no password, so it has none to rotate.
            raise CommandError(
                409,
                "NoPassword",
                f"charger {charge_point_id!r} has no password: set one before rotating it",
            )
        if charger.connection_id is None or charger.protocol is None:
            raise CommandError(503, "ChargerOffline", f"charger {charge_point_id!r} is offline")
        password = generate(charger.protocol)
        command = password_command(charger.protocol, password)
        command_id = str(uuid.uuid4())
        if not self.chargers.begin_password_rotation(
            charge_point_id, command_id, hash_password(password)
        ):
            raise CommandError(409, "NoPassword", f"charger {charge_point_id!r} has no password")
        try:
            record = self.engine.send(
                charge_point_id,
                command.action,
                command.payload,
                timeout_s=timeout_s,
                requested_by=requested_by,
                message_id=command_id,
                sets_charger_password=True,
            )
        except CommandError:
            self.chargers.drop_password_rotation(charge_point_id, command_id)
            raise
        logger.info(
            "password rotation sent",
            extra={"chargePointId": charge_point_id, "messageId": command_id},
        )
        return record

    def answered(self, command: CommandRecord) -> None:
        """The engine's follow-up of every SetVariables / ChangeConfiguration outcome (and of
        a late answer): complete, drop or keep the rotation it carried."""
        if not sets_password(command.action, command.payload):
            return
        if command.result is not None and command.status != "invalid_response":
            if change_accepted(command.action, command.result):
                self._complete(command)
            else:
                self.chargers.drop_password_rotation(command.charge_point_id, command.message_id)
        elif command.status in REFUSED_STATUSES:
            self.chargers.drop_password_rotation(command.charge_point_id, command.message_id)
        # timeout / offline: the charger may still answer, and a late Accepted counts.

    def _complete(self, command: CommandRecord) -> None:
        until_ms = self.engine.clock_ms() + self.grace_s * 1000
        record = self.chargers.complete_password_rotation(
            command.charge_point_id, command.message_id, until_ms
        )
        if record is None:
            return  # done before (a redelivered answer), or replaced by a newer rotation
        count_metric("ChargerPasswordRotated", {})
        logger.info(
            "charger password rotated",
            extra={
                "chargePointId": command.charge_point_id,
                "messageId": command.message_id,
                "late": command.status != "answered",
            },
        )
