"""An upper bound on a session's price from its energy and duration alone, whatever its
periods, times of day and restrictions: the dearest rate of each dimension on all of the
energy and time, every FLAT fee, one billing step and one rounding unit per component, then
tax rounded up. The sweep uses it to know how long a running app session cannot reach its
hold, so that it need not price the session again before then (docs/adr/0025)."""

from __future__ import annotations

import math
from fractions import Fraction

from shared.models.tariff import Tariff

# What a component's price is quoted per: ENERGY per kWh (volume in Wh), TIME and
# PARKING_TIME per hour (volume in seconds).
_UNIT = {"ENERGY": 1000, "TIME": 3600, "PARKING_TIME": 3600}


def price_ceiling(tariff: Tariff, energy_wh: int, duration_s: int) -> int:
    """Minor units including tax that no session of this energy and duration exceeds."""
    components = [c for element in tariff.elements for c in element.components]
    dearest = {
        dimension: max((c.price for c in components if c.type == dimension), default=0)
        for dimension in ("ENERGY", "TIME", "PARKING_TIME")
    }
    excl = (
        sum(c.price for c in components if c.type == "FLAT")
        + Fraction(dearest["ENERGY"] * max(0, energy_wh), _UNIT["ENERGY"])
        # A second is charging or parked, never both: the dearer of the two bounds it.
        + Fraction(max(dearest["TIME"], dearest["PARKING_TIME"]) * max(0, duration_s), 3600)
        # Volumes are billed in whole steps, and each line's amount is rounded.
        + sum(
            Fraction(c.price * c.step_size, _UNIT[c.type]) + 1
            for c in components
            if c.type != "FLAT"
        )
    )
    whole = math.ceil(excl)
    return whole + math.ceil(Fraction(whole * tariff.tax_rate_bp, 10_000))


def seconds_below(
    tariff: Tariff,
    limit_minor: int,
    energy_wh: int,
    elapsed_s: int,
    power_w: int,
    horizon_s: int,
) -> int:
    """How many seconds from now, at most `horizon_s`, the session's price stays below
    `limit_minor` for certain: `energy_wh` delivered so far (or a bound on it) grows by at
    most `power_w`, the duration by one second a second. 0 when it may already be there."""

    def below(seconds: int) -> bool:
        energy = energy_wh + math.ceil(Fraction(power_w * seconds, 3600))
        return price_ceiling(tariff, energy, elapsed_s + seconds) < limit_minor

    if not below(0):
        return 0
    low, high = 0, horizon_s  # below(low) holds; find the last second that is below
    if below(high):
        return high
    while high - low > 1:
        middle = (low + high) // 2
        if below(middle):
            low = middle
        else:
            high = middle
    return low
