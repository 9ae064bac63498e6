"""Energy meters of a simulated charger: one register per connector that only ever grows.

A register integrates the charging power over (optionally accelerated) time, so meterStart of a
session equals meterStop of the previous one on that connector, as on a real meter.

Without a car model a charging connector draws its full power all along (balanced over three
phases for AC). With one (`simulator/physics.py`) an AC connector draws what the car takes,
within the limit its charging profiles set (read through `limit`, obeyed `latency_s` after
it was accepted) and its hardware maximum: per phase, tapering, 1-phase cars on L1 only.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from simulator.frames import utc_timestamp
from simulator.physics import Car, ChargingCar

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
    # AC with a car model: the current on L1, L2, L3 (None: current_a on each, balanced).
    phase_currents: tuple[float, float, float] | None = None

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
        car: Car | None = None,
        start_soc: float = 0.2,
        limit: Callable[[], float | None] | None = None,
        latency_s: float = 0.0,
    ) -> None:
        """car: the car every session on this connector charges (AC only); start_soc its
        state of charge when a session starts; limit answers the current per phase the
        connector's profiles allow now (None: no profile); latency_s how long (charging
        time) the power electronics take to obey a new limit."""
        if power_w < 0 or time_scale <= 0:
            raise ValueError("power_w must be >= 0 and time_scale > 0")
        if car is not None and (dc or not 0 <= start_soc <= 1 or latency_s < 0):
            raise ValueError("a car model needs an AC connector, 0 <= start_soc <= 1, latency >= 0")
        self._register_wh = register_wh
        self.power_w = power_w
        self.dc = dc
        self.time_scale = time_scale
        self._clock = clock
        self._charging_since: float | None = None
        self._soc_percent: float | None = None
        self.car = car
        self.start_soc = start_soc
        self._limit = limit
        self.latency_s = latency_s
        self._origin = clock()
        # The car of the session under way (car model only).
        self.charging_car: ChargingCar | None = None

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
        if self.car is not None:
            self.charging_car = ChargingCar(
                self.car,
                self.start_soc,
                hardware_max_a=self.power_w / (AC_PHASES * AC_PHASE_VOLTAGE_V),
                latency_s=self.latency_s,
            )
            self.observe_limit()

    def stop(self) -> None:
        """Stop drawing power; the register keeps its value."""
        self._advance()
        self._charging_since = None

    def _car_time(self) -> float:
        """Charging time (scaled seconds) since the meter was made: the car model's clock."""
        return (self._clock() - self._origin) * self.time_scale

    def observe_limit(self) -> None:
        """Read the limit the profiles allow now; a change is obeyed after the latency (the
        charger calls this whenever a command was answered, the meter at every reading)."""
        if self.charging_car is None:
            return
        self._advance()
        limit = self._limit() if self._limit is not None else None
        self.charging_car.accept_limit(self._car_time(), limit)

    def sample(self, context: str = "Sample.Periodic") -> MeterSample:
        if self.charging_car is not None and self.charging:
            return self._car_sample(context)
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

    def _car_sample(self, context: str) -> MeterSample:
        assert self.charging_car is not None
        self.observe_limit()
        currents = self.charging_car.phase_currents(self._car_time())
        return MeterSample(
            timestamp=utc_timestamp(),
            energy_wh=self._register_wh,
            power_w=sum(currents) * AC_PHASE_VOLTAGE_V,
            dc=False,
            voltage_v=AC_PHASE_VOLTAGE_V,
            current_a=max(currents),
            soc_percent=None,
            context=context,
            phase_currents=currents,
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
        if self.charging_car is not None:
            self._register_wh += self.charging_car.advance(self._car_time())
            return
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
