"""What a car really draws on an AC charger (docs/adr/0049-site-simulation.md).

A car has a battery, a state of charge, the most current it takes per phase, 1 or 3 phases,
and a taper: above `taper_from_soc` what it accepts falls linearly to `end_current_a` at a
full battery; at its `target_soc` (full, or the charge limit set in the car) it stops.

The current drawn per phase is the least of three: what the car accepts now, the limit the
charger's power electronics obey (the latest accepted limit, in force `latency_s` after it
was accepted) and the hardware maximum; below the car's minimum (IEC 61851: 6 A) the car
pauses and draws nothing. A 1-phase car draws on the EVSE's first phase.

Between two changes of the limit the draw never rises: what the car accepts only falls as its
battery fills. So the highest draw of an interval is at its start, which is what lets the site
simulation check limits at events only and still cover every instant.

`Car.charge` integrates exactly (no time steps): while the limit binds the state of charge
rises linearly; in the taper, where the car's own acceptance binds, the room left decays
exponentially, and the time to the target is closed-form.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field

AC_PHASE_VOLTAGE_V = 230.0
IEC_MIN_CURRENT_A = 6.0
_SOC_EPSILON = 1e-9


@dataclass(frozen=True)
class Car:
    battery_wh: float = 60_000.0
    max_current_a: float = 16.0
    phases: int = 3
    taper_from_soc: float = 0.8
    end_current_a: float = 2.0
    target_soc: float = 1.0
    min_current_a: float = IEC_MIN_CURRENT_A
    voltage_v: float = AC_PHASE_VOLTAGE_V

    def __post_init__(self) -> None:
        problems = []
        if self.battery_wh <= 0:
            problems.append("battery_wh must be above 0")
        if self.phases not in (1, 2, 3):
            problems.append("a car draws on 1, 2 or 3 phases")
        if not 0 < self.end_current_a <= self.max_current_a:
            problems.append("end_current_a must be above 0 and at most max_current_a")
        if not 0 <= self.taper_from_soc < 1:
            problems.append("taper_from_soc must be in [0, 1)")
        if not 0 < self.target_soc <= 1:
            problems.append("target_soc must be in (0, 1]")
        if problems:
            raise ValueError("; ".join(problems))

    def acceptance_a(self, soc: float) -> float:
        """What the car takes per phase at this state of charge (0 at its target)."""
        if soc >= self.target_soc - _SOC_EPSILON:
            return 0.0
        if soc <= self.taper_from_soc:
            return self.max_current_a
        share = (1.0 - soc) / (1.0 - self.taper_from_soc)
        return self.end_current_a + (self.max_current_a - self.end_current_a) * share

    def drawn_a(self, soc: float, limit_a: float | None, hardware_max_a: float) -> float:
        """The current per phase it draws under a limit (None: no profile) and a maximum."""
        allowed = min(hardware_max_a, math.inf if limit_a is None else limit_a)
        if allowed < self.min_current_a:
            return 0.0
        return min(allowed, self.acceptance_a(soc))

    def _soc_per_amp_second(self) -> float:
        return self.phases * self.voltage_v / 3600.0 / self.battery_wh

    def charge(
        self, soc: float, limit_a: float | None, hardware_max_a: float, seconds: float
    ) -> tuple[float, float]:
        """The state of charge after `seconds` under a constant limit, and the energy (Wh)
        delivered on the way."""
        allowed = min(hardware_max_a, math.inf if limit_a is None else limit_a)
        if seconds <= 0 or allowed < self.min_current_a or soc >= self.target_soc:
            return soc, 0.0
        k = self._soc_per_amp_second()
        start = soc
        # Where the car's acceptance falls to the allowed current: the limit binds below it.
        binding_until = self._soc_accepting(allowed)
        if soc < binding_until:
            rate = k * min(allowed, self.max_current_a)
            reach = min(binding_until, self.target_soc)
            needed = (reach - soc) / rate
            if needed >= seconds:
                return soc + rate * seconds, (rate * seconds) * self.battery_wh
            soc, seconds = reach, seconds - needed
        if soc < self.target_soc:
            soc = self._taper(soc, seconds)
        return soc, (soc - start) * self.battery_wh

    def _soc_accepting(self, current_a: float) -> float:
        """The state of charge above which the car accepts less than `current_a`."""
        if current_a >= self.max_current_a:
            return self.taper_from_soc
        if current_a <= self.end_current_a:
            return 1.0
        share = (current_a - self.end_current_a) / (self.max_current_a - self.end_current_a)
        return 1.0 - share * (1.0 - self.taper_from_soc)

    def _taper(self, soc: float, seconds: float) -> float:
        # u = 1 - soc: du/dt = -k (end + c u), so u + end/c decays as exp(-k c t).
        k = self._soc_per_amp_second()
        c = (self.max_current_a - self.end_current_a) / (1.0 - self.taper_from_soc)
        offset = self.end_current_a / c
        room = (1.0 - soc + offset) * math.exp(-k * c * seconds) - offset
        return min(self.target_soc, 1.0 - room)

    def seconds_to_target(self, soc: float, limit_a: float | None, hardware_max_a: float) -> float:
        """How long until it stops by itself under a constant limit (inf: never)."""
        allowed = min(hardware_max_a, math.inf if limit_a is None else limit_a)
        if soc >= self.target_soc:
            return 0.0
        if allowed < self.min_current_a:
            return math.inf
        k = self._soc_per_amp_second()
        binding_until = min(self._soc_accepting(allowed), self.target_soc)
        total = 0.0
        if soc < binding_until:
            total += (binding_until - soc) / (k * min(allowed, self.max_current_a))
            soc = binding_until
        if soc < self.target_soc:
            c = (self.max_current_a - self.end_current_a) / (1.0 - self.taper_from_soc)
            offset = self.end_current_a / c
            total += math.log((1.0 - soc + offset) / (1.0 - self.target_soc + offset)) / (k * c)
        return total


@dataclass
class ChargingCar:
    """A car plugged into one simulated connector: its state of charge, and the limits the
    charger accepted, each in force `latency_s` after it was accepted. Times are seconds on
    the charger's clock (accelerated runs pass scaled seconds)."""

    car: Car
    soc: float
    hardware_max_a: float
    latency_s: float = 0.0
    evse_phases: int = 3
    _changes: list[tuple[float, float | None]] = field(default_factory=list)
    _at: float | None = None

    def accept_limit(self, at: float, limit_a: float | None) -> None:
        """The charger accepted `limit_a` (None: no profile) at `at`. The first one is the
        limit in force when the car plugged in: obeyed from the start."""
        if not self._changes:
            self._changes.append((-math.inf, limit_a))
        elif self._changes[-1][1] != limit_a:
            self._changes.append((at + self.latency_s, limit_a))

    def limit_at(self, at: float) -> float | None:
        """The limit the power electronics obey at `at`."""
        index = bisect_right([when for when, _ in self._changes], at)
        return self._changes[index - 1][1] if index else None

    def advance(self, now: float) -> float:
        """Charge up to `now`; answers the energy delivered (Wh) since the last call."""
        if self._at is None or now <= self._at:
            self._at = now if self._at is None else max(self._at, now)
            return 0.0
        energy = 0.0
        start = self._at
        breaks = [when for when, _ in self._changes if start < when < now] + [now]
        for end in breaks:
            self.soc, delivered = self.car.charge(
                self.soc, self.limit_at(start), self.hardware_max_a, end - start
            )
            energy += delivered
            start = end
        self._at = now
        return energy

    def phase_currents(self, now: float) -> tuple[float, float, float]:
        """The current on the EVSE's phases L1, L2, L3 now (a 1-phase car: L1 only)."""
        current = self.car.drawn_a(self.soc, self.limit_at(now), self.hardware_max_a)
        used = min(self.car.phases, self.evse_phases)
        return (current, current if used >= 2 else 0.0, current if used >= 3 else 0.0)
