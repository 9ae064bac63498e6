"""NotifyReport (OCPP 2.0.1 B07 GetBaseReport, B08 GetReport): the station's device model.

A report comes in parts (requestId, seqNo from 0, tbc until the last). Each part's variables
are stored as it arrives, one entry per variable, each replacing what an earlier report said
about that variable; variables a report does not name are kept, so the device model is the
union of every report, the newest value of each variable winning. Then the part is noted on
the report's progress; the report is complete once its last part (tbc false) and every part
before it have arrived.

Idempotency contract: a resent part (same requestId and seqNo) writes the same entries again
and notes the same part again: both are blind, idempotent writes, and the part is noted only
after its entries are stored (a fault in between gets no answer, the station resends, and the
work is done again). seqNo 0 starts a report afresh, so a requestId used again by a later
GetReport does not inherit the parts of the earlier one. Docs: docs/adr/0037-device-model.md.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from shared.ocpp.fields import as_list, as_object, integer, optional_id, optional_text, text
from shared.ocpp.router import MessageContext, Router
from shared.ocpp.versions import OcppVersion
from shared.ports.device_models import DeviceModelStore, VariableEntry
from shared.timeutil import iso_utc, parse_timestamp

logger = logging.getLogger("csms.station.device_model")

Payload = dict[str, Any]

# requestId is the CSMS's own (a 32-bit integer in practice, possibly negative).
MIN_REQUEST_ID = -(2**31)
# Beyond this a JSON number is no usable limit (it is kept as a float; infinities are dropped).
_EXACT_INT = 2**53


def _flag(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and abs(value) < _EXACT_INT:
        return value
    number = float(value) if abs(value) < 1e308 else math.inf
    return number if math.isfinite(number) else None


def attribute_of(raw: Any) -> dict[str, Any]:
    """A VariableAttributeType with the spec's defaults filled in (type Actual, mutability
    ReadWrite, persistent and constant false); value absent for a WriteOnly variable."""
    attribute = as_object(raw)
    found = {
        "type": text(attribute, "type", "Actual"),
        "value": optional_text(attribute, "value"),
        "mutability": text(attribute, "mutability", "ReadWrite"),
        "persistent": _flag(attribute.get("persistent"), False),
        "constant": _flag(attribute.get("constant"), False),
    }
    return {name: value for name, value in found.items() if value is not None}


def characteristics_of(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    found = {
        "unit": optional_text(raw, "unit"),
        "dataType": text(raw, "dataType"),
        "minLimit": _number(raw.get("minLimit")),
        "maxLimit": _number(raw.get("maxLimit")),
        "valuesList": optional_text(raw, "valuesList"),
        "supportsMonitoring": _flag(raw.get("supportsMonitoring"), False),
    }
    return {name: value for name, value in found.items() if value is not None}


def entry_of(raw: Any, request_id: int, reported_at: str, received_at: str) -> VariableEntry:
    data = as_object(raw)
    component = as_object(data.get("component"))
    evse = as_object(component.get("evse"))
    variable = as_object(data.get("variable"))
    evse_id = optional_id(evse.get("id"))
    attributes = {}
    for attribute in map(attribute_of, as_list(data.get("variableAttribute"))):
        attributes[attribute["type"]] = attribute  # one per type; a repeated type: the last
    return VariableEntry(
        component=text(component, "name"),
        component_instance=optional_text(component, "instance"),
        evse_id=evse_id,
        connector_id=optional_id(evse.get("connectorId")) if evse_id is not None else None,
        variable=text(variable, "name"),
        variable_instance=optional_text(variable, "instance"),
        attributes=tuple(attributes.values()),
        characteristics=characteristics_of(data.get("variableCharacteristics")),
        request_id=request_id,
        reported_at=reported_at,
        received_at=received_at,
    )


@dataclass
class DeviceModelHandlers:
    store: DeviceModelStore

    def register(self, router: Router) -> None:
        router.route(OcppVersion.V201, "NotifyReport", self.notify_report)

    def notify_report(self, ctx: MessageContext, payload: Payload) -> Payload:
        request_id = integer(payload, "requestId", minimum=MIN_REQUEST_ID)
        seq_no = integer(payload, "seqNo")
        last = not _flag(payload.get("tbc"), False)
        received_at = iso_utc(ctx.received_at)
        generated = parse_timestamp(payload.get("generatedAt"))
        reported_at = iso_utc(generated) if generated is not None else received_at
        entries = [
            entry_of(raw, request_id, reported_at, received_at)
            for raw in as_list(payload.get("reportData"))
        ]
        self.store.put_variables(ctx.charge_point_id, entries)
        progress = self.store.record_part(
            ctx.charge_point_id, request_id, seq_no, last, received_at
        )
        if last:
            # One line per report, what an operator looks for after a GetReport.
            logger.info(
                "device model report received: %s",
                "complete" if progress.complete else "parts missing",
                extra={
                    "chargePointId": ctx.charge_point_id,
                    "requestId": request_id,
                    "parts": len(progress.parts),
                },
            )
        return {}
