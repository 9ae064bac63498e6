"""The device models in memory: the unit tests' fake and the local memory store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from shared.ports.device_models import ReportProgress, VariableEntry, component_prefix


class MemoryDeviceModelStore:
    def __init__(self) -> None:
        # Per charger: entry key -> entry (one charger's model is read at a time).
        self.models: dict[str, dict[str, VariableEntry]] = {}
        self.progress: dict[str, dict[int, ReportProgress]] = {}

    def put_variables(self, charge_point_id: str, entries: Sequence[VariableEntry]) -> None:
        model = self.models.setdefault(charge_point_id, {})
        for entry in entries:
            model[entry.key] = entry

    def record_part(
        self, charge_point_id: str, request_id: int, seq_no: int, last: bool, at: str
    ) -> ReportProgress:
        reports = self.progress.setdefault(charge_point_id, {})
        known = reports.get(request_id)
        if seq_no == 0 or known is None:
            # seqNo 0 starts the report afresh, as the DynamoDB store does.
            known = ReportProgress(request_id, frozenset(), None, at, at)
        progress = replace(
            known,
            parts=known.parts | {seq_no},
            last_seq_no=seq_no if last else known.last_seq_no,
            updated_at=at,
        )
        reports[request_id] = progress
        return progress

    def variables(self, charge_point_id: str, component: str | None = None) -> list[VariableEntry]:
        prefix = component_prefix(component) if component is not None else ""
        model = self.models.get(charge_point_id, {})
        return [model[key] for key in sorted(model) if key.startswith(prefix)]

    def reports(self, charge_point_id: str) -> list[ReportProgress]:
        reports = self.progress.get(charge_point_id, {})
        return [reports[request_id] for request_id in sorted(reports)]
