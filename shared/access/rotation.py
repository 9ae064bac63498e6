"""Charger password rotation (OCPP 2.0.1 A01; the 1.6 security extension's AuthorizationKey).

The CSMS generates a new password, sends it to the charger and keeps only its hash. The rules:

- The new hash waits beside the current one (`rotation_password_hash`, keyed by the id of
  the command that carries it) and becomes the charger's password only when the charger
  answers Accepted (or RebootRequired): a rejected, failed or unanswered change keeps the
  old password. A timeout is not a refusal: an Accepted answer arriving after the deadline
  still completes the rotation, as long as no newer rotation replaced this one.
- The old password stays valid for a grace period after the change is accepted (a charger
  that applies it only after a reboot, a connection that opened just before): until the
  first connection admitted with the new password, or `DEFAULT_GRACE_S` at most, whichever
  comes first. After that only the new password opens a connection.
- The clear password exists only in the CALL sent to the charger: the command history keeps
  the request with the value replaced (`redacted`), and nothing logs it. For the same reason
  the generic command API may not set the password (`sets_password`): the CSMS would not
  know the charger's new password and the charger would be locked out at its next connect.

OCPP 2.0.1 sends the password as SecurityCtrlr.BasicAuthPassword (16..40 characters). The
1.6 security whitepaper sends the AuthorizationKey hex-encoded (16..20 bytes, so at most 40
hex digits); the charger decodes it and uses the decoded text as its Basic auth password.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

PASSWORD_COMPONENT = "SecurityCtrlr"  # noqa: S105 - a component name
PASSWORD_VARIABLE = "BasicAuthPassword"  # noqa: S105 - a variable name
AUTHORIZATION_KEY = "AuthorizationKey"
REDACTED = "[redacted]"
# The old password's grace after the change is accepted (the first connect with the new
# password ends it sooner).
DEFAULT_GRACE_S = 24 * 3600
ACCEPTED = frozenset({"Accepted", "RebootRequired"})
# 2.0.1 BasicAuthPassword allows 40 characters; 1.6's AuthorizationKey holds 20 bytes (40 hex
# digits once encoded).
PASSWORD_LENGTH_201 = 32
PASSWORD_LENGTH_16 = 20
# Letters and digits: some chargers mishandle punctuation in a Basic auth password.
_ALPHABET = string.ascii_letters + string.digits


def generate_password(protocol: str) -> str:
    length = PASSWORD_LENGTH_16 if protocol == "ocpp1.6" else PASSWORD_LENGTH_201
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class PasswordCommand:
    action: str
    payload: dict[str, Any]


def password_command(protocol: str, password: str) -> PasswordCommand:
    """The CALL that gives a charger of `protocol` its new Basic auth password."""
    if protocol == "ocpp1.6":
        key = password.encode("utf-8").hex().upper()
        return PasswordCommand("ChangeConfiguration", {"key": AUTHORIZATION_KEY, "value": key})
    return PasswordCommand(
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": PASSWORD_COMPONENT},
                    "variable": {"name": PASSWORD_VARIABLE},
                    "attributeValue": password,
                }
            ]
        },
    )


def _is_password_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and (entry.get("component") or {}).get("name") == PASSWORD_COMPONENT
        and (entry.get("variable") or {}).get("name") == PASSWORD_VARIABLE
    )


def sets_password(action: str, payload: dict[str, Any]) -> bool:
    """Whether this CALL changes the charger's Basic auth password."""
    if action == "ChangeConfiguration":
        return payload.get("key") == AUTHORIZATION_KEY
    if action == "SetVariables":
        return any(_is_password_entry(entry) for entry in payload.get("setVariableData") or ())
    return False


def redacted(action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The request as it may be stored and shown: a password's value replaced."""
    if not sets_password(action, payload):
        return payload
    if action == "ChangeConfiguration":
        return {**payload, "value": REDACTED}
    return {
        **payload,
        "setVariableData": [
            {**entry, "attributeValue": REDACTED} if _is_password_entry(entry) else entry
            for entry in payload.get("setVariableData") or ()
        ],
    }


def change_accepted(action: str, result: dict[str, Any] | None) -> bool:
    """Whether the charger's answer says it took the new password."""
    if not result:
        return False
    if action == "ChangeConfiguration":
        return result.get("status") in ACCEPTED
    statuses = [
        entry.get("attributeStatus")
        for entry in result.get("setVariableResult") or ()
        if _is_password_entry(entry)
    ]
    return bool(statuses) and all(status in ACCEPTED for status in statuses)


def in_grace(previous_hash: str | None, until_ms: int | None, now_ms: int) -> bool:
    """Whether the previous password still opens a connection."""
    return previous_hash is not None and until_ms is not None and now_ms < until_ms
