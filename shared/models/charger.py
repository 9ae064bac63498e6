"""Charger registry records and what a charger tells about itself at boot."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

RegistrationStatus = Literal["Accepted", "Pending", "Rejected"]
REGISTRATION_STATUSES: tuple[RegistrationStatus, ...] = ("Accepted", "Pending", "Rejected")
ValidationMode = Literal["strict", "lenient"]

# Operator tags (`pilot`, `depot-north`): short labels a campaign selector can pick by.
MAX_TAGS = 20
TAG_PATTERN = r"^[A-Za-z0-9_.:-]{1,32}$"
_TAG = re.compile(TAG_PATTERN)


def tags_problem(tags: Iterable[str]) -> str | None:
    """Why these tags cannot be a charger's (None: they can)."""
    tags = list(tags)
    bad = [t for t in tags if not _TAG.match(t)]
    if bad:
        return f"a tag is 1-32 letters, digits or -_.: (not {bad[0]!r})"
    if len(set(tags)) > MAX_TAGS:
        return f"a charger has at most {MAX_TAGS} tags"
    return None


@dataclass
class ChargerRecord:
    charge_point_id: str
    registration_status: RegistrationStatus = "Accepted"
    validation_mode: ValidationMode = "strict"
    password_hash: str | None = None
    auto_registered: bool = False
    created_at: str | None = None
    # Set by operators (`tags_problem` says which are valid).
    tags: frozenset[str] = frozenset()
    # Reported at boot.
    vendor: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    last_boot_at: str | None = None
    boot_reason: str | None = None
    # Latest reports on long-running jobs.
    firmware_status: str | None = None
    firmware_status_at: str | None = None
    diagnostics_status: str | None = None
    diagnostics_status_at: str | None = None
    local_list_version: int | None = None
    # The cost profile the charger last accepted in full (shared/station/cost_profiles.py).
    cost_profile: str | None = None
    cost_profile_applied_at: str | None = None
    # Connection state: the newest connection wins.
    protocol: str | None = None
    connection_id: str | None = None
    connected_at: str | None = None
    connected_at_ms: int | None = None
    disconnected_at: str | None = None
    disconnected_at_ms: int | None = None
    # The connection that closed last, and why: ChargerDisconnected is built from them.
    last_connection_id: str | None = None
    disconnect_reason: str | None = None
    # Its events not yet published (the outbox, docs/adr/0019-outbox-relay.md): a
    # ChargerDisconnected waits here through the reconnect grace.
    unpublished: frozenset[str] = frozenset()
    # Password guessing: consecutive wrong passwords, and no check before this moment.
    auth_failures: int = 0
    auth_locked_until_ms: int | None = None
    # The fast admission check of the current password (docs/adr/0027): an HMAC under the
    # deployment's admission key, bound to `password_hash`; None until the first right password.
    auth_verifier: str | None = None
    # Password rotation (shared/access/rotation.py): the new password's hash while the charger
    # has not yet accepted it, keyed by the command that carries it; after the change, the
    # old password's hash and fast check, honoured until `previous_password_until_ms`.
    rotation_command_id: str | None = None
    rotation_password_hash: str | None = None
    previous_password_hash: str | None = None
    previous_auth_verifier: str | None = None
    previous_password_until_ms: int | None = None

    @property
    def online(self) -> bool:
        return self.connection_id is not None


@dataclass(frozen=True)
class BootInfo:
    """The charger's self-description from a BootNotification (1.6 or 2.0.1)."""

    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    reason: str | None = None
