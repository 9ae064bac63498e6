"""GetVariables / SetVariables split to what the station takes (OCPP 2.0.1 B06/B05, issue
point 3): its DeviceCtrlr ItemsPerMessage[GetVariables|SetVariables] and
BytesPerMessage[GetVariables|SetVariables], as it reported them (NotifyReport). A request
with more entries, or a larger message, goes out as several CALLs, one after the other
through the charger's single command slot, and their results are merged into one outcome in
the order of the request. Without a reported limit the request goes out whole, as the
station's operator sent it.

The first CALL that is not answered (timeout, CALLERROR, invalid answer) stops the rest:
the later entries are returned as `unsent` (with those of a CALL that could not be sent at
all: slot taken, charger gone), never sent behind the operator's back. Each CALL is an
ordinary command (kept, listed, published like any other).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from shared.commands.engine import MAX_SYNC_WAIT_S, CommandEngine, CommandError
from shared.models.command import CommandRecord
from shared.station.device_model_reader import DeviceModelReader

VariablesAction = Literal["GetVariables", "SetVariables"]
ENTRIES = {"GetVariables": "getVariableData", "SetVariables": "setVariableData"}
RESULTS = {"GetVariables": "getVariableResult", "SetVariables": "setVariableResult"}
# What an OCPP-J CALL adds around its payload: [2,"<36-character message id>","<action>",...].
_FRAME_OVERHEAD = len('[2,"","",]') + 36


@dataclass(frozen=True)
class MessageLimits:
    """What the station reported (None: not reported, no limit applied)."""

    items: int | None = None
    bytes: int | None = None


def _positive(value: str | None) -> int | None:
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number > 0 else None


def split(
    action: VariablesAction, entries: list[dict[str, Any]], limits: MessageLimits
) -> list[list[dict[str, Any]]]:
    """The entries in as few consecutive chunks as the limits allow (greedy, order kept). An
    entry too large for BytesPerMessage on its own goes alone: the station answers it."""
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    base = _FRAME_OVERHEAD + len(action) + len(json.dumps({ENTRIES[action]: []}))
    size = base
    for entry in entries:
        entry_size = len(json.dumps(entry, separators=(",", ":")).encode()) + 1
        full = limits.items is not None and len(current) >= limits.items
        too_big = limits.bytes is not None and size + entry_size > limits.bytes
        if current and (full or too_big):
            chunks.append(current)
            current, size = [], base
        current.append(entry)
        size += entry_size
    if current:
        chunks.append(current)
    return chunks


@dataclass(frozen=True)
class VariablesOutcome:
    status: str  # "answered" when every CALL was answered, else the first other outcome
    limits: MessageLimits
    commands: list[CommandRecord]
    results: list[dict[str, Any]]
    unsent: list[dict[str, Any]]
    error: dict[str, Any] | None = None


@dataclass
class VariableCommands:
    engine: CommandEngine
    reader: DeviceModelReader

    def limits(self, charge_point_id: str, action: VariablesAction) -> MessageLimits:
        return MessageLimits(
            items=_positive(
                self.reader.value(charge_point_id, "DeviceCtrlr", "ItemsPerMessage", action)
            ),
            bytes=_positive(
                self.reader.value(charge_point_id, "DeviceCtrlr", "BytesPerMessage", action)
            ),
        )

    def send(
        self,
        charge_point_id: str,
        action: VariablesAction,
        entries: list[dict[str, Any]],
        *,
        timeout_s: int,
        wait_s: float = MAX_SYNC_WAIT_S,
        requested_by: str | None = None,
    ) -> VariablesOutcome:
        """Send the chunks in turn, waiting for each answer (all within `wait_s`). A refusal
        of the first CALL (unknown or offline charger, slot taken, invalid) raises
        CommandError as a single command would."""
        limits = self.limits(charge_point_id, action)
        chunks = split(action, entries, limits)
        give_up = self.engine.clock_ms() + int(min(wait_s, MAX_SYNC_WAIT_S) * 1000)
        sent: list[CommandRecord] = []
        results: list[dict[str, Any]] = []
        for index, chunk in enumerate(chunks):
            unsent = [entry for rest in chunks[index:] for entry in rest]
            left_s = (give_up - self.engine.clock_ms()) / 1000
            if index and left_s <= 0:
                return VariablesOutcome("timeout", limits, sent, results, unsent)
            try:
                record = self.engine.send(
                    charge_point_id,
                    action,
                    {ENTRIES[action]: chunk},
                    timeout_s=timeout_s,
                    requested_by=requested_by,
                )
            except CommandError as exc:
                if not index:
                    raise
                error = {"code": exc.code, "description": exc.message}
                return VariablesOutcome("error", limits, sent, results, unsent, error)
            final = self.engine.wait(charge_point_id, record.message_id, max(left_s, 0.0))
            record = final or record
            sent.append(record)
            if record.status != "answered":
                later = unsent[len(chunk) :]
                return VariablesOutcome(record.status, limits, sent, results, later, record.error)
            results += (record.result or {}).get(RESULTS[action], [])
        return VariablesOutcome("answered", limits, sent, results, [])
