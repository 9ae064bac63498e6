"""OCPP protocol versions, as negotiated through the WebSocket subprotocol."""

from __future__ import annotations

from enum import StrEnum


class OcppVersion(StrEnum):
    V16 = "ocpp1.6"
    V201 = "ocpp2.0.1"


# Newest first: when a charger offers several versions we pick the newest we support,
# as OCPP 2.0.1 part 4 recommends.
SUPPORTED_VERSIONS: tuple[OcppVersion, ...] = (OcppVersion.V201, OcppVersion.V16)


def offered_subprotocols(header: str | None) -> list[str]:
    """The subprotocols in a Sec-WebSocket-Protocol header, in the order offered."""
    if not header:
        return []
    return [part.strip() for part in header.split(",") if part.strip()]


def choose_subprotocol(header: str | None) -> OcppVersion | None:
    """The version to speak with a charger that offered `header`, or None if nothing fits."""
    offered = {p.lower() for p in offered_subprotocols(header)}
    for version in SUPPORTED_VERSIONS:
        if version.value in offered:
            return version
    return None


def parse_version(value: str) -> OcppVersion:
    """A stored or context-carried version string back to the enum (raises ValueError)."""
    return OcppVersion(value)
