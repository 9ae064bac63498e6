"""OCPP-J error codes and the exception that carries one.

The two versions name their errors differently: 1.6 says FormationViolation and (sic)
OccurenceConstraintViolation, 2.0.1 says FormatViolation and OccurrenceConstraintViolation and adds
MessageTypeNotSupported and RpcFrameworkError. Logic raises `OcppError` with a version-neutral
`ErrorKind`; the wire name is chosen only when the CALLERROR is written.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from shared.ocpp.versions import OcppVersion


class ErrorKind(Enum):
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    INTERNAL_ERROR = "InternalError"
    PROTOCOL_ERROR = "ProtocolError"
    SECURITY_ERROR = "SecurityError"
    FORMAT_VIOLATION = "FormatViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
    GENERIC_ERROR = "GenericError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"


# OCPP-J 1.6 section 4.2.3 spells these differently or lacks them.
_V16_NAMES: dict[ErrorKind, str] = {
    ErrorKind.FORMAT_VIOLATION: "FormationViolation",
    ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION: "OccurenceConstraintViolation",
    ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED: "FormationViolation",
    ErrorKind.RPC_FRAMEWORK_ERROR: "FormationViolation",
}

_V16_CODES = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
)
_V201_CODES = frozenset(kind.value for kind in ErrorKind)

MAX_DESCRIPTION_LENGTH = 255


def wire_code(kind: ErrorKind, version: OcppVersion) -> str:
    """The error code as written in a CALLERROR for `version`."""
    if version is OcppVersion.V16:
        return _V16_NAMES.get(kind, kind.value)
    return kind.value


def is_valid_code(code: str, version: OcppVersion) -> bool:
    """Whether `code` is a CALLERROR code that `version` defines."""
    return code in (_V16_CODES if version is OcppVersion.V16 else _V201_CODES)


class OcppError(Exception):
    """An error to be answered with a CALLERROR."""

    def __init__(
        self, kind: ErrorKind, description: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description[:MAX_DESCRIPTION_LENGTH]
        self.details: dict[str, Any] = details or {}
