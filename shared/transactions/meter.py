"""Reading the energy register out of OCPP meter values (1.6 and 2.0.1 shapes).

1.6 sampledValue: value is a string, unit "Wh"/"kWh" (default Wh), measurand defaults to
Energy.Active.Import.Register. 2.0.1 sampledValue: value is a number, unitOfMeasure {unit,
multiplier} (value x 10^multiplier). Only the total (no phase) import register counts; a
reading at the outlet wins over one without location, EV-side readings are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.ocpp.fields import MAX_METER_WH, as_integer

ENERGY_REGISTER = "Energy.Active.Import.Register"
_UNIT_FACTORS = {"wh": Decimal(1), "kwh": Decimal(1000)}
# 2.0.1 multipliers are powers of ten; beyond these a reading is no reading (and 10**1000000
# would cost the Decimal context, or the int that follows, seconds).
MAX_MULTIPLIER = 9
# Digits before the point a value may have before the multiplier applies.
MAX_VALUE_DIGITS = 18


@dataclass(frozen=True)
class RegisterReading:
    energy_wh: int
    timestamp: str | None
    context: str | None


def _reading(sample: dict[str, Any]) -> Decimal | None:
    if sample.get("measurand", ENERGY_REGISTER) != ENERGY_REGISTER or sample.get("phase"):
        return None
    if sample.get("location") == "EV":
        return None
    unit_of_measure = sample.get("unitOfMeasure")
    if isinstance(unit_of_measure, dict):  # 2.0.1
        unit = str(unit_of_measure.get("unit", "Wh"))
        multiplier = as_integer(unit_of_measure.get("multiplier", 0))
        if multiplier is None or abs(multiplier) > MAX_MULTIPLIER:
            return None
    else:
        unit = str(sample.get("unit", "Wh"))
        multiplier = 0
    factor = _UNIT_FACTORS.get(unit.lower())
    if factor is None:
        return None
    try:
        value = Decimal(str(sample["value"]))
    except (KeyError, InvalidOperation):
        return None
    if not value.is_finite() or value.adjusted() >= MAX_VALUE_DIGITS:
        return None
    wh = value * factor * (Decimal(10) ** multiplier)
    return wh if 0 <= wh <= MAX_METER_WH else None


def register_readings(meter_values: Iterable[dict[str, Any]]) -> list[RegisterReading]:
    """Every usable energy register reading, one per meterValue entry, in message order."""
    readings: list[RegisterReading] = []
    for meter_value in meter_values:
        if not isinstance(meter_value, dict):
            continue
        best: tuple[bool, Decimal, str | None] | None = None
        for sample in meter_value.get("sampledValue") or []:
            if not isinstance(sample, dict):
                continue
            value = _reading(sample)
            if value is None:
                continue
            at_outlet = sample.get("location") == "Outlet"
            if best is None or (at_outlet and not best[0]):
                best = (at_outlet, value, sample.get("context"))
        if best is not None:
            readings.append(
                RegisterReading(
                    energy_wh=int(best[1].to_integral_value()),
                    timestamp=meter_value.get("timestamp"),
                    context=best[2],
                )
            )
    return readings


def register_for(meter_values: Iterable[dict[str, Any]], context: str, last: bool) -> int | None:
    """The reading taken in `context` (e.g. Transaction.Begin), else the first/last one."""
    readings = register_readings(meter_values)
    for reading in readings:
        if reading.context == context:
            return reading.energy_wh
    if not readings:
        return None
    return readings[-1].energy_wh if last else readings[0].energy_wh
