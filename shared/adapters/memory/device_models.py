"""The device models in memory: the unit tests' fake and the local memory store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from shared.ports.device_models import ReportProgress, VariableEntry, component_prefix


class MemoryDeviceModelStore:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], VariableEntry] = {}
        self.progress: dict[tuple[str, int], ReportProgress] = {}
        self.writes = 0

    def put_variables(self, charge_point_id: str, entries: Sequence[VariableEntry]) -> None:
        for entry in entries:
            self.entries[(charge_point_id, entry.key)] = entry
            self.writes += 1

    def record_part(
        self, charge_point_id: str, request_id: int, seq_no: int, last: bool, at: str
    ) -> ReportProgress:
        key = (charge_point_id, request_id)
        known = self.progress.get(key)
        if seq_no == 0 or known is None:
            known = ReportProgress(request_id, frozenset(), None, at, at)
            if seq_no == 0:
                known = replace(known, parts=frozenset({0}))
        progress = replace(
            known,
            parts=known.parts | {seq_no},
            last_seq_no=seq_no if last else known.last_seq_no,
            updated_at=at,
        )
        self.progress[key] = progress
        return progress

    def variables(self, charge_point_id: str, component: str | None = None) -> list[VariableEntry]:
        prefix = component_prefix(component) if component is not None else ""
        return [
            entry
            for (cp, key), entry in sorted(self.entries.items())
            if cp == charge_point_id and key.startswith(prefix)
        ]

    def reports(self, charge_point_id: str) -> list[ReportProgress]:
        return [p for (cp, _), p in sorted(self.progress.items()) if cp == charge_point_id]
