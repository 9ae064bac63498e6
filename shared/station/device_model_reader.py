"""Reading a station's stored device model (docs/adr/0037-device-model.md): grouped per
component for the operator API, single values for device-model aware commands. Names
compare case-insensitively, as OCPP 2.0.1 says."""

from __future__ import annotations

from dataclasses import dataclass

from shared.ports.device_models import DeviceModelStore, ReportProgress, VariableEntry


@dataclass(frozen=True)
class ComponentModel:
    """A component (name, instance, EVSE, connector) with its variables, in key order."""

    name: str
    instance: str | None
    evse_id: int | None
    connector_id: int | None
    variables: tuple[VariableEntry, ...]


@dataclass(frozen=True)
class DeviceModel:
    charge_point_id: str
    components: tuple[ComponentModel, ...]
    reports: dict[int, ReportProgress]


@dataclass
class DeviceModelReader:
    """The stored device model of a station, for the operator API and device-model aware
    commands."""

    store: DeviceModelStore

    def model(
        self, charge_point_id: str, component: str | None = None, variable: str | None = None
    ) -> DeviceModel:
        # Reports before variables: a part's variables are stored before the part is counted,
        # so a report read as complete has all of its variables in the read that follows.
        progress = self.store.reports(charge_point_id)
        entries = self.store.variables(charge_point_id, component)
        if variable is not None:
            wanted = variable.casefold()
            entries = [e for e in entries if e.variable.casefold() == wanted]
        # Names are case-insensitive: a component is grouped whatever case each entry has.
        groups: dict[tuple[str, str, int | None, int | None], list[VariableEntry]] = {}
        for entry in entries:
            key = (
                entry.component.casefold(),
                (entry.component_instance or "").casefold(),
                entry.evse_id,
                entry.connector_id,
            )
            groups.setdefault(key, []).append(entry)
        reports = {p.request_id: p for p in progress} if entries else {}
        return DeviceModel(
            charge_point_id,
            tuple(
                ComponentModel(
                    found[0].component,
                    found[0].component_instance,
                    found[0].evse_id,
                    found[0].connector_id,
                    tuple(found),
                )
                for found in groups.values()
            ),
            reports,
        )

    def value(
        self, charge_point_id: str, component: str, variable: str, instance: str | None = None
    ) -> str | None:
        """The Actual value of a station-wide variable (no component instance, no EVSE)."""
        wanted = variable.casefold()
        for entry in self.store.variables(charge_point_id, component):
            if (
                entry.component_instance is None
                and entry.evse_id is None
                and entry.variable.casefold() == wanted
                and (entry.variable_instance or "").casefold() == (instance or "").casefold()
            ):
                actual = entry.attribute("Actual")
                return actual.get("value") if actual else None
        return None
