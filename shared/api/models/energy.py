"""The network's energy per UTC day or hour."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.api.models.common import ApiModel
from shared.telemetry.network_energy import NetworkEnergyReport


class EnergyPeriodView(ApiModel):
    period: str = Field(
        description="UTC day (YYYY-MM-DD) or the start of a UTC hour (YYYY-MM-DDTHH:00:00Z)",
        examples=["2026-12-06", "2026-12-06T13:00:00Z"],
    )
    energyWh: int = Field(description="Energy of the sessions that stopped in the period")
    sessions: int = Field(description="Sessions that stopped in the period")


class NetworkEnergyView(ApiModel):
    granularity: Literal["day", "hour"]
    from_: str = Field(
        serialization_alias="from", description="First UTC day of the range (YYYY-MM-DD)"
    )
    to: str = Field(description="Last UTC day of the range (YYYY-MM-DD), included")
    items: list[EnergyPeriodView] = Field(
        description="Every period of the range, oldest first; zero when no session stopped"
    )

    @classmethod
    def of(cls, r: NetworkEnergyReport) -> NetworkEnergyView:
        return cls(
            granularity=r.granularity,
            from_=r.first.isoformat(),
            to=r.last.isoformat(),
            items=[
                EnergyPeriodView(period=p.period, energyWh=p.energy_wh, sessions=p.sessions)
                for p in r.items
            ],
        )
