"""Charger password rotation bodies (shared/commands/password_rotation.py)."""

from __future__ import annotations

from pydantic import Field

from shared.access.rotation import in_grace
from shared.api.models.commands import CommandView
from shared.api.models.common import ApiModel
from shared.models.charger import ChargerRecord
from shared.timeutil import from_epoch_ms, iso_utc


class PasswordState(ApiModel):
    """What the CSMS holds of a charger's Basic auth password (never the password)."""

    chargePointId: str
    hasPassword: bool
    rotationCommandId: str | None = Field(
        description="The rotation sent and not yet accepted by the charger, if any"
    )
    previousPasswordValidUntil: str | None = Field(
        description="Until when the password before the last rotation still opens a "
        "connection (the first connect with the new password ends it sooner); null: it does "
        "not"
    )

    @classmethod
    def of(cls, record: ChargerRecord, now_ms: int) -> PasswordState:
        until = record.previous_password_until_ms
        return cls(
            chargePointId=record.charge_point_id,
            hasPassword=record.password_hash is not None,
            rotationCommandId=record.rotation_command_id,
            previousPasswordValidUntil=(
                iso_utc(from_epoch_ms(until))
                if until is not None and in_grace(record.previous_password_hash, until, now_ms)
                else None
            ),
        )


class PasswordRotationView(ApiModel):
    """The rotation's command (its request redacted) and the password state after it."""

    command: CommandView
    passwordChanged: bool = Field(
        description="The charger accepted the new password and the CSMS stored its hash"
    )
    password: PasswordState
