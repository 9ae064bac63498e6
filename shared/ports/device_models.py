"""The device model a 2.0.1 station reports (NotifyReport, B07/B08): one entry per variable of
a component, and the progress of each multi-part report (docs/adr/0037-device-model.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

VARIABLE_PREFIX = "v|"
# A component's part of a key is at most 50 characters, case-folded (up to 3 characters
# each, 2 bytes a character at most then) and escaped: ~300 bytes; the rest must leave the
# key within DynamoDB's 1,024.
_MAX_REST_BYTES = 512
REPORT_PREFIX = "r|"


def _segment(value: str | int | None) -> str:
    """One part of an entry key: names are case-insensitive in OCPP 2.0.1, and `|` and `%`
    are escaped so that no name can run into the next part."""
    if value is None:
        return ""
    return str(value).casefold().replace("%", "%25").replace("|", "%7C")


def component_prefix(component: str) -> str:
    """The key prefix of every variable of the components with this name."""
    return VARIABLE_PREFIX + _segment(component) + "|"


@dataclass(frozen=True)
class VariableEntry:
    """A variable of a component as last reported: its attributes (type, value, mutability,
    persistent, constant) and characteristics (unit, dataType, limits, valuesList,
    supportsMonitoring) as the station sent them, defaults filled in."""

    component: str
    component_instance: str | None
    evse_id: int | None
    connector_id: int | None
    variable: str
    variable_instance: str | None
    attributes: tuple[dict[str, Any], ...]
    characteristics: dict[str, Any] | None
    request_id: int
    # The report part's generatedAt (the station's clock) and when it arrived (ours), UTC ISO.
    reported_at: str
    received_at: str

    @property
    def key(self) -> str:
        rest = "|".join(
            _segment(part)
            for part in (
                self.component_instance,
                self.evse_id,
                self.connector_id,
                self.variable,
                self.variable_instance,
            )
        )
        if len(rest.encode()) > _MAX_REST_BYTES:
            # Case folding and escaping can grow 50-character names past DynamoDB's 1,024-byte
            # sort key: such a rest of the key is stored as its digest (still one per variable).
            rest = "#" + hashlib.sha256(rest.encode()).hexdigest()
        return component_prefix(self.component) + rest

    def attribute(self, kind: str = "Actual") -> dict[str, Any] | None:
        return next((a for a in self.attributes if a.get("type") == kind), None)


@dataclass(frozen=True)
class ReportProgress:
    """Which parts (seqNo) of a report arrived, and the last one's number once it did."""

    request_id: int
    parts: frozenset[int]
    last_seq_no: int | None
    started_at: str
    updated_at: str

    @property
    def complete(self) -> bool:
        return self.last_seq_no is not None and self.parts >= set(range(self.last_seq_no + 1))


class DeviceModelStore(Protocol):
    def put_variables(self, charge_point_id: str, entries: Sequence[VariableEntry]) -> None:
        """Store the entries, each replacing what was stored for its variable (blind writes:
        a resent part writes the same again)."""
        ...

    def record_part(
        self, charge_point_id: str, request_id: int, seq_no: int, last: bool, at: str
    ) -> ReportProgress:
        """Note that a part of a report arrived (after its entries are stored). seqNo 0 starts
        the report afresh (a reused requestId); any other part is added to it. Idempotent."""
        ...

    def variables(self, charge_point_id: str, component: str | None = None) -> list[VariableEntry]:
        """The station's stored variables (of the components named so, any case), in key
        order."""
        ...

    def reports(self, charge_point_id: str) -> list[ReportProgress]: ...
