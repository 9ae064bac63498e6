"""Energy meters of a simulated charger: one register per connector that only ever grows.

A register integrates the charging power over (optionally accelerated) time, so meterStart of a
session equals meterStop of the previous one on that connector, as on a real meter.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from simulator.frames import utc_timestamp

AC_PHASE_VOLTAGE_V = 230.0
AC_PHASES = 3
DC_VOLTAGE_V = 400.0
# Above this, a charger without an explicit choice is taken for a DC fast charger.
DC_THRESHOLD_KW = 22.0
DC_BATTERY_WH = 75_000.0
# Registers of meters that have been in service start somewhere below this.
MAX_INITIAL_REGISTER_WH = 1_000_000


@dataclass(frozen=True)
class MeterSample:
    """Everything a meter reports at one moment."""

    timestamp: str
    energy_wh: float
    power_w: float
    dc: bool
    voltage_v: float
    # Per phase for AC (balanced three-phase load), total for DC.
    current_a: float
    # State of charge of the EV; DC chargers only (AC chargers cannot read it).
    soc_percent: float | None
    context: str = "Sample.Periodic"

    @property
    def register_wh(self) -> int:
        """The register as whole Wh (1.6 meterStart/meterStop are integers)."""
        return int(self.energy_wh)


def initial_register_wh(charge_point_id: str, connector_id: int) -> float:
    """A stable, non-zero starting register, as on a meter that has been in service."""
    return float(zlib.crc32(f"{charge_point_id}/{connector_id}".encode()) % MAX_INITIAL_REGISTER_WH)


class ConnectorMeter:
    """The energy meter of one connector.

    time_scale multiplies elapsed time for the energy integration only: with 60, a session of
    30 real seconds delivers the energy of 30 minutes (accelerated runs with realistic kWh).
    """

    def __init__(
        self,
        register_wh: float,
        *,
        power_w: float,
        dc: bool,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if power_w < 0 or time_scale <= 0:
            raise ValueError("power_w must be >= 0 and time_scale > 0")
        self._register_wh = register_wh
        self.power_w = power_w
        self.dc = dc
        self.time_scale = time_scale
        self._clock = clock
        self._charging_since: float | None = None
        self._soc_percent: float | None = None

    @property
    def charging(self) -> bool:
        return self._charging_since is not None

    @property
    def register_wh(self) -> float:
        self._advance()
        return self._register_wh

    def start(self, soc_percent: float | None = None) -> None:
        """Start drawing power_w (a no-op when already charging)."""
        if self.charging:
            return
        self._charging_since = self._clock()
        self._soc_percent = soc_percent if self.dc else None

    def stop(self) -> None:
        """Stop drawing power; the register keeps its value."""
        self._advance()
        self._charging_since = None

    def sample(self, context: str = "Sample.Periodic") -> MeterSample:
        energy = self.register_wh
        power = self.power_w if self.charging and not self._battery_full else 0.0
        voltage = DC_VOLTAGE_V if self.dc else AC_PHASE_VOLTAGE_V
        current = power / voltage if self.dc else power / (AC_PHASES * voltage)
        return MeterSample(
            timestamp=utc_timestamp(),
            energy_wh=energy,
            power_w=power,
            dc=self.dc,
            voltage_v=voltage,
            current_a=current,
            soc_percent=self._soc_percent,
            context=context,
        )

    @property
    def _battery_full(self) -> bool:
        return self._soc_percent is not None and self._soc_percent >= 100.0

    def _advance(self) -> None:
        if self._charging_since is None:
            return
        now = self._clock()
        elapsed_s = (now - self._charging_since) * self.time_scale
        self._charging_since = now
        if self._battery_full:
            return
        delivered = self.power_w * elapsed_s / 3600.0
        if self._soc_percent is not None:
            room_wh = (100.0 - self._soc_percent) / 100.0 * DC_BATTERY_WH
            delivered = min(delivered, room_wh)
            self._soc_percent = min(100.0, self._soc_percent + delivered / DC_BATTERY_WH * 100.0)
        self._register_wh += delivered


def is_dc(power_kw: float, dc: bool | None) -> bool:
    return power_kw > DC_THRESHOLD_KW if dc is None else dc
